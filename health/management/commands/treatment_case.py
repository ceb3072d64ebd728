"""``manage.py treatment_case``: a patient registered for classified treatment (分类救治), or (``--case ID``) a
case moved to another status."""

from accounts.cli import UserCommand
from beneficiaries.cli import one_of, option_date, person_of, required
from health.models import Disease, TreatmentCase
from health.services import treatment_register, treatment_set_status


class Command(UserCommand):
    help = ("登记分类救治（--id-number --disease 病种代码 --class 救治类别 --institution），"
            "或更新救治状态（--case 编号 --status 新状态）。")

    def add_command_arguments(self, parser):
        parser.add_argument("--case", type=int, metavar="ID", help="更新该救治的状态")
        parser.add_argument("--status", choices=TreatmentCase.Status.values, help="新状态")
        parser.add_argument("--id-number", help="登记：身份证号")
        parser.add_argument("--disease", help="登记：病种代码（见救治病种页面）")
        parser.add_argument("--class", dest="treatment_class", choices=TreatmentCase.TreatmentClass.values,
                            help="登记：救治类别")
        parser.add_argument("--institution", default="", help="救治机构（更新状态时为转入的新机构）")
        parser.add_argument("--note", default="", help="说明")
        parser.add_argument("--on", help="登记或状态日期（默认今天）")

    def run(self, user, *, case, on, note, institution, **options):
        day = option_date(on, "--on")
        if case is not None:
            required(options, "status", doing="更新救治状态")
            case = treatment_set_status(user=user, case=one_of(TreatmentCase.objects.visible_to(user), "救治", pk=case),
                                        status=options["status"], on=day, note=note, institution=institution)
        else:
            required(options | {"institution": institution}, "id_number", "disease", "treatment_class", "institution",
                     doing="登记分类救治")
            disease = one_of(Disease.objects.all(), "病种", code=options["disease"])
            case = treatment_register(user=user, person=person_of(user, options["id_number"]), disease=disease,
                                      treatment_class=options["treatment_class"], institution=institution,
                                      registered_on=day, note=note)
        return {"case": case.pk, "id_number": case.person.id_number, "disease": case.disease.code,
                "treatment_class": case.treatment_class, "status": case.status, "status_on": case.status_on,
                "institution": case.institution}

    def summary(self, result):
        status = TreatmentCase.Status(result["status"]).label
        return f"分类救治 #{result['case']}：{status}（{result['status_on']}），{result['institution']}。"
