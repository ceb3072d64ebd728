from accounts.cli import UserCommand
from regions.services import regions_import
from spreadsheets.reading import read_table

ALIASES = {"code": ("区划代码", "行政区划代码", "代码", "统计用区划代码"), "name": ("名称", "区划名称", "单位名称")}
REQUIRED = ("code", "name")


class Command(UserCommand):
    help = "导入乡镇和村（xlsx/csv，列“区划代码”“名称”）；重复导入只更新名称，不会重复。"

    def add_command_arguments(self, parser):
        parser.add_argument("file")

    def run(self, user, *, file, **options):
        table = read_table(self.read_file(file), file, ALIASES, required=REQUIRED)
        rows = [(number, record["code"], record["name"]) for number, record in table.records()]
        result = regions_import(user=user, rows=rows)
        return {"created": result.created, "updated": result.updated}

    def summary(self, result):
        return f"新增 {result['created']} 个区划，更新 {result['updated']} 个。"
