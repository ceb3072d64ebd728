"""``manage.py follow_up_visit``: a follow-up visit to the placement in force of a child."""

from accounts.cli import UserCommand, refused
from beneficiaries.cli import option_date, required
from employment.cli import open_placement
from employment.models import FollowUpVisit
from employment.services import visit_record

STATUSES = {value: value for value in FollowUpVisit.Status.values} | {
    label: value for value, label in FollowUpVisit.Status.choices} | {"不稳定": FollowUpVisit.Status.UNSTABLE}


class Command(UserCommand):
    help = "登记跟踪回访（--id-number --visitor --status）；“已离岗”的回访同时按回访日期登记该安置离岗。"

    def add_command_arguments(self, parser):
        parser.add_argument("--id-number", help="身份证号（回访其在岗安置）")
        parser.add_argument("--visitor", help="回访人")
        parser.add_argument("--status", help="就业状态：稳定就业、不稳定、已离岗（或 stable、unstable、left）")
        parser.add_argument("--difficulties", default="", help="困难和问题")
        parser.add_argument("--action", default="", help="采取的措施")
        parser.add_argument("--on", help="回访日期（默认今天）")

    def run(self, user, *, on, **options):
        required(options, "id_number", "visitor", "status", doing="登记回访")
        if options["status"] not in STATUSES:
            raise refused(f"--status：“{options['status']}”应为 稳定就业、不稳定、已离岗 之一。")
        placement = open_placement(user, options["id_number"])
        visit = visit_record(user=user, placement=placement, visited_on=option_date(on, "--on"),
                             visitor=options["visitor"], status=STATUSES[options["status"]],
                             difficulties=options["difficulties"], action=options["action"])
        placement.refresh_from_db()
        return {"visit": visit.pk, "placement": placement.pk, "visited_on": visit.visited_on, "status": visit.status,
                "placement_ended_on": placement.ends_on}

    def summary(self, result):
        ended = "；该安置已按回访日期登记离岗" if result["placement_ended_on"] else ""
        return f"已登记 {result['visited_on']} 的回访{ended}。"
