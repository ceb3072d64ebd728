"""``manage.py survey_import FILE [--apply]``: the yearly survey list of poor families' children, all or nothing."""

from pathlib import Path

from accounts.cli import UserCommand
from employment.survey_import import survey_list_import


class Command(UserCommand):
    help = ("导入贫困家庭子女摸排表（列：身份证号、姓名、摸排年度（可选，空为摸排日期所在年）、毕业（就读）学校、学历层次、专业、"
            "毕业年份（或毕业时间）、就业意向、创业愿望、创业意向、帮扶需求、摸排日期、摸排人）。逐行比对为新增、更新、"
            "相同（跳过）或错误；不加 --apply 只预览，加 --apply 且没有错误时保存为摸排表批次并全部登记。")

    def add_command_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--apply", action="store_true", help="确认导入（默认只预览，不写入）")

    def run(self, user, *, file, apply, **options):
        result = survey_list_import(user=user, file_name=Path(file).name, content=self.read_file(file), apply=apply)
        if result["errors"]:
            raise self.rows_refused(result, file=file, json_wanted=options.get("json"))
        return result

    def summary(self, result):
        state = f"已导入（摸排表 #{result['batch']}）" if result["applied"] else "预览（未写入；加 --apply 确认导入）"
        return (f"{state}：共 {result['rows']} 行，新增 {result['new']} 人，更新 {result['updated']} 人，"
                f"相同跳过 {result['unchanged']} 人。")
