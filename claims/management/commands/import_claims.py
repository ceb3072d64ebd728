from accounts.cli import UserCommand
from claims.imports import claims_import


class Command(UserCommand):
    help = ("导入医院/医保平台结算清单并逐张结算；全部行都有效才写入，已导入的行（有结算ID的按结算ID）跳过，"
            "退费结算标志为 1 的行作废同一结算ID的账单。不加 --apply 只预览。")

    def add_command_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--apply", action="store_true", help="确认写入（默认只预览）")

    def run(self, user, *, file, apply, **options):
        report = claims_import(user=user, content=self.read_file(file), filename=file, apply=apply)
        result = report.as_dict()
        if report.errors:
            raise self.rows_refused(result, file=file, json_wanted=options.get("json"))
        return result

    def summary(self, result):
        state = "已写入" if result["applied"] else "预览（未写入；加 --apply 确认）"
        return (f"{state}：共 {result['rows']} 行，结算 {result['settled']} 张，跳过已导入 {result['skipped']} 张，"
                f"撤销结算作废 {result['voided']} 张，新建医疗机构 {len(result['hospitals_created'])} 家。")
