"""``manage.py contract_import FILE [--apply]``: the health commission's family-doctor contract list, all or nothing."""

from pathlib import Path

from accounts.cli import UserCommand
from health.contract_import import contract_list_import


class Command(UserCommand):
    help = ("导入卫健部门的家庭医生签约名单（列：身份证号（户中任一成员）或户编号、签约团队、签约医生、医生电话（可选）、"
            "签约机构、服务包、签约日期、生效日期（空为签约日期）、到期日期（空为生效后一年减一天））。逐行比对为新签约、续签、"
            "已有相同签约（跳过）或错误；不加 --apply 只预览，加 --apply 且没有错误时保存为签约名单批次并全部登记。")

    def add_command_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--apply", action="store_true", help="确认导入（默认只预览，不写入）")

    def run(self, user, *, file, apply, **options):
        result = contract_list_import(user=user, file_name=Path(file).name, content=self.read_file(file), apply=apply)
        if result["errors"]:
            raise self.rows_refused(result, file=file, json_wanted=options.get("json"))
        return result

    def summary(self, result):
        state = f"已导入（签约名单 #{result['batch']}）" if result["applied"] else "预览（未写入；加 --apply 确认导入）"
        return (f"{state}：共 {result['rows']} 行，新签约 {result['new']} 户，续签 {result['renewal']} 户，"
                f"已有相同签约跳过 {result['unchanged']} 户。")
