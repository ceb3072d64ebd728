"""Ledger exports run in the background, and the responsibility table (责任分工表) of each area."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class LedgerExport(models.Model):
    """One Excel export of the ledger asked for in the browser; only its requester may download the file."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在生成"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField("区域代码", max_length=12)
    first = models.DateField("起始日期")
    last = models.DateField("截止日期")
    period_label = models.CharField("期间", max_length=60)
    as_of = models.DateField("类别状态日期", null=True, blank=True)
    categories = models.JSONField("身份类别", default=list, blank=True)
    enrolled = models.BooleanField("是否参保", null=True, blank=True)
    description = models.CharField("筛选条件", max_length=500)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField("总行数", null=True, blank=True)
    rows_written = models.PositiveIntegerField("已写行数", default=0)
    file = models.CharField("文件", max_length=255, blank=True, help_text="MEDIA_ROOT 下的相对路径")
    error = models.TextField("失败原因", blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "台账导出"
        verbose_name_plural = "台账导出"
        ordering = ["-created_at", "-id"]
        permissions = [("view_ledger", "查看台账、调度统计和责任分工表")]

    def __str__(self):
        return f"台账导出 #{self.pk}（{self.description}）"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_written * 100 // self.rows_total)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class Duty(models.TextChoices):
    """The rows of 附件2 医疗保障扶贫责任分工表 (seed 001), in its order."""

    OVERALL = "overall", "总负责人"
    ADMINISTRATION_DEPUTY = "administration_deputy", "行政部门分管负责人"
    AGENCY_DEPUTY = "agency_deputy", "经办机构分管负责人"
    ADMINISTRATION_DIRECT = "administration_direct", "行政部门直接负责人"
    AGENCY_DIRECT = "agency_direct", "经办机构直接负责人"
    CRITICAL_ILLNESS_POLICY = "critical_illness_policy", "完善大病保险政策责任人"
    ASSISTANCE_POLICY = "assistance_policy", "完善医疗救助政策责任人"
    HIGH_COST_DRUGS = "high_cost_drugs", "落实高值药品政策责任人"
    ONE_STOP_SETTLEMENT = "one_stop_settlement", "“一站式”结算责任人"
    SPECIAL_TREATMENT = "special_treatment", "专项救治（救助）责任人"
    SCREENING = "screening", "扶贫对象大排查责任人"
    REGULAR_COMPARISON = "regular_comparison", "扶贫对象信息定期比对责任人"
    LEDGER = "ledger", "扶贫对象管理台账责任人"
    STATISTICS = "statistics", "定期调度（统计）责任人"


class Responsibility(models.Model):
    """Who answers for one duty in one area (one row of the responsibility table)."""

    area = models.ForeignKey("regions.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+")
    duty = models.CharField("责任分工", max_length=30, choices=Duty.choices)
    name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.CharField("单位及部门", max_length=100, blank=True)
    post = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("填报时间", auto_now=True)

    history = HistoricalRecords(verbose_name="责任分工变更记录")

    class Meta:
        verbose_name = "责任分工"
        verbose_name_plural = "责任分工"
        ordering = ["area_id", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "duty"], name="one_responsible_per_duty")]

    def __str__(self):
        return f"{self.area.name} {self.get_duty_display()}：{self.name or '（未填）'}"
