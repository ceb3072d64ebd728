from pathlib import Path

from django.core.management.base import BaseCommand

from accounts.cli import option_out, refused
from config.import_templates import TEMPLATES


class Command(BaseCommand):
    help = "写出某个导入的空白模板（表头、一行示例和填写说明），与页面上“下载模板”的文件相同。"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("name", help="模板：" + "、".join(TEMPLATES))
        parser.add_argument("--out", required=True, help="输出文件（.xlsx）")

    def handle(self, *, name, out, **options):
        template = TEMPLATES.get(name)
        if template is None:
            raise refused(f"没有模板“{name}”，应为：{'、'.join(TEMPLATES)}。")
        path: Path = option_out(out)
        path.write_bytes(template.workbook().getvalue())
        self.stdout.write(f"已写出 {template.name}：{path}")
