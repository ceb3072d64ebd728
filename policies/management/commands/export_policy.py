import json

from django.core.management.base import BaseCommand

from accounts.cli import refused
from policies.selectors import version_of


class Command(BaseCommand):
    help = "打印已保存的报销政策文件（默认最新版本）。"

    def create_parser(self, prog_name, subcommand, **kwargs):
        # commands.md names the option --version; it replaces Django's own --version here.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--version", type=int, dest="number", help="版本号")

    def handle(self, *args, code, number, **options):
        version = version_of(code, number)
        if version is None:
            which = f"第 {number} 版" if number else "任何版本"
            raise refused(f"没有政策“{code}”的{which}。")
        self.stdout.write(json.dumps(version.document, ensure_ascii=False, indent=1))
