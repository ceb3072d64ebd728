from simple_history.management.commands import clean_old_history

from operations.cli import RetentionGuard


class Command(RetentionGuard, clean_old_history.Command):
    help = ("删除早于 --days 天的历史记录（django-simple-history 的同名命令，加上保存期限：审计记录至少保存 "
            "AUDIT_RETENTION_DAYS 天，不少于 180 天，更小的天数被拒绝）。")
