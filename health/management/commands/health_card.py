"""``manage.py health_card``: a health card issued to a person, or (``--revoke NUMBER``) a card revoked."""

from accounts.cli import UserCommand
from beneficiaries.cli import one_of, option_date, person_of, required
from health.models import HealthCard
from health.services import card_issue, card_revoke


class Command(UserCommand):
    help = "发放健康卡（--id-number --number --handed-over-by），或作废健康卡（--revoke 卡号 --reason）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--revoke", metavar="NUMBER", help="作废该卡号的健康卡")
        parser.add_argument("--id-number", help="发放：身份证号")
        parser.add_argument("--number", help="发放：卡号")
        parser.add_argument("--handed-over-by", help="发放：发放人")
        parser.add_argument("--reason", help="作废原因")
        parser.add_argument("--on", help="发放或作废日期（默认今天）")

    def run(self, user, *, revoke, on, **options):
        day = option_date(on, "--on")
        if revoke:
            required(options, "reason", doing="作废健康卡")
            card = one_of(HealthCard.objects.visible_to(user), "健康卡", number=revoke)
            card = card_revoke(user=user, card=card, revoked_on=day, reason=options["reason"])
        else:
            required(options, "id_number", "number", "handed_over_by", doing="发放健康卡")
            card = card_issue(user=user, person=person_of(user, options["id_number"]), number=options["number"],
                              issued_on=day, handed_over_by=options["handed_over_by"])
        return {"card": card.pk, "number": card.number, "id_number": card.person.id_number,
                "issued_on": card.issued_on, "revoked_on": card.revoked_on}

    def summary(self, result):
        if result["revoked_on"]:
            return f"健康卡 {result['number']} 已于 {result['revoked_on']} 作废。"
        return f"已发放健康卡 {result['number']}（{result['issued_on']}）。"
