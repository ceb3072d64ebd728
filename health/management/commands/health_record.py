"""``manage.py health_record --id-number ID --number NUMBER [--on DATE] [--institution NAME]``: a person's
electronic health record established (建档), once."""

from accounts.cli import UserCommand
from beneficiaries.cli import option_date, person_of
from health.services import record_establish


class Command(UserCommand):
    help = "登记健康档案（建档）：身份证号、档案编号，建档日期默认今天。"

    def add_command_arguments(self, parser):
        parser.add_argument("--id-number", required=True, help="身份证号")
        parser.add_argument("--number", required=True, help="档案编号")
        parser.add_argument("--on", help="建档日期（默认今天）")
        parser.add_argument("--institution", default="", help="建档机构")

    def run(self, user, *, id_number, number, on, institution, **options):
        record = record_establish(user=user, person=person_of(user, id_number), number=number,
                                  established_on=option_date(on, "--on"), institution=institution)
        return {"record": record.pk, "number": record.number, "id_number": record.person.id_number,
                "established_on": record.established_on}

    def summary(self, result):
        return f"已建档：档案编号 {result['number']}，{result['established_on']}。"
