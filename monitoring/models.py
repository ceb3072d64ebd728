"""Alerts of illness-driven poverty (预警名单) and publicity visits (monitoring.md)."""

from django.conf import settings
from django.db import models

from beneficiaries.models import PersonRowQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class Level(models.TextChoices):
    OVER = "over", "超标"
    WARNING = "warning", "预警"
    NONE = "none", "已回落"  # an alert whose burden fell below the warning line stays, marked so


class Alert(models.Model):
    """One monitored person's year once their burden reached the warning line: kept current with
    every settlement, and never deleted (a fallen level is marked, the workflow history kept)."""

    class Status(models.TextChoices):
        NEW = "new", "待核实"
        VERIFIED = "verified", "已核实"
        REFERRED = "referred", "已推送民政/乡村振兴"
        MONITORED = "monitored", "已纳入监测"
        EXCLUDED = "excluded", "已排除"

    class Office(models.TextChoices):
        CIVIL_AFFAIRS = "civil_affairs", "民政部门"
        RURAL_REVITALIZATION = "rural_revitalization", "乡村振兴部门"
        BOTH = "both", "民政部门和乡村振兴部门"

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", verbose_name="保障对象", on_delete=models.PROTECT, related_name="alerts"
    )
    year = models.PositiveSmallIntegerField("年度")
    medical = models.DecimalField("医疗费用个人负担", **MONEY)
    relief = models.DecimalField("医疗保障外救助", **MONEY, default=0)
    burden = models.DecimalField("个人负担", **MONEY)
    threshold = models.DecimalField("监测标准", **MONEY, null=True, blank=True)
    label = models.CharField("监测类别", max_length=40, blank=True)
    level = models.CharField("预警等级", max_length=10, choices=Level.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.NEW)
    office = models.CharField("推送部门", max_length=24, choices=Office.choices, blank=True)
    referred_on = models.DateField("推送日期", null=True, blank=True)
    # [{"at", "level", "burden", "threshold", "by", "cause"}]: each change of level or figures, as
    # the request that caused it wrote it (kept on the row: one write per settlement, not two).
    changes = models.JSONField("负担变化记录", default=list)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警名单"
        constraints = [models.UniqueConstraint(fields=["beneficiary", "year"], name="one_alert_per_person_year")]
        indexes = [models.Index(fields=["year", "level", "status"])]
        permissions = [("refer_alert", "核实、推送和办结预警")]

    def __str__(self):
        return f"{self.year} 年 {self.beneficiary.name}：{self.get_level_display()}"

    @property
    def share_of_threshold(self):
        """The burden as a percentage of the threshold (for the bar), capped at 100 for drawing."""
        if not self.threshold:
            return None
        return min(100, int(self.burden * 100 / self.threshold))


class AlertStep(models.Model):
    """One step of an alert's workflow: who moved it, when, from what to what, and why."""

    alert = models.ForeignKey(Alert, verbose_name="预警", on_delete=models.PROTECT, related_name="steps")
    status_before = models.CharField("原状态", max_length=12, choices=Alert.Status.choices)
    status_after = models.CharField("新状态", max_length=12, choices=Alert.Status.choices)
    note = models.TextField("说明")
    office = models.CharField("推送部门", max_length=24, choices=Alert.Office.choices, blank=True)
    referred_on = models.DateField("推送日期", null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "预警处理记录"
        verbose_name_plural = "预警处理记录"
        ordering = ["alert_id", "at", "id"]


class HouseholdRowQuerySet(PersonRowQuerySet):
    village_field = "household__village__code"


class PublicityVisit(models.Model):
    """A visit to a household to explain the policy or hand over the 明白卡 (查宣传 reads these)."""

    class Item(models.TextChoices):
        POLICY = "policy", "政策宣传"
        CARD = "card", "明白卡送达"

    household = models.ForeignKey(
        "beneficiaries.Household", verbose_name="家庭户", on_delete=models.PROTECT, related_name="publicity_visits"
    )
    visited_on = models.DateField("走访日期", db_index=True)
    visitor = models.CharField("走访人", max_length=50)
    items = models.JSONField("宣传内容", default=list)  # codes of Item
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = HouseholdRowQuerySet.as_manager()

    class Meta:
        verbose_name = "政策宣传走访"
        verbose_name_plural = "政策宣传走访"
        ordering = ["-visited_on", "-id"]

    def __str__(self):
        return f"{self.household.number} {self.visited_on:%Y-%m-%d}"
