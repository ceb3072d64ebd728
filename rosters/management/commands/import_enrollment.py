from pathlib import Path

from accounts.cli import UserCommand, refused
from rosters.services import enrollment_import


class Command(UserCommand):
    help = (
        "导入一年的参保名单（列：身份证号、姓名、险种、参保状态、财政补助金额、未参保原因），"
        "查出应保未保、重复参保和与所持类别不符的参保资助；不加 --apply 只预览，不写入。"
    )

    def add_command_arguments(self, parser):
        parser.add_argument("file", help="参保名单（xlsx、xls 或 csv）")
        parser.add_argument("--year", type=int, help="参保年度 YYYY（必填）")
        parser.add_argument(
            "--apply", action="store_true", help="确认记录参保信息（重复导入同一名单不会重复记录）"
        )

    def run(self, user, *, file, year, apply, **options):
        if year is None:
            raise refused("请用 --year 指定参保年度，例如 --year 2024。")
        result = enrollment_import(
            user=user, year=year, file_name=Path(file).name, content=self.read_file(file), apply=apply
        ).as_dict(mask_ids=not user.sees_sensitive)
        if apply and result["errors"]:
            raise self.rows_refused(result, file=file, json_wanted=options.get("json"))
        return result

    def summary(self, result):
        lines = [
            f"共 {result['rows']} 行：已参保 {result['enrolled']}，未参保 {result['not_enrolled']}，"
            f"不在本系统 {result['not_in_registry']}，无法识别 {len(result['errors'])}。",
            f"应保未保 {result['uncovered']} 人，重复参保 {result['duplicate']} 人，"
            f"资助金额不符 {result['subsidy_mismatch']} 人。",
        ]
        lines += [
            f"第 {error['row']} 行“{error['column']}”列：{error['message']}" for error in result["errors"]
        ]
        lines += [
            f"应保未保：{item['name']} {item['id_number']} {item['reason']}".rstrip()
            for item in result["uncovered_people"]
        ]
        lines += [f"重复参保：{item['name']} {item['id_number']}" for item in result["duplicate_people"]]
        lines += [
            f"资助金额不符：{item['name']} {item['id_number']} "
            f"应为 {item['expected']} 元，记录为 {item['recorded']} 元"
            for item in result["subsidy_mismatches"]
        ]
        if result["applied"]:
            lines.append(
                f"已记录：新增 {result['created']} 条，更新 {result['updated']} 条，"
                f"删除 {result['removed']} 条。"
            )
        else:
            lines.append("仅预览，未写入；确认无误后加 --apply 记录。")
        return "\n".join(lines)
