"""The funds the county runs and the grants it decides outside the cascade (临时救助, 二次救助, 倾斜救助, the
hardship fund of seed 004 附件6, charity). A grant is never deleted: a void is a status with its reason."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from beneficiaries.models import PersonRowQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class Fund(models.Model):
    """A fund with a yearly total: one paying a policy's layer (its ``code`` is the layer's code, and the bills
    settled under that layer are its lines) or one granting by decision."""

    class Kind(models.TextChoices):
        LAYER = "layer", "政策报销基金"  # pays a layer of the policy (民政扶贫济困医疗基金 …)
        GRANTS = "grants", "救助金"  # pays grants decided case by case

    code = models.SlugField("代码", max_length=40, help_text="政策报销基金填写其政策层级代码（如 poverty_fund）")
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    region = models.ForeignKey("regions.Region", verbose_name="所属区县", on_delete=models.PROTECT, related_name="+",
                               help_text="基金的支出对象是本区县的人员")
    carries_over = models.BooleanField("结余滚存次年", default=True,
                                       help_text="年末结余（或超支）计入下一年度；不勾选则每年从本年预算重新开始")
    warn_at = models.DecimalField("预警比例", max_digits=3, decimal_places=2, default=0.80,
                                  help_text="已支付与已承诺达到年度可用总额的这一比例时提醒")
    # Limits of a grant-making fund (seed 004 附件6 for the hardship fund); empty: no limit.
    grants_per_year = models.PositiveSmallIntegerField("每人每年最多次数", null=True, blank=True)
    amount_per_year = models.DecimalField("每人每年最高金额", **MONEY, null=True, blank=True)
    chronic_cap = models.DecimalField("长期慢病每次最高", **MONEY, null=True, blank=True)
    major_cap = models.DecimalField("重大疾病每次最高", **MONEY, null=True, blank=True)
    history = HistoricalRecords(verbose_name="基金变更记录")

    class Meta:
        verbose_name = "基金"
        verbose_name_plural = "基金"
        ordering = ["region_id", "code"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="one_fund_per_code_and_county")]

    def __str__(self):
        return self.name


class FundYear(models.Model):
    """A fund's total for a year (年度总额); what is carried over from earlier years is computed from them."""

    fund = models.ForeignKey(Fund, verbose_name="基金", on_delete=models.PROTECT, related_name="years")
    year = models.PositiveSmallIntegerField("年度")
    budget = models.DecimalField("年度总额", **MONEY)
    history = HistoricalRecords(verbose_name="年度总额变更记录")

    class Meta:
        verbose_name = "基金年度总额"
        verbose_name_plural = "基金年度总额"
        constraints = [models.UniqueConstraint(fields=["fund", "year"], name="one_budget_per_fund_year")]

    def __str__(self):
        return f"{self.fund} {self.year} 年"


class Grant(models.Model):
    """Money decided for a person outside the cascade, for their medical burden of ``year``."""

    class Kind(models.TextChoices):
        HARDSHIP = "hardship", "卫生医疗困难救助"
        TEMPORARY = "temporary", "临时救助"
        SECONDARY = "secondary", "二次救助"
        TILTED = "tilted", "倾斜救助"
        CHARITY = "charity", "慈善救助"

    class Case(models.TextChoices):
        CHRONIC = "chronic", "长期患慢病或病因不明、无力住院治疗"
        MAJOR = "major", "长期患重大疾病或突发重大疾病"

    class Status(models.TextChoices):
        DECIDED = "decided", "已核定待支付"
        PAID = "paid", "已支付"
        VOIDED = "voided", "已撤销"

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", verbose_name="保障对象", on_delete=models.PROTECT, related_name="grants"
    )
    year = models.PositiveSmallIntegerField("救助年度")
    kind = models.CharField("救助类型", max_length=12, choices=Kind.choices)
    fund = models.ForeignKey(Fund, verbose_name="支出基金", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="grants")
    case = models.CharField("救助情形", max_length=10, choices=Case.choices, blank=True)
    organisation = models.CharField("慈善组织", max_length=100, blank=True)
    reason = models.TextField("救助理由")
    amount = models.DecimalField("救助金额", **MONEY)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DECIDED)
    decided_on = models.DateField("核定日期")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核定人", on_delete=models.PROTECT,
                                   related_name="+")
    paid_on = models.DateField("支付日期", null=True, blank=True)
    void_reason = models.CharField("撤销原因", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="救助金变更记录")

    class Meta:
        verbose_name = "救助金"
        verbose_name_plural = "救助金"
        ordering = ["-decided_on", "-pk"]
        indexes = [models.Index(fields=["year", "status"]), models.Index(fields=["fund", "year", "status"])]
        permissions = [("decide_grant", "核定、支付和撤销救助金")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"
