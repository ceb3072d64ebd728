"""The other offices' systems that call the API (Partner), and every call they made (PartnerCall).

A partner acts through an account of its own (``Partner.account``), limited to the partner's area
and given the role its scopes need, so that every service holds a partner by the same area and role
rules as a person and every record it writes names it. The account cannot sign in.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Scope(models.TextChoices):
    READ_PEOPLE = "people:read", "查询人员"
    PUSH_SETTLEMENTS = "settlements:write", "推送结算"
    PUSH_ROSTERS = "rosters:write", "推送名单"
    READ_LEDGER = "ledger:read", "读取台账"
    READ_ALERTS = "alerts:read", "读取预警"


class Partner(models.Model):
    class Kind(models.TextChoices):
        MEDICAL_INSURANCE = "medical_insurance", "医保信息平台"
        CIVIL_AFFAIRS = "civil_affairs", "民政"
        RURAL_REVITALIZATION = "rural_revitalization", "乡村振兴"
        HEALTH = "health", "卫健"
        HOSPITAL = "hospital", "医疗机构"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    area = models.ForeignKey("regions.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+")
    scopes = models.JSONField("权限范围", default=list)  # Scope values
    # Calls a minute; past it the API answers 429 with Retry-After.
    rate_limit = models.PositiveIntegerField("每分钟调用上限", default=120)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="接口账号", on_delete=models.PROTECT, related_name="partner"
    )
    key_prefix = models.CharField("密钥前缀", max_length=8, unique=True)
    key_digest = models.CharField("密钥摘要", max_length=64)
    key_issued_at = models.DateTimeField("密钥签发时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    contact = models.CharField("联系人", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="接口对接系统变更记录", excluded_fields=["key_digest"])

    class Meta:
        verbose_name = "接口对接系统"
        verbose_name_plural = "接口对接系统"
        ordering = ["name"]
        permissions = [("manage_partner", "管理接口对接系统及其密钥")]

    def __str__(self):
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [labels.get(scope, scope) for scope in self.scopes]

    def get_scopes_display(self) -> str:
        return "、".join(self.scope_labels())


class PartnerCall(models.Model):
    """One call to the API: who, what, for which area, how many items, and how it ended."""

    class Outcome(models.TextChoices):
        OK = "ok", "成功"
        REFUSED = "refused", "拒绝"
        UNAUTHENTICATED = "unauthenticated", "密钥无效"
        THROTTLED = "throttled", "超过频率限制"
        FAILED = "failed", "出错"

    partner = models.ForeignKey(Partner, verbose_name="对接系统", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="calls")
    key_prefix = models.CharField("密钥前缀", max_length=8, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)
    method = models.CharField("方法", max_length=8)
    endpoint = models.CharField("接口", max_length=200)
    area = models.CharField("区域", max_length=12, blank=True)
    status = models.PositiveSmallIntegerField("状态码")
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices)
    counts = models.JSONField("数量", default=dict, blank=True)
    detail = models.CharField("说明", max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)

    class Meta:
        verbose_name = "接口调用记录"
        verbose_name_plural = "接口调用记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["partner", "at"], name="api_call_partner_at")]

    def __str__(self):
        return f"{self.partner or self.key_prefix} {self.method} {self.endpoint} {self.status}"
