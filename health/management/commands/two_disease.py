"""``manage.py two_disease``: a person recognised as a 两病 patient (the category the policies test is held from
that day), or (``--withdraw ID``) a recognition withdrawn."""

from accounts.cli import UserCommand
from beneficiaries.cli import one_of, option_date, person_of, required
from health.models import TwoDiseaseRecognition, TwoDiseases
from health.services import two_disease_recognise, two_disease_withdraw


class Command(UserCommand):
    help = ("登记两病认定（--id-number --disease hypertension|diabetes --by 认定医生或机构 --evidence 认定依据），"
            "或撤销认定（--withdraw 编号 --reason）。")

    def add_command_arguments(self, parser):
        parser.add_argument("--withdraw", type=int, metavar="ID", help="撤销该认定")
        parser.add_argument("--id-number", help="认定：身份证号")
        parser.add_argument("--disease", choices=TwoDiseases.values, help="认定：hypertension 高血压，diabetes 糖尿病")
        parser.add_argument("--by", help="认定：认定医生或机构")
        parser.add_argument("--evidence", help="认定：认定依据")
        parser.add_argument("--reason", help="撤销原因")
        parser.add_argument("--on", help="认定或撤销日期（默认今天）")

    def run(self, user, *, withdraw, on, **options):
        day = option_date(on, "--on")
        if withdraw is not None:
            required(options, "reason", doing="撤销两病认定")
            recognition = one_of(TwoDiseaseRecognition.objects.visible_to(user), "两病认定", pk=withdraw)
            recognition = two_disease_withdraw(user=user, recognition=recognition, withdrawn_on=day,
                                               reason=options["reason"])
        else:
            required(options, "id_number", "disease", "by", "evidence", doing="登记两病认定")
            recognition = two_disease_recognise(user=user, person=person_of(user, options["id_number"]),
                                                disease=options["disease"], recognised_on=day,
                                                recognised_by=options["by"], evidence=options["evidence"])
        return {"recognition": recognition.pk, "id_number": recognition.person.id_number,
                "disease": recognition.disease, "recognised_on": recognition.recognised_on,
                "withdrawn_on": recognition.withdrawn_on}

    def summary(self, result):
        label = TwoDiseases(result["disease"]).label
        if result["withdrawn_on"]:
            return f"{label}认定 #{result['recognition']} 已于 {result['withdrawn_on']} 撤销。"
        return f"已认定为{label}患者（#{result['recognition']}，{result['recognised_on']}）。"
