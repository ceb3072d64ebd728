"""The funds the county runs and the grants it decides outside the cascade (临时救助, 二次救助, 倾斜救助, the
hardship fund of seed 004 附件6, charity). A grant is never deleted: a void is a status with its reason."""

from decimal import Decimal

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

    code = models.SlugField("代码", max_length=40, help_text="政策报销基金填写政策中对应保障层的代码")
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    region = models.ForeignKey("regions.Region", verbose_name="所属区县", on_delete=models.PROTECT, related_name="+",
                               help_text="基金的支出对象是本区县的人员")
    carries_over = models.BooleanField("结余滚存次年", default=True,
                                       help_text="年末结余（或超支）计入下一年度；不勾选则每年从本年预算重新开始")
    warn_at = models.DecimalField("预警比例", max_digits=3, decimal_places=2, default=Decimal("0.80"),
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

    def cap_for(self, case: str) -> Decimal | None:
        """The most one grant of ``case`` (a ``Grant.Case``) may be; None: no cap."""
        return {"chronic": self.chronic_cap, "major": self.major_cap}.get(case)


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


class Expert(models.Model):
    """A member of the county's medical expert pool (医疗专家库, seed 004 附件6): three are drawn at random for
    each committee review."""

    region = models.ForeignKey("regions.Region", verbose_name="所属区县", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("工作单位", max_length=100)
    specialty = models.CharField("专业", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    active = models.BooleanField("在库", default=True, help_text="不在库的专家不参加抽取")
    history = HistoricalRecords(verbose_name="专家变更记录")

    class Meta:
        verbose_name = "评审专家"
        verbose_name_plural = "医疗专家库"
        ordering = ["region_id", "pk"]

    def __str__(self):
        return f"{self.name}（{self.unit}）"


class HardshipApplication(models.Model):
    """An application to the hardship fund (卫生医疗困难救助基金申请审批表, seed 004 附件6), from the township
    民政办 through the clinic's preliminary amount and publicity, a committee with three experts drawn at
    random, to the decision and the payment into the applicant's bank account."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已受理，待乡镇审核"
        CHECKED = "checked", "乡镇已审核，待卫生院初核"
        PUBLICISED = "publicised", "初核公示中"
        REVIEWING = "reviewing", "评审中"
        APPROVED = "approved", "已核准，待支付"
        PAID = "paid", "已支付"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"
        CANCELLED = "cancelled", "核准后撤销"

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", verbose_name="申请人", on_delete=models.PROTECT, related_name="hardship_applications"
    )
    fund = models.ForeignKey(Fund, verbose_name="基金", on_delete=models.PROTECT, related_name="applications")
    year = models.PositiveSmallIntegerField("申请年度")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    # The fields of the 申请审批表
    address = models.CharField("家庭住址", max_length=200)
    phone = models.CharField("联系电话", max_length=30)
    disease = models.CharField("所患病种", max_length=100)
    case = models.CharField("救助情形", max_length=10, choices=Grant.Case.choices)
    family = models.TextField("家庭成员情况")
    bank_account = models.CharField("银行账号", max_length=40)
    bank_name = models.CharField("开户银行名称", max_length=100)
    account_holder = models.CharField("开户人姓名", max_length=50)
    reason = models.TextField("申请救助理由")
    submitted_on = models.DateField("申请日期")
    # Each step's opinion
    township_opinion = models.TextField("乡镇民政办审核意见", blank=True)
    clinic_amount = models.DecimalField("卫生院初核金额", **MONEY, null=True, blank=True)
    clinic_opinion = models.TextField("卫生院初核意见", blank=True)
    publicity_from = models.DateField("公示开始", null=True, blank=True)
    publicity_to = models.DateField("公示结束", null=True, blank=True)
    members = models.CharField("评审委员会部门成员", max_length=200, blank=True,
                               help_text="县民政局、县社会保险局、县财政局参加评审的人员")
    committee_opinion = models.TextField("评审委员会意见", blank=True)
    decided_amount = models.DecimalField("核定救助金额", **MONEY, null=True, blank=True)
    decided_on = models.DateField("评审日期", null=True, blank=True)
    grant = models.OneToOneField(Grant, verbose_name="救助金", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="application")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="受理人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("受理时间", auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="申请变更记录")

    class Meta:
        verbose_name = "卫生医疗困难救助申请"
        verbose_name_plural = "卫生医疗困难救助申请"
        ordering = ["-submitted_on", "-pk"]
        indexes = [models.Index(fields=["year", "status"])]
        permissions = [("review_application", "组织评审、核定卫生医疗困难救助")]

    def __str__(self):
        return f"困难救助申请 #{self.pk}"


class ApplicationStep(models.Model):
    """One step of an application's workflow, with who, when and the note (kept as its history)."""

    application = models.ForeignKey(HardshipApplication, on_delete=models.PROTECT, related_name="steps")
    status_before = models.CharField("原状态", max_length=12, choices=HardshipApplication.Status.choices, blank=True)
    status_after = models.CharField("新状态", max_length=12, choices=HardshipApplication.Status.choices)
    note = models.TextField("说明")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请办理记录"
        verbose_name_plural = "申请办理记录"
        ordering = ["at", "pk"]


class ApplicationDocument(models.Model):
    """A scanned document kept with the application (户口本、身份证、诊断证明、贫困证明 …); served only to users
    who may see the applicant."""

    class Kind(models.TextChoices):
        HOUSEHOLD_REGISTER = "hukou", "户口本"
        ID_CARD = "id_card", "身份证"
        DIAGNOSIS = "diagnosis", "诊断证明"
        POVERTY = "poverty", "贫困证明"
        BANK = "bank", "医保卡或银行存折（卡）"
        OTHER = "other", "其他"

    application = models.ForeignKey(HardshipApplication, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("材料", max_length=12, choices=Kind.choices)
    file = models.FileField("文件", upload_to="hardship/%Y/%m/")
    name = models.CharField("原文件名", max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["kind", "pk"]


class CommitteeDraw(models.Model):
    """A random draw of three experts for an application's committee. The pool (active experts of the county
    in id order, minus those excluded) and the seed are recorded, so anyone can repeat it
    (``assistance.committee.draw``); a declared conflict excludes the expert and a new draw replaces this one."""

    application = models.ForeignKey(HardshipApplication, on_delete=models.PROTECT, related_name="draws")
    seed = models.CharField("随机种子", max_length=40)
    pool = models.JSONField("候选专家（编号）")
    excluded = models.JSONField("回避专家", default=list, help_text="[{expert, reason}]")
    drawn = models.JSONField("抽中专家（编号）")
    replaced = models.BooleanField("已被重新抽取替代", default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="抽取人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("抽取时间", auto_now_add=True)

    class Meta:
        verbose_name = "评审专家抽取"
        verbose_name_plural = "评审专家抽取"
        ordering = ["at", "pk"]
