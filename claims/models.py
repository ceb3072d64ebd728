"""Bills (Claim), what was paid on them (Settlement, SettlementPayment) and corrections (Adjustment).

Nothing here is overwritten: re-settling a bill writes a new Settlement and marks the previous one
superseded; voiding a bill keeps it with its reason; a payment that moves on a bill already paid
out becomes an Adjustment (补付 / 追回) for the finance office.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from beneficiaries.models import InAreaQuerySet, PersonRowQuerySet
from policies import engine
from policies.document import FUNDS, HOSPITAL_LEVELS, VISIT_TYPES
from regions.codes import Level

MONEY = {"max_digits": 14, "decimal_places": 2}


class AcceptedHospitals(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status=Hospital.Status.ACCEPTED)


class Hospital(models.Model):
    """A place bills come from; its level decides which layers apply, so a new one named in a clerk's
    import stays 待确认 (used only by that clerk's imports) until an administrator accepts it.

    Its place (县域内 / 县域外) is an administrator's word: a hospital first named in an import is 待分类
    (``place_confirmed_at`` null), settled and counted as out of county, the list's 县域内 column kept only as
    ``suggested_in_county``, until an administrator classifies it (``services.hospital_classify``)."""

    class Grade(models.TextChoices):
        FIRST = "1", "一级"
        SECOND = "2", "二级"
        THIRD = "3", "三级"

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "已确认"
        PROPOSED = "proposed", "待确认"

    name = models.CharField("名称", max_length=100, unique=True)
    code = models.CharField("机构编码", max_length=40, blank=True, db_index=True)
    level = models.CharField("级别", max_length=10, choices=list(HOSPITAL_LEVELS.items()))
    grade = models.CharField("等级", max_length=1, choices=Grade.choices, blank=True)
    in_county = models.BooleanField(
        "县域内", default=False, help_text="位于本县境内（管理员确认）；未勾选的医疗机构按县域外结算"
    )
    township = models.ForeignKey(
        "regions.Region", verbose_name="所在乡镇", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"level": Level.TOWNSHIP},
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField("提出时间", null=True, blank=True)
    suggested_in_county = models.BooleanField(
        "清单所填县域内", default=False, help_text="首次出现在导入清单时该行“县域内”列的值，仅供管理员分类参考"
    )
    # Null: 待分类. Only an import creates a hospital unclassified (claims.imports); one entered any other way
    # (the admin, the demo) is entered by an administrator, and the hospitals there before classification was
    # asked for counted as classified (migration 0010).
    place_confirmed_at = models.DateTimeField("分类确认时间", null=True, blank=True, default=timezone.now)
    place_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="分类确认人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords(verbose_name="医疗机构变更记录")

    objects = models.Manager()
    accepted = AcceptedHospitals()

    class Meta:
        verbose_name = "医疗机构"
        verbose_name_plural = "医疗机构"
        ordering = ["name"]
        permissions = [("accept_hospital", "确认经办员导入时新建的医疗机构")]
        constraints = [
            # The engine and 五查 read ``in_county`` alone: never true before an administrator classified the hospital.
            models.CheckConstraint(condition=models.Q(in_county=False) | models.Q(place_confirmed_at__isnull=False),
                                   name="hospital_in_county_classified"),
        ]

    def __str__(self):
        return self.name

    @property
    def classified(self) -> bool:
        return self.place_confirmed_at is not None


class Claim(models.Model):
    """One medical bill of a covered person."""

    class Status(models.TextChoices):
        SETTLED = "settled", "已结算"
        VOIDED = "voided", "已作废"

    class Origin(models.TextChoices):
        WINDOW = "window", "窗口录入"
        IMPORT = "import", "批量导入"

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", verbose_name="保障对象", on_delete=models.PROTECT, related_name="claims"
    )
    hospital = models.ForeignKey(Hospital, verbose_name="医疗机构", on_delete=models.PROTECT, related_name="claims")
    visit_type = models.CharField("就诊类型", max_length=20, choices=list(VISIT_TYPES.items()))
    admitted_on = models.DateField("入院日期", null=True, blank=True)
    # The discharge date of an inpatient bill, the visit date of an outpatient one: the bill's date.
    discharged_on = models.DateField("出院/就诊日期", db_index=True)
    diagnoses = models.JSONField("诊断", default=list, blank=True)  # [{"code": "I10.x00", "name": "高血压"}]
    # The hospital's own numbers, printed on the slip so that it can be matched with the hospital's papers.
    admission_number = models.CharField("住院号/门诊号", max_length=40, blank=True)
    invoice_number = models.CharField("发票号", max_length=40, blank=True)
    # The medical-insurance platform's settlement ID (setl_id): a settlement it sends again is the bill already
    # entered, and its cancellation voids this bill.
    platform_settlement_id = models.CharField(
        "医保结算ID", max_length=40, blank=True, help_text="医保信息平台的结算ID；同一结算ID只对应一张账单。"
    )
    total = models.DecimalField("总费用", **MONEY)
    in_catalog = models.DecimalField("政策范围内费用", **MONEY)
    recorded = models.JSONField("医保平台已结算金额", default=dict, blank=True)  # {layer code: "amount"}
    pay_later = models.BooleanField("先诊疗后付费", default=False)
    referred = models.BooleanField(
        "按规定转诊", default=False, help_text="按规定转诊或已办异地就医备案；政策可按此区分报销比例。"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SETTLED)
    origin = models.CharField("来源", max_length=10, choices=Origin.choices, default=Origin.WINDOW)
    submission = models.UUIDField("提交标识", unique=True, null=True, blank=True, editable=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    paid_out_on = models.DateField("拨付日期", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="作废人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)

    objects = PersonRowQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="账单变更记录")

    class Meta:
        verbose_name = "医疗费用账单"
        verbose_name_plural = "医疗费用账单"
        ordering = ["-discharged_on", "-id"]
        permissions = [
            ("resettle_claims", "政策修订后重新结算年度账单"),
            ("mark_paid_out", "记录账单已拨付"),
        ]
        indexes = [models.Index(fields=["beneficiary", "discharged_on", "id"])]
        constraints = [
            models.UniqueConstraint(fields=["platform_settlement_id"], condition=~models.Q(platform_settlement_id=""),
                                    name="claim_platform_settlement_unique"),
        ]

    def __str__(self):
        return f"{self.get_visit_type_display()} {self.hospital} {self.discharged_on:%Y-%m-%d}"

    @property
    def out_of_catalog(self):
        return self.total - self.in_catalog

    @property
    def year(self) -> int:
        return self.discharged_on.year

    def diagnosis_codes(self) -> tuple[str, ...]:
        return tuple(d["code"] for d in self.diagnoses if d.get("code"))


class SettlementQuerySet(models.QuerySet):
    def current(self):
        return self.filter(superseded_at__isnull=True, claim__status=Claim.Status.SETTLED)


class Settlement(models.Model):
    """What every layer paid on a bill under one policy version; never changed once written."""

    class Reason(models.TextChoices):
        INITIAL = "initial", "首次结算"
        EARLIER_BILL = "earlier_bill", "补录更早账单后重算"
        VOID = "void", "作废同年更早账单后重算"
        POLICY = "policy", "政策修订后重算"
        HOSPITAL = "hospital", "医疗机构县域内/县域外分类变更后重算"

    claim = models.ForeignKey(Claim, verbose_name="账单", on_delete=models.PROTECT, related_name="settlements")
    policy_version = models.ForeignKey(
        "policies.PolicyVersion", verbose_name="政策版本", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("结算原因", max_length=20, choices=Reason.choices, default=Reason.INITIAL)
    total = models.DecimalField("总费用", **MONEY)
    basic = models.DecimalField("基本医保支付", **MONEY)
    critical = models.DecimalField("大病保险支付", **MONEY)
    assistance = models.DecimalField("医疗救助支付", **MONEY)
    other = models.DecimalField("其他保障支付", **MONEY)
    personal = models.DecimalField("个人自付", **MONEY)
    in_catalog_personal = models.DecimalField("政策范围内个人自付", **MONEY)
    categories = models.JSONField("结算时身份类别", default=list)
    insurances = models.JSONField("结算时参保险种", default=list)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="结算人", on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField("结算时间", auto_now_add=True)
    superseded_at = models.DateTimeField("被重算时间", null=True, blank=True)

    objects = SettlementQuerySet.as_manager()

    class Meta:
        verbose_name = "结算记录"
        verbose_name_plural = "结算记录"
        ordering = ["claim", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"], condition=models.Q(superseded_at__isnull=True), name="one_current_settlement"
            )
        ]

    def __str__(self):
        return f"{self.claim} 结算 #{self.pk}"

    @property
    def number(self) -> str:
        """结算单号: the county's code, the year settled and the record's key — unique in the county (and
        beyond), and a new number when a bill is settled again, since the slip then says something else."""
        year = timezone.localtime(self.settled_at).year
        return f"{self.claim.beneficiary.village_id[:6]}-{year}-{self.pk:08d}"

    @property
    def by_fund(self) -> dict:
        return {fund: getattr(self, fund) for fund in FUNDS}

    def as_result(self) -> engine.ClaimSettlement:
        """The stored settlement in the engine's shape, so both are shown by one template."""
        return engine.ClaimSettlement(
            claim_id=str(self.claim_id),
            total=self.total,
            payments=tuple(
                engine.LayerPayment(layer=p.layer, name=p.name, fund=p.fund, amount=p.amount, applied=p.applied,
                                    base_added=p.base_added, explanation=p.explanation, recorded=p.recorded)
                for p in self.payments.all()
            ),
            by_fund=self.by_fund,
            personal=self.personal,
            in_catalog_personal=self.in_catalog_personal,
        )


class SettlementPayment(models.Model):
    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="payments")
    position = models.PositiveSmallIntegerField("顺序")
    layer = models.CharField("保障层次代码", max_length=60)
    name = models.CharField("保障层次", max_length=200)
    fund = models.CharField("资金", max_length=12, choices=list(FUNDS.items()))
    amount = models.DecimalField("支付金额", **MONEY)
    # What the bill added to the layer's accumulated year base (exact, may have more than two decimals).
    base_added = models.DecimalField("计入年度累计的基数", max_digits=24, decimal_places=10)
    applied = models.BooleanField("适用")
    recorded = models.BooleanField("平台已结算", default=False)
    explanation = models.TextField("计算说明")

    class Meta:
        verbose_name = "分层支付"
        verbose_name_plural = "分层支付"
        ordering = ["settlement", "position"]

    def __str__(self):
        return f"{self.name} {self.amount}"


