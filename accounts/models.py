from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords

from regions.codes import area_prefix

SYSTEM_USERNAME = "system"  # the built-in account commands act as (accounts.services.system_user)


class Role(models.TextChoices):
    ADMIN = "admin", "管理员"
    CLERK = "clerk", "经办员"
    VIEWER = "viewer", "查询"


class UserHistory(HistoricalRecords):
    """A user's history without the saves that touch only excluded fields: a login saves ``last_login``
    alone, and a row per login would bury the changes an administrator made (logins are in axes' log)."""

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)


class User(AbstractUser):
    """A person who signs in; everything they see and change is limited to their area.

    ``area`` empty means the whole country: only the built-in ``system`` account and superusers
    created on the command line have no area.
    """

    # The whole name, as Chinese names are written (姓名); last_name stays empty.
    first_name = models.CharField("姓名", max_length=150, blank=True)
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.VIEWER)
    area = models.ForeignKey(
        "regions.Region", verbose_name="管辖区域", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.CharField("单位", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    # Password hashes stay out of the history (a reset shows as its change reason).
    history = UserHistory(verbose_name="用户变更记录", verbose_name_plural="用户变更记录",
                          excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        permissions = [("view_sensitive", "查看敏感信息（完整身份证号、电话）")]

    def __str__(self):
        if self.username == SYSTEM_USERNAME:
            return "系统"
        return f"{self.get_full_name() or self.username}（{self.username}）"

    @property
    def area_prefix(self) -> str:
        return area_prefix(self.area_id or "")

    def can_see_code(self, code: str) -> bool:
        return code.startswith(self.area_prefix)

    @property
    def sees_sensitive(self) -> bool:
        return self.has_perm("accounts.view_sensitive")


class AccessLog(models.Model):
    """Who opened a full record or exported people's data, so that looks at personal data can be audited."""

    class Action(models.TextChoices):
        VIEW_PERSON = "view_person", "查看个人档案"
        EXPORT = "export", "导出"

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.PROTECT, related_name="access_logs")
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    object_id = models.CharField("对象", max_length=64, blank=True)
    detail = models.CharField("说明", max_length=500, blank=True)
    rows = models.PositiveIntegerField("行数", null=True, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "访问日志"
        verbose_name_plural = "访问日志"
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.object_id}"
