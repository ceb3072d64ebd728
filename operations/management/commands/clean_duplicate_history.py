from simple_history.management.commands import clean_duplicate_history

from accounts.cli import refused
from operations.retention import DUPLICATES_KEPT, retention_days


class Command(clean_duplicate_history.Command):
    help = ("已停用（django-simple-history 的同名命令）：它不看记录的时间，会删掉保存期限之内的历史记录。"
            "清理过期历史请用 clean_old_history。")

    def handle(self, *args, **options):
        raise refused(DUPLICATES_KEPT.format(keep=retention_days()))
