"""The third-party apps under the names the admin shows (their own are English and not translatable)."""

from axes.apps import AppConfig as AxesAppConfig
from django_tasks_db.apps import TasksAppConfig


class LoginProtectionConfig(AxesAppConfig):
    verbose_name = "登录防护"


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = "后台任务"
