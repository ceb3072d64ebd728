from operations.cli import OperatorCommand
from operations.retention import access_log_clean, retention_days


class Command(OperatorCommand):
    help = ("删除早于 --days 天的访问日志（查看个人档案、导出）和接口调用记录；审计记录至少保存 AUDIT_RETENTION_DAYS（不少于 180）天，"
            "更小的天数被拒绝。由服务器运维人员运行（docs/backup.md）。")

    def add_command_arguments(self, parser):
        parser.add_argument("--days", type=int, default=retention_days(),
                            help="只删除早于这么多天的记录（默认且最少：%(default)s）")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def run(self, *, days, dry_run, **options) -> dict:
        deleted = access_log_clean(days=days, dry_run=dry_run)
        return {"days": days, "deleted": deleted["access_log"], "partner_calls": deleted["partner_calls"],
                "dry_run": dry_run}

    def summary(self, result: dict) -> str:
        verb = "可删除" if result["dry_run"] else "已删除"
        return (f"{verb} {result['days']} 天以前的访问日志 {result['deleted']} 条、"
                f"接口调用记录 {result['partner_calls']} 条。")
