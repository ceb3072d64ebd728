"""``manage.py placement``: a child placed in a job, or (``--end``) the placement in force ended."""

from accounts.cli import UserCommand, refused
from beneficiaries.cli import option_amount, option_date, person_of, required
from employment.cli import open_placement
from employment.models import Placement
from employment.services import placement_end, placement_start

KINDS = {value: value for value in Placement.Kind.values} | {label: value for value, label in Placement.Kind.choices}


class Command(UserCommand):
    help = "登记就业安置（--id-number --kind --employer），或登记在岗安置离岗（--end --id-number --reason）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--end", action="store_true", help="登记该人在岗安置离岗")
        parser.add_argument("--id-number", help="身份证号")
        parser.add_argument("--kind", help="安置方式：" + "、".join(Placement.Kind.labels) + "（或 enterprise 等代码）")
        parser.add_argument("--employer", help="用人单位")
        parser.add_argument("--position", default="", help="岗位")
        parser.add_argument("--place", default="", help="就业地点")
        parser.add_argument("--wage", help="月工资（元）")
        parser.add_argument("--reason", help="离岗原因")
        parser.add_argument("--on", help="上岗或离岗日期（默认今天）")

    def run(self, user, *, end, on, **options):
        day = option_date(on, "--on")
        if end:
            required(options, "id_number", "reason", doing="登记离岗")
            placement = placement_end(user=user, placement=open_placement(user, options["id_number"]), ends_on=day,
                                      reason=options["reason"])
        else:
            required(options, "id_number", "kind", "employer", doing="登记安置")
            if options["kind"] not in KINDS:
                raise refused(f"--kind：“{options['kind']}”应为 {'、'.join(Placement.Kind.labels)} 之一。")
            wage = option_amount(options["wage"], required=False, option="--wage")
            placement = placement_start(user=user, person=person_of(user, options["id_number"]),
                                        kind=KINDS[options["kind"]], employer=options["employer"], starts_on=day,
                                        position=options["position"], place=options["place"], monthly_wage=wage)
        return {"placement": placement.pk, "id_number": placement.person.id_number, "kind": placement.kind,
                "employer": placement.employer, "starts_on": placement.starts_on, "ends_on": placement.ends_on}

    def summary(self, result):
        if result["ends_on"]:
            return f"{result['employer']} 的安置已于 {result['ends_on']} 离岗。"
        return f"已登记安置：{result['employer']}（{result['starts_on']} 上岗）。"
