"""``manage.py no_project [--area CODE] [--day D] [--unrecorded] [--json | --out FILE.xlsx]``: the working-age poor
with labour capacity and no project in force on the day, by township and by name (``--unrecorded``: those whose
labour capacity is not recorded)."""

from django.db.models import Count
from django.db.models.functions import Left

from accounts.cli import UserCommand, option_out
from accounts.models import AccessLog
from accounts.services import access_log_record
from beneficiaries.cli import add_area_day, area_day
from beneficiaries.idnumbers import mask
from policies.document import age_on
from projects.cli import VIEW
from projects.exports import PEOPLE_LISTS, people_list_write
from regions.models import Region
from spreadsheets.writing import replaced_when_done


class Command(UserCommand):
    help = "未参与产业项目的劳动年龄有劳动能力贫困人口名单（按乡镇汇总）；--unrecorded 为劳动能力未登记名单。"

    def add_command_arguments(self, parser):
        add_area_day(parser)
        parser.add_argument("--unrecorded", action="store_true", help="列出劳动能力未登记的劳动年龄贫困人口")

    def run(self, user, *, area, day, out, unrecorded, json, **options):
        which = "unrecorded" if unrecorded else "no_project"
        prefix, on = area_day(user, area, day, permission=VIEW, doing="查看产业项目参与名单")
        title, select = PEOPLE_LISTS[which]
        people = select(user, area_code=prefix, day=on)
        names = dict(Region.objects.filter(level="township").values_list("code", "name"))
        townships = [{"code": row["township"], "name": names.get(row["township"], ""), "count": row["n"]}
                     for row in people.annotate(township=Left("village_id", 9)).values("township")
                     .annotate(n=Count("pk")).order_by("township")]
        result = {"area": prefix, "day": on, "list": which, "title": title,
                  "count": sum(row["count"] for row in townships), "townships": townships}
        if out:
            path = option_out(out)
            with replaced_when_done(path) as partial:
                people_list_write(user=user, area_code=prefix, day=on, which=which, target=partial)
            result["file"] = str(path)
        if json:
            listed = list(people)
            result["people"] = [{"village": p.village.name, "household": p.household.number if p.household else "",
                                 "name": p.name, "id_number": p.id_number if user.sees_sensitive else mask(p.id_number),
                                 "age": age_on(p.birth_date, on), "labour_capacity": p.labour_capacity}
                                for p in listed]
            access_log_record(user=user, action=AccessLog.Action.VIEW_PERSON, object_id=f"projects:{which}",
                              detail=f"{title}（命令）：{prefix or '全国'} {on.isoformat()}", rows=len(listed))
        return result

    def summary(self, result):
        lines = [f"{result['title']}（区域 {result['area'] or '全国'}，{result['day']}）：共 {result['count']} 人"]
        lines += [f"  {row['name']}（{row['code']}）：{row['count']} 人" for row in result["townships"]]
        if "file" in result:
            lines.append(f"名单已写入 {result['file']}。")
        return "\n".join(lines)
