"""``manage.py participation_import FILE [--apply]``: the participation and labour list, all or nothing."""

from pathlib import Path

from accounts.cli import UserCommand
from projects.participation_import import participation_list_import


class Command(UserCommand):
    help = ("导入产业参与名单（列：身份证号、姓名、劳动能力（可选）、项目编号（可选；填写时参与方式和参与日期必填）、参与方式、"
            "参与日期）。逐行比对为新参与、已在项目中（跳过）、劳动能力变更、劳动能力相同（跳过）或错误；不加 --apply 只预览，"
            "加 --apply 且没有错误时保存为参与名单批次并全部登记。")

    def add_command_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--apply", action="store_true", help="确认导入（默认只预览，不写入）")

    def run(self, user, *, file, apply, **options):
        result = participation_list_import(user=user, file_name=Path(file).name, content=self.read_file(file),
                                           apply=apply)
        if result["errors"]:
            raise self.rows_refused(result, file=file, json_wanted=options.get("json"))
        return result

    def summary(self, result):
        state = f"已导入（参与名单 #{result['batch']}）" if result["applied"] else "预览（未写入；加 --apply 确认导入）"
        return (f"{state}：共 {result['rows']} 行，新参与 {result['new']} 人次，已在项目中跳过 {result['already']} 人次，"
                f"劳动能力变更 {result['capacity_changed']} 人，劳动能力相同跳过 {result['capacity_same']} 人。")
