from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.services import system_user
from assistance.demo import load_funds
from beneficiaries import demo
from claims.demo import load_claims
from employment.demo import load_employment
from health.demo import load_health
from policies.services import policies_load_shipped
from projects.demo import load_projects


class Command(BaseCommand):
    help = ("载入演示县（酉阳 500242）：乡镇和村、约 3,000 名保障对象、两年参保记录、演示用户、四地报销政策和"
            "一年的已结算账单、基金与救助金、健康管理记录、贫困家庭子女就业和产业项目；重复运行不会重复载入。")

    def handle(self, *args, **options):
        actor = system_user()
        villages = demo.load_regions()
        users = demo.load_users(actor)
        people = demo.load_people(villages, actor)
        policies = policies_load_shipped(user=actor)
        today = timezone.localdate()
        claims = load_claims(actor, today.year, today)
        grants = load_funds(actor, today.year, today)
        contracts = load_health(actor, today)
        children = load_employment(actor, today)
        participations = load_projects(actor, today)
        self.stderr.write(
            f"演示县：{len(villages)} 个村，新增 {people} 名保障对象，{len(users)} 个演示用户，"
            f"{len(policies)} 份报销政策（新版本 {sum(created for _, created in policies)} 份），"
            f"新增 {claims} 张已结算账单，{grants} 笔救助金，{contracts} 份家庭医生签约，"
            f"{children} 名贫困家庭子女摸排记录，{participations} 人次产业项目参与。"
        )
