from django.conf import settings
from django.db import models


class Policy(models.Model):
    """A county-year policy; its numbers live in versions, the newest of which is in force."""

    code = models.SlugField("政策代码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=200)
    region_code = models.CharField("适用区域代码", max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    until_year = models.PositiveSmallIntegerField(
        "适用至年度", null=True, blank=True, help_text="多年度政策（过渡期）的最后一年；空为只适用于“年度”一年。"
    )

    class Meta:
        verbose_name = "报销政策"
        verbose_name_plural = "报销政策"
        ordering = ["-year", "region_code", "code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def covers(self, year: int) -> bool:
        """Whether it settles the bills of ``year`` (``year`` through ``until_year``)."""
        return self.year <= year <= (self.until_year or self.year)


class PolicyVersion(models.Model):
    """One stored text of a policy document; never changed, so a settlement can always say what it used."""

    policy = models.ForeignKey(Policy, verbose_name="政策", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    document = models.JSONField("政策文档")
    digest = models.CharField("内容摘要", max_length=64)
    note = models.CharField("修订说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "政策版本"
        verbose_name_plural = "政策版本"
        ordering = ["policy", "-number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique_number")]

    def __str__(self):
        return f"{self.policy.code} 第 {self.number} 版"
