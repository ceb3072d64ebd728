"""``manage.py import_visits FILE [--apply]``: the publicity-visit list, all or nothing."""

from accounts.cli import UserCommand
from monitoring.visits import visits_import


class Command(UserCommand):
    help = ("导入政策宣传走访记录（列：户编号或户主身份证号、走访日期、走访人、宣传内容（政策宣传/明白卡送达）、备注）；"
            "全部行都有效才写入，已登记的走访跳过。不加 --apply 只预览。")

    def add_command_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--apply", action="store_true", help="确认写入（默认只预览）")

    def run(self, user, *, file, apply, **options):
        report = visits_import(user=user, content=self.read_file(file), filename=file, apply=apply)
        result = report.as_dict()
        if report.errors:
            raise self.rows_refused(result, file=file, json_wanted=options.get("json"))
        return result

    def summary(self, result):
        state = "已写入" if result["applied"] else "预览（未写入；加 --apply 确认）"
        return f"{state}：共 {result['rows']} 行，登记走访 {result['recorded']} 条，跳过已登记 {result['skipped']} 条。"
