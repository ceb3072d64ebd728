"""``manage.py child_survey``: a child's record of a year's survey (摸排), created or changed."""

from accounts.cli import UserCommand, refused
from beneficiaries.cli import option_date, person_of, required
from employment.models import SchoolLevel
from employment.services import survey_record

LEVELS = {value: value for value in SchoolLevel.values} | {label: value for value, label in SchoolLevel.choices}


def _year(text: str | None, option: str) -> int:
    if not (text or "").isdigit():
        raise refused(f"{option}：“{text}”应为四位年份。")
    return int(text)


class Command(UserCommand):
    help = ("登记贫困家庭子女摸排（--id-number --school --level --graduation-year --surveyed-by；"
            "同一年度再次登记即修改该年度记录）。")

    def add_command_arguments(self, parser):
        parser.add_argument("--id-number", help="身份证号")
        parser.add_argument("--year", help="摸排年度（默认为摸排日期的年份）")
        parser.add_argument("--school", help="毕业（就读）学校")
        parser.add_argument("--level", help="学历层次：普通高校、高职（专科）、中职、其他（或 university 等代码）")
        parser.add_argument("--major", default="", help="专业")
        parser.add_argument("--graduation-year", help="毕业年份（在读的填预计毕业年份）")
        parser.add_argument("--intention", default="", help="就业意向")
        parser.add_argument("--wants-business", action="store_true", help="有创业愿望")
        parser.add_argument("--business-plan", default="", help="创业意向")
        parser.add_argument("--needs", default="", help="帮扶需求")
        parser.add_argument("--on", help="摸排日期（默认今天）")
        parser.add_argument("--surveyed-by", help="摸排人")

    def run(self, user, *, on, **options):
        required(options, "id_number", "school", "level", "graduation_year", "surveyed_by", doing="登记摸排")
        if options["level"] not in LEVELS:
            raise refused(f"--level：“{options['level']}”应为 {'、'.join(SchoolLevel.labels)} 之一。")
        day = option_date(on, "--on")
        survey = survey_record(
            user=user, person=person_of(user, options["id_number"]),
            year=_year(options["year"], "--year") if options["year"] else day.year,
            school=options["school"], level=LEVELS[options["level"]], major=options["major"],
            graduation_year=_year(options["graduation_year"], "--graduation-year"), intention=options["intention"],
            wants_business=options["wants_business"], business_plan=options["business_plan"],
            needs=options["needs"], surveyed_on=day, surveyed_by=options["surveyed_by"])
        return {"survey": survey.pk, "id_number": survey.person.id_number, "year": survey.year,
                "level": survey.level, "graduation_year": survey.graduation_year}

    def summary(self, result):
        return f"已登记 {result['year']} 年摸排（{result['id_number'][:6]}…，{result['graduation_year']} 年毕业）。"
