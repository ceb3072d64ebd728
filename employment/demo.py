"""The demo county's poor families' children: this year's survey of each child of working age, most graduates
placed (中职 graduates mostly in firms, under the three-year rule), support given, and follow-up visits — some
overdue and some finding the job unstable, so that the lists to act on are not empty. Entered through the services,
as clerks do. Idempotent: nothing is added once any survey exists."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from accounts.models import User
from beneficiaries.demo import COUNTY
from beneficiaries.selectors import target_people
from employment import services
from employment.models import ChildSurvey, FollowUpVisit, Placement, SchoolLevel, Support

# (level, age at graduation, schools, majors)
SCHOOLS = [
    (SchoolLevel.UNIVERSITY, 22, ["重庆大学", "西南大学", "长江师范学院"], ["计算机科学与技术", "会计学", "护理学", "小学教育"]),
    (SchoolLevel.HIGHER_VOCATIONAL, 21, ["重庆工程职业技术学院", "重庆三峡职业学院"], ["汽车检测与维修", "电子商务", "学前教育"]),
    (SchoolLevel.SECONDARY_VOCATIONAL, 18, ["酉阳职业教育中心"], ["数控技术应用", "旅游服务与管理", "电子技术应用", "护理"]),
    (SchoolLevel.OTHER, 18, ["酉阳第一中学"], [""]),
]
INTENTIONS = ["县内企业", "外出务工", "事业单位", "自主创业", "继续升学"]
NEEDS = ["技能培训", "岗位推荐", "创业贷款", "求职补贴", "一对一就业指导"]
EMPLOYERS = {
    Placement.Kind.ENTERPRISE: ["酉阳县桃花源旅游公司", "重庆长安汽车股份有限公司", "酉阳县青花椒加工厂"],
    Placement.Kind.PUBLIC_INSTITUTION: ["酉阳县人民医院", "龙潭镇中心小学"],
    Placement.Kind.PUBLIC_WELFARE: ["乡镇公益性岗位（保洁）", "村级公益性岗位（护林）"],
    Placement.Kind.FLEXIBLE: ["个体（电商直播）"],
    Placement.Kind.MIGRANT: ["广东东莞电子厂"],
}
VISITORS = ["冉春燕", "田伟", "白明"]


def load_employment(actor: User, today: datetime.date) -> int:
    """Adds the demo surveys, placements, support and visits; returns the children surveyed."""
    if ChildSurvey.objects.exists():
        return 0
    rng = random.Random(15)
    surveyed_on = max(datetime.date(today.year, 3, 1), today - datetime.timedelta(days=270)) if today.month > 3 \
        else today
    children = [person for person in target_people(actor, COUNTY, today).filter(relation="child").order_by("pk")
                if 16 <= _age(person.birth_date, today) <= 28]
    for person in children:
        level, age, schools, majors = rng.choice(SCHOOLS)
        graduation_year = person.birth_date.year + age
        wants_business = rng.random() < 0.2
        services.survey_record(
            user=actor, person=person, year=today.year, school=rng.choice(schools), level=level,
            major=rng.choice(majors), graduation_year=graduation_year, intention=rng.choice(INTENTIONS),
            wants_business=wants_business, business_plan="农村电商" if wants_business else "",
            needs=rng.choice(NEEDS), surveyed_on=surveyed_on, surveyed_by=rng.choice(VISITORS))
        if graduation_year < today.year and rng.random() < 0.7:
            _placed(actor, rng, person, level, graduation_year, today)
        if rng.random() < 0.3:
            _supported(actor, rng, person, surveyed_on)
    return len(children)


def _age(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _placed(actor: User, rng: random.Random, person, level: str, graduation_year: int, today: datetime.date) -> None:
    kind = (Placement.Kind.ENTERPRISE if level == SchoolLevel.SECONDARY_VOCATIONAL and rng.random() < 0.8
            else rng.choice(list(EMPLOYERS)))
    starts_on = max(datetime.date(graduation_year, 7, 1), today - datetime.timedelta(days=rng.randrange(100, 1500)))
    placement = services.placement_start(user=actor, person=person, kind=kind, employer=rng.choice(EMPLOYERS[kind]),
                                         starts_on=starts_on, monthly_wage=Decimal(rng.randrange(2200, 5200)))
    # most are visited within the quarter; some were last seen long ago (due), some found unstable (at risk)
    draw = rng.random()
    if draw < 0.7:
        visited_on = today - datetime.timedelta(days=rng.randrange(5, 80))
        status = FollowUpVisit.Status.STABLE
    elif draw < 0.85:
        visited_on = today - datetime.timedelta(days=rng.randrange(100, 200))
        status = FollowUpVisit.Status.STABLE
    else:
        visited_on = today - datetime.timedelta(days=rng.randrange(5, 60))
        status = FollowUpVisit.Status.UNSTABLE
    if visited_on > starts_on:
        services.visit_record(user=actor, placement=placement, visited_on=visited_on, visitor=rng.choice(VISITORS),
                              status=status, difficulties="工资偏低，想换工作" if status != "stable" else "",
                              action="联系企业协调岗位" if status != "stable" else "")


def _supported(actor: User, rng: random.Random, person, given_on: datetime.date) -> None:
    kind = rng.choice(Support.Kind.values)
    amount = {"subsidy": Decimal("1000.00"), "loan": Decimal("50000.00")}.get(kind)
    provider = {"subsidy": "县就业和人才中心", "loan": "县农商银行", "training": "县职业技能培训中心"}.get(kind, "冉春燕")
    services.support_give(user=actor, person=person, kind=kind, given_on=given_on, provider=provider, amount=amount,
                          detail="演示记录")
