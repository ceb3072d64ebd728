"""The health side of the relief (seeds 002 and 004): every poor household with a contracted family doctor, every
poor person with a health record and a health card, the seriously and chronically ill treated by class
(分类救治), and the 两病 (hypertension, diabetes) patients recognised for the outpatient-drug cover (seed 003).

Nothing here is deleted: a contract is ended, a card revoked, a recognition withdrawn, a treatment case closed,
each with its date and reason, and every change is in the history tables."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from beneficiaries.models import InAreaQuerySet
from spreadsheets.list_batches import ListBatch


class HouseholdRowQuerySet(InAreaQuerySet):
    village_field = "household__village__code"


class PersonQuerySet(InAreaQuerySet):
    village_field = "person__village__code"


class ContractQuerySet(HouseholdRowQuerySet):
    def in_force_on(self, day):
        """Contracts covering ``day``: started, not yet expired, not ended (解约) before it."""
        return self.filter(starts_on__lte=day, ends_on__gte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))


class ContractBatch(ListBatch):
    """One list of contracts from the health commission (卫健部门), compared and applied as a whole."""

    file = models.FileField("名单文件", upload_to="health/contracts/%Y/%m/", blank=True)
    history = HistoricalRecords(verbose_name="签约名单变更记录")

    class Meta:
        verbose_name = "家庭医生签约名单"
        verbose_name_plural = "家庭医生签约名单"
        ordering = ["-created_at"]

    def __str__(self):
        return f"签约名单 #{self.pk}（{self.filename}）"


class DoctorContract(models.Model):
    """A household's contract with a family-doctor team (家庭医生签约服务): one in force at a time. A renewal is a
    new contract that names the one it follows; an ended one keeps its dates and says why it ended."""

    household = models.ForeignKey("beneficiaries.Household", verbose_name="家庭户", on_delete=models.PROTECT,
                                  related_name="doctor_contracts")
    team = models.CharField("签约团队", max_length=100)
    doctor = models.CharField("签约医生", max_length=50)
    doctor_phone = models.CharField("医生电话", max_length=30, blank=True)
    clinic = models.CharField("签约机构", max_length=100, help_text="乡镇卫生院、社区卫生服务中心或村卫生室")
    package = models.CharField("服务包", max_length=100, help_text="如：基础包、慢病包、个性化包")
    signed_on = models.DateField("签约日期")
    starts_on = models.DateField("生效日期")
    ends_on = models.DateField("到期日期")
    renews = models.OneToOneField("self", verbose_name="续签自", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="renewal")
    ended_on = models.DateField("解约日期", null=True, blank=True)
    end_reason = models.CharField("解约原因", max_length=200, blank=True)
    batch = models.ForeignKey(ContractBatch, verbose_name="来自名单", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="contracts")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ContractQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="签约变更记录")

    class Meta:
        verbose_name = "家庭医生签约"
        verbose_name_plural = "家庭医生签约"
        ordering = ["household_id", "starts_on"]
        indexes = [models.Index(fields=["household", "starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(signed_on__lte=models.F("starts_on")), name="contract_signed_first"),
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="contract_starts_before_end"),
        ]

    def __str__(self):
        return f"{self.household}：{self.doctor}（{self.starts_on.isoformat()} 至 {self.last_day.isoformat()}）"

    @property
    def last_day(self):
        """The last day the contract is in force: its end date, or the day it was ended before that."""
        return min(self.ends_on, self.ended_on) if self.ended_on else self.ends_on


class HealthRecord(models.Model):
    """A person's electronic health record (电子健康档案), one per person."""

    person = models.OneToOneField("beneficiaries.Beneficiary", verbose_name="保障对象", on_delete=models.PROTECT,
                                  related_name="health_record")
    number = models.CharField("档案编号", max_length=40, unique=True)
    established_on = models.DateField("建档日期")
    institution = models.CharField("建档机构", max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="健康档案变更记录")

    class Meta:
        verbose_name = "健康档案"
        verbose_name_plural = "健康档案"
        ordering = ["person_id"]

    def __str__(self):
        return f"健康档案 {self.number}"


class HealthCard(models.Model):
    """A health card (健康卡) handed to a person; one in use at a time. A lost or damaged card is revoked with its
    reason and a new one issued; a card number is never issued twice."""

    person = models.ForeignKey("beneficiaries.Beneficiary", verbose_name="保障对象", on_delete=models.PROTECT,
                               related_name="health_cards")
    number = models.CharField("卡号", max_length=40, unique=True)
    issued_on = models.DateField("发放日期")
    handed_over_by = models.CharField("发放人", max_length=50)
    revoked_on = models.DateField("作废日期", null=True, blank=True)
    revoke_reason = models.CharField("作废原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="健康卡变更记录")

    class Meta:
        verbose_name = "健康卡"
        verbose_name_plural = "健康卡"
        ordering = ["person_id", "issued_on"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(revoked_on__isnull=True),
                                    name="one_health_card_in_use_per_person"),
        ]

    def __str__(self):
        return f"健康卡 {self.number}"


