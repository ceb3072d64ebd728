"""Employment of poor families' children (就业扶贫, seed 000's first plan): the yearly survey of each child
(摸排, 实名登记), the placements that follow it, the support given, and the follow-up visits that keep a placement
stable (跟踪回访) — above all the three years of stable work the plan promises a 中职 graduate placed in a firm.

Nothing here is deleted: a placement is ended with its date and reason, a support record is voided with its
reason, and every change is in the history tables."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from beneficiaries.models import InAreaQuerySet
from spreadsheets.list_batches import ListBatch


class PersonQuerySet(InAreaQuerySet):
    village_field = "person__village__code"


class PlacementQuerySet(PersonQuerySet):
    def in_force_on(self, day):
        """Placements the person holds on ``day``: started, not yet ended."""
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class VisitQuerySet(InAreaQuerySet):
    village_field = "placement__person__village__code"


class SchoolLevel(models.TextChoices):
    UNIVERSITY = "university", "普通高校"
    HIGHER_VOCATIONAL = "higher_vocational", "高职（专科）"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中职"
    OTHER = "other", "其他"


class SurveyBatch(ListBatch):
    """One yearly survey list (摸排表) uploaded as a spreadsheet, previewed, then applied as a whole."""

    file = models.FileField("摸排文件", upload_to="employment/surveys/%Y/%m/", blank=True)
    history = HistoricalRecords(verbose_name="摸排表变更记录")

    class Meta:
        verbose_name = "贫困家庭子女摸排表"
        verbose_name_plural = "贫困家庭子女摸排表"
        ordering = ["-created_at"]

    def __str__(self):
        return f"摸排表 #{self.pk}（{self.filename}）"


class ChildSurvey(models.Model):
    """One child's record of one year's survey (每年摸排一次): school and level, major, graduation year, what work
    they want, whether they would start a business, and what help they need. A second survey in the same year
    changes this record (the history keeps the first)."""

    person = models.ForeignKey("beneficiaries.Beneficiary", verbose_name="贫困家庭子女", on_delete=models.PROTECT,
                               related_name="child_surveys")
    year = models.PositiveSmallIntegerField("摸排年度")
    school = models.CharField("毕业（就读）学校", max_length=100)
    level = models.CharField("学历层次", max_length=25, choices=SchoolLevel.choices)
    major = models.CharField("专业", max_length=100, blank=True)
    graduation_year = models.PositiveSmallIntegerField("毕业年份")
    intention = models.CharField("就业意向", max_length=200, blank=True,
                                 help_text="如：县内企业、外出务工、事业单位、继续升学")
    wants_business = models.BooleanField("有创业愿望", default=False)
    business_plan = models.CharField("创业意向", max_length=200, blank=True)
    needs = models.CharField("帮扶需求", max_length=300, blank=True,
                             help_text="如：技能培训、岗位推荐、创业贷款、求职补贴")
    surveyed_on = models.DateField("摸排日期")
    surveyed_by = models.CharField("摸排人", max_length=50)
    batch = models.ForeignKey(SurveyBatch, verbose_name="来自摸排表", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="surveys")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="摸排记录变更记录")

    class Meta:
        verbose_name = "子女摸排记录"
        verbose_name_plural = "子女摸排记录"
        ordering = ["person_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="one_survey_per_child_and_year"),
        ]

    def __str__(self):
        return f"{self.person}：{self.year} 年摸排"


class Placement(models.Model):
    """A job the child took (就业安置): its way in, the employer, from when, and until when once it ends."""

    class Kind(models.TextChoices):
        PUBLIC_INSTITUTION = "public_institution", "事业单位招聘"
        PUBLIC_WELFARE = "public_welfare", "政府公益性岗位（兜底安置）"
        ENTERPRISE = "enterprise", "企业吸纳"
        FLEXIBLE = "flexible", "灵活就业"
        SELF_EMPLOYED = "self_employed", "自主创业"
        MIGRANT = "migrant", "外出务工"

    person = models.ForeignKey("beneficiaries.Beneficiary", verbose_name="贫困家庭子女", on_delete=models.PROTECT,
                               related_name="placements")
    kind = models.CharField("安置方式", max_length=20, choices=Kind.choices)
    employer = models.CharField("用人单位", max_length=100)
    position = models.CharField("岗位", max_length=100, blank=True)
    place = models.CharField("就业地点", max_length=100, blank=True)
    monthly_wage = models.DecimalField("月工资（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    starts_on = models.DateField("上岗日期")
    ends_on = models.DateField("离岗日期", null=True, blank=True)
    end_reason = models.CharField("离岗原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PlacementQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="安置变更记录")

    class Meta:
        verbose_name = "就业安置"
        verbose_name_plural = "就业安置"
        ordering = ["person_id", "starts_on"]
        indexes = [models.Index(fields=["person", "starts_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(starts_on__lte=models.F("ends_on")),
                                   name="placement_starts_before_end"),
        ]

    def __str__(self):
        return f"{self.person}：{self.employer}（{self.get_kind_display()}）"


class Support(models.Model):
    """Help given to a child: a one-off job-seeking or business subsidy, a subsidised business loan, a training
    course, or the guide assigned for one-to-one guidance (一对一指导). A wrong record is voided, not deleted."""

    class Kind(models.TextChoices):
        SUBSIDY = "subsidy", "一次性求职创业补助"
        LOAN = "loan", "贴息创业贷款"
        TRAINING = "training", "技能培训"
        GUIDANCE = "guidance", "一对一就业指导"

    person = models.ForeignKey("beneficiaries.Beneficiary", verbose_name="贫困家庭子女", on_delete=models.PROTECT,
                               related_name="employment_supports")
    kind = models.CharField("帮扶措施", max_length=10, choices=Kind.choices)
    given_on = models.DateField("日期")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2, null=True, blank=True,
                                 help_text="补助、贷款填写；培训、指导不填")
    provider = models.CharField("经办单位或指导人", max_length=100,
                                help_text="补助的发放单位、贷款银行、培训机构，或一对一指导人")
    detail = models.CharField("内容", max_length=200, blank=True, help_text="如：培训项目、贷款期限和贴息比例")
    voided_on = models.DateField("作废日期", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="帮扶措施变更记录")

    class Meta:
        verbose_name = "就业帮扶措施"
        verbose_name_plural = "就业帮扶措施"
        ordering = ["person_id", "given_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="support_amount_positive"),
        ]

    def __str__(self):
        return f"{self.person}：{self.get_kind_display()}（{self.given_on.isoformat()}）"


class FollowUpVisit(models.Model):
    """A follow-up visit to a placed child (跟踪回访): when, by whom, how the job stands, the difficulties met and
    the action taken."""

    class Status(models.TextChoices):
        STABLE = "stable", "稳定就业"
        UNSTABLE = "unstable", "不稳定（有离岗风险）"
        LEFT = "left", "已离岗"

    placement = models.ForeignKey(Placement, verbose_name="安置", on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField("回访日期")
    visitor = models.CharField("回访人", max_length=50)
    status = models.CharField("就业状态", max_length=10, choices=Status.choices)
    difficulties = models.CharField("困难和问题", max_length=300, blank=True)
    action = models.CharField("采取的措施", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = VisitQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="回访变更记录")

    class Meta:
        verbose_name = "跟踪回访"
        verbose_name_plural = "跟踪回访"
        ordering = ["placement_id", "visited_on"]
        indexes = [models.Index(fields=["placement", "visited_on"])]

    def __str__(self):
        return f"{self.placement.person}：{self.visited_on.isoformat()} 回访"
