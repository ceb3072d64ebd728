from accounts.cli import UserCommand
from claims.services import resettle_year


class Command(UserCommand):
    help = "政策修订后，按当前政策版本重新结算某年度（可限定区域）的全部账单。"

    def add_command_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--area", default="", help="区域代码前缀")

    def run(self, user, *, year, area, **options):
        claims, changes = resettle_year(user=user, year=year, area=area)
        return {"claims": claims, "changed": len({c.claim for c in changes}),
                "changes": [change.as_dict() for change in changes]}

    def summary(self, result):
        return f"重新结算 {result['claims']} 张账单，其中 {result['changed']} 张有变动。"