class Disease(models.Model):
    """A disease treated by class; the 21 of the 大病专项救治 list (seed 001) are shipped, a county adds its own."""

    class Kind(models.TextChoices):
        MAJOR = "major", "大病"
        CHRONIC = "chronic", "慢性病"

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("病种", max_length=100, unique=True)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    special = models.BooleanField("大病专项救治病种", default=False, help_text="国家 21 种大病专项救治病种之一")
    icd_codes = models.CharField("ICD-10 编码", max_length=200, blank=True,
                                 help_text="以空格分隔的编码前缀，诊断编码以其中之一开头即属本病种")
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=100)
    history = HistoricalRecords(verbose_name="病种变更记录")

    class Meta:
        verbose_name = "救治病种"
        verbose_name_plural = "救治病种"
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class TreatmentCase(models.Model):
    """A patient's case of classified treatment (分类救治, seed 002): the class, the disease, the treating
    institution and where the case stands; its history is the status history."""

    class TreatmentClass(models.TextChoices):
        CURE_ONCE = "cure_once", "一次性治愈"
        INPATIENT_MAINTENANCE = "inpatient_maintenance", "住院维持治疗"
        LONG_TERM = "long_term", "长期治疗和康复"

    class Status(models.TextChoices):
        PENDING = "pending", "待救治"
        TREATING = "treating", "救治中"
        TREATED = "treated", "已救治"
        CLOSED = "closed", "已终止"

    person = models.ForeignKey("beneficiaries.Beneficiary", verbose_name="患者", on_delete=models.PROTECT,
                               related_name="treatment_cases")
    disease = models.ForeignKey(Disease, verbose_name="病种", on_delete=models.PROTECT, related_name="cases")
    treatment_class = models.CharField("救治类别", max_length=25, choices=TreatmentClass.choices)
    institution = models.CharField("救治机构", max_length=100)
    registered_on = models.DateField("登记日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    status_on = models.DateField("状态日期")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="救治状态记录")

    class Meta:
        verbose_name = "分类救治"
        verbose_name_plural = "分类救治"
        ordering = ["person_id", "registered_on"]
        constraints = [
            # one open case per person and disease; a case cured or closed may be followed by a new one
            models.UniqueConstraint(fields=["person", "disease"], condition=Q(status__in=["pending", "treating"]),
                                    name="one_open_case_per_person_and_disease"),
            models.CheckConstraint(condition=Q(registered_on__lte=models.F("status_on")),
                                   name="case_status_after_registration"),
        ]

    def __str__(self):
        return f"{self.person}：{self.disease}（{self.get_status_display()}）"


class TwoDiseases(models.TextChoices):
    """The 两病 of the outpatient-drug cover (seed 003); each value is also the code of the category a
    recognition grants, so that a policy's ``categories`` can name it."""

    HYPERTENSION = "hypertension", "高血压"
    DIABETES = "diabetes", "糖尿病"


class TwoDiseaseRecognition(models.Model):
    """A person recognised as a 两病 patient (简化认定: the date, who recognised it, the evidence). It holds the
    matching category from that day, so that the policy's layers and rules test it like any category; a
    withdrawal ends the holding."""

    person = models.ForeignKey("beneficiaries.Beneficiary", verbose_name="患者", on_delete=models.PROTECT,
                               related_name="two_disease_recognitions")
    disease = models.CharField("病种", max_length=20, choices=TwoDiseases.choices)
    recognised_on = models.DateField("认定日期")
    recognised_by = models.CharField("认定医生或机构", max_length=100)
    evidence = models.CharField("认定依据", max_length=200, help_text="如：二级以上医院诊断证明、门诊病历、检验报告")
    holding = models.OneToOneField("beneficiaries.CategoryHolding", verbose_name="类别认定", on_delete=models.PROTECT,
                                   related_name="two_disease_recognition")
    withdrawn_on = models.DateField("撤销日期", null=True, blank=True)
    withdraw_reason = models.CharField("撤销原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="两病认定变更记录")

    class Meta:
        verbose_name = "两病认定"
        verbose_name_plural = "两病认定"
        ordering = ["person_id", "recognised_on"]
        constraints = [
            models.UniqueConstraint(fields=["person", "disease"], condition=Q(withdrawn_on__isnull=True),
                                    name="one_standing_recognition_per_person_and_disease"),
        ]

    def __str__(self):
        return f"{self.person}：{self.get_disease_display()}"