class ClaimRowQuerySet(InAreaQuerySet):
    village_field = "claim__beneficiary__village__code"


class Adjustment(models.Model):
    """A payment that moved on a bill already paid out: 补付 when it grew, 追回 when it shrank."""

    class Kind(models.TextChoices):
        TOP_UP = "top_up", "补付"
        RECOVERY = "recovery", "追回"

    claim = models.ForeignKey(Claim, verbose_name="账单", on_delete=models.PROTECT, related_name="adjustments")
    settlement = models.ForeignKey(
        Settlement, verbose_name="新结算", on_delete=models.PROTECT, related_name="adjustments"
    )
    layer = models.CharField("保障层次代码", max_length=60)
    name = models.CharField("保障层次", max_length=200)
    fund = models.CharField("资金", max_length=12, choices=list(FUNDS.items()))
    before = models.DecimalField("原支付", **MONEY)
    after = models.DecimalField("新支付", **MONEY)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    objects = ClaimRowQuerySet.as_manager()

    class Meta:
        verbose_name = "补付/追回"
        verbose_name_plural = "补付/追回"
        ordering = ["-created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.claim} {self.name} {self.difference}"

    @property
    def difference(self):
        return self.after - self.before


class PersonYear(models.Model):
    """A row to lock while a person's bills of a year are settled, so that two clerks never race.

    It also keeps the relief received outside the cascade for the year (Σ the grants paid, written by
    assistance under the same lock), so a settlement announces the year's burden without reading grants."""

    beneficiary = models.ForeignKey("beneficiaries.Beneficiary", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    relief = models.DecimalField("医疗保障外救助", max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["beneficiary", "year"], name="person_year_unique")]


class PolicySimulation(models.Model):
    """One 政策试算 asked for in the browser: a draft policy over a year's current bills of an area.

    It writes nothing but this record and its Excel file, which only the requester may open; the
    report the page shows is kept in ``summary`` (see ``claims.simulation``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在试算"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    class Source(models.TextChoices):
        UPLOAD = "upload", "上传的政策文件"
        VERSION = "version", "已载入的政策版本"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="试算人", on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField("区域代码", max_length=12, blank=True)
    year = models.PositiveSmallIntegerField("账单年度")
    source = models.CharField("草案来源", max_length=10, choices=Source.choices)
    source_label = models.CharField("草案文件或版本", max_length=200)
    policy_version = models.ForeignKey(
        "policies.PolicyVersion", verbose_name="政策版本", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    document = models.JSONField("草案政策文档")
    draft_code = models.CharField("草案政策代码", max_length=60)
    draft_name = models.CharField("草案名称", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    bills_total = models.PositiveIntegerField("账单总数", null=True, blank=True)
    bills_done = models.PositiveIntegerField("已试算账单", default=0)
    summary = models.JSONField("试算结果", null=True, blank=True)
    file = models.CharField("文件", max_length=255, blank=True, help_text="MEDIA_ROOT 下的相对路径")
    error = models.TextField("失败原因", blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "政策试算"
        verbose_name_plural = "政策试算"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"政策试算 #{self.pk}（{self.draft_name}，{self.year} 年）"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.bills_total:
            return 0
        return min(99, self.bills_done * 100 // self.bills_total)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
