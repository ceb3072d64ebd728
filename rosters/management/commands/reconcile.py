from pathlib import Path

from accounts.cli import UserCommand, refused
from rosters.comparison import Outcome
from rosters.report import batch_report_write, preview_report_write
from rosters.services import roster_apply, roster_preview, roster_request


class Command(UserCommand):
    help = (
        "把民政或扶贫部门的月度名单与系统比对（新增、新增类别、类别变更、不变、退出、信息不符、身份证号无效、"
        "名单内重复、不可用）；不加 --apply 只预览，不写入。"
    )

    def add_command_arguments(self, parser):
        parser.add_argument("file", help="名单文件（xlsx、xls 或 csv）")
        parser.add_argument(
            "--source", help="名单来源：civil_affairs 民政部门，poverty_office 扶贫/乡村振兴部门（必填）"
        )
        parser.add_argument("--month", help="名单月份 YYYY-MM（必填）")
        parser.add_argument("--area", help="只比对该区域（区划代码前缀）；只有区域内的人会被判为退出")
        parser.add_argument(
            "--category", help="名单没有类别列、整表同属一个类别时，指定该类别（代码、名称或别名）"
        )
        parser.add_argument("--apply", action="store_true", help="确认应用（一个事务内全部写入或全部不写入）")
        parser.add_argument("--report", help="把比对报告写入该 xlsx 文件")
        parser.add_argument(
            "--allow-exits",
            type=int,
            dest="allow_exits",
            help="名单将结束较多类别认定（超过该来源本区域在册认定的 10%%）时，确认将结束的认定数 N 后才应用",
        )

    def run(self, user, *, file, source, month, area, category, apply, report, allow_exits, **options):
        if not source:
            raise refused(
                "请用 --source 指定名单来源："
                "civil_affairs（民政部门）或 poverty_office（扶贫/乡村振兴部门）。"
            )
        if not month:
            raise refused("请用 --month 指定名单月份，格式 YYYY-MM。")
        request = roster_request(user=user, source=source, month=month, area_code=area, category=category)
        content = self.read_file(file)
        file_name = Path(file).name
        if report:
            self.check_writable(report)
        if apply:
            batch = roster_apply(
                user=user,
                request=request,
                file_name=file_name,
                content=content,
                progress=lambda percent, stage: self.stderr.write(f"» {stage}"),
                allow_exits=allow_exits,
            )
            counts, batch_id = batch.counts, batch.pk
            if report:
                batch_report_write(report, batch, mask_ids=not user.sees_sensitive)
        else:
            preview = roster_preview(request=request, file_name=file_name, content=content)
            counts, batch_id = preview.counts(), None
            if preview.exits.need_confirmation:
                self.stderr.write(f"注意：{preview.exits.warning()}应用时须加 --allow-exits {preview.exits.holdings}。")
            if report:
                preview_report_write(report, preview, mask_ids=not user.sees_sensitive)
        return {**counts, "batch": batch_id}

    def check_writable(self, path: str) -> None:
        """Refuse a report path that cannot be written before anything is applied."""
        try:
            with open(path, "wb"):
                pass
        except OSError as exc:
            raise refused(f"无法写入报告文件“{path}”：{exc.strerror}") from None

    def summary(self, result):
        counts = "，".join(f"{outcome.label} {result[outcome.value]}" for outcome in Outcome)
        if result["batch"] is None:
            return f"{counts}。仅预览，未写入；确认无误后加 --apply 应用。"
        return f"{counts}。已应用，批次 #{result['batch']}。"
