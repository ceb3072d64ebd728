"""The third-party apps under the names the admin shows (their own are English and not translatable)."""

from axes.apps import AppConfig as AxesAppConfig
from django_tasks_db.apps import TasksAppConfig


class LoginProtectionConfig(AxesAppConfig):
    verbose_name = "登录防护"

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        # Their records name themselves in English ("Access Log for … @ …") in the admin's titles and
        # breadcrumbs; Chinese instead.
        AccessAttempt.__str__ = lambda record: f"{record.username} 的登录尝试（{_local(record)}）"
        AccessLog.__str__ = lambda record: f"{record.username} 的登录记录（{_local(record)}）"
        AccessFailureLog.__str__ = lambda record: (
            f"{record.username} 的登录失败（{_local(record)}{'，已锁定' if record.locked_out else ''}）")


def _local(record) -> str:
    """When the login happened, in local time."""
    from django.utils import timezone

    return f"{timezone.localtime(record.attempt_time):%Y-%m-%d %H:%M:%S}" if record.attempt_time else ""


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = "后台任务"
