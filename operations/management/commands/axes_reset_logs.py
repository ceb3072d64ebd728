from axes.management.commands import axes_reset_logs

from operations.cli import RetentionGuard


class Command(RetentionGuard, axes_reset_logs.Command):
    help = ("删除早于 --age 天的登录记录（django-axes 的同名命令，加上保存期限：审计记录至少保存 AUDIT_RETENTION_DAYS 天，"
            "不少于 180 天，更小的天数被拒绝）。")
    age_option = "age"
