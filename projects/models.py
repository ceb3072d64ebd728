"""The county's library of poverty-relief industry projects (县级脱贫攻坚项目库, seed 000's second plan) and the
poor people taking part in them: "有劳动能力的贫困人口参与1个以上产业增收项目", placed to the township, the village,
the household and the person, and managed as they change (动态管理).

Nothing here is deleted: a project moves through its statuses (or is cancelled) with its history, a funding line
is corrected by a new one, a participation is ended with its date, and an attachment stays once uploaded."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from beneficiaries.models import InAreaQuerySet, living_on
from spreadsheets.list_batches import ListBatch


class ProjectQuerySet(InAreaQuerySet):
    village_field = "area__code"


class ProjectRowQuerySet(InAreaQuerySet):
    village_field = "project__area__code"


class IncomeQuerySet(InAreaQuerySet):
    village_field = "participation__person__village__code"


class ParticipationQuerySet(InAreaQuerySet):
    village_field = "person__village__code"

    def in_force_on(self, day):
        """Participations that run on ``day``: started, not yet ended, of a person living then."""
        return (self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
                .filter(living_on(day, "person__")))


class ParticipationBatch(ListBatch):
    """One list of who takes part in which project and of people's labour capacity (产业参与名单), compared and
    applied as a whole."""

    file = models.FileField("名单文件", upload_to="projects/lists/%Y/%m/", blank=True)
    history = HistoricalRecords(verbose_name="参与名单变更记录")

    class Meta:
        verbose_name = "产业参与名单"
        verbose_name_plural = "产业参与名单"
        ordering = ["-created_at"]

    def __str__(self):
        return f"参与名单 #{self.pk}（{self.filename}）"


class Project(models.Model):
    """A project of the library: what it is, where (a township, or a village of it), who leads it, and where it
    stands, from 储备 (in reserve) through 实施 (under way) to 验收 (accepted)."""

    class Kind(models.TextChoices):
        FARMING = "farming", "种养殖"
        FORESTRY = "forestry", "林业"
        HERBS = "herbs", "中药材"
        PROCESSING = "processing", "农产品加工"
        TOURISM = "tourism", "乡村旅游"
        ECOMMERCE = "ecommerce", "电商"
        SERVICE_JOBS = "service_jobs", "服务岗位"
        WORKSHOP = "workshop", "扶贫车间"
        PHOTOVOLTAIC = "photovoltaic", "光伏"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        RESERVE = "reserve", "储备"
        APPROVED = "approved", "立项"
        IMPLEMENTING = "implementing", "实施"
        COMPLETED = "completed", "完工"
        ACCEPTED = "accepted", "验收"
        CANCELLED = "cancelled", "终止"

    code = models.CharField("项目编号", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=200)
    kind = models.CharField("项目类型", max_length=15, choices=Kind.choices)
    area = models.ForeignKey("regions.Region", verbose_name="实施地点", on_delete=models.PROTECT, related_name="+",
                             help_text="乡镇，或乡镇下的村")
    lead_department = models.CharField("主管部门", max_length=100)
    description = models.TextField("建设内容", blank=True)
    planned_start = models.DateField("计划开工日期", null=True, blank=True)
    planned_end = models.DateField("计划完工日期", null=True, blank=True)
    status = models.CharField("状态", max_length=15, choices=Status.choices, default=Status.RESERVE)
    status_on = models.DateField("状态日期")
    status_note = models.CharField("状态说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="项目变更记录")

    class Meta:
        verbose_name = "产业扶贫项目"
        verbose_name_plural = "产业扶贫项目"
        ordering = ["area_id", "code"]
        indexes = [models.Index(fields=["area", "status"])]

    def __str__(self):
        return f"{self.code} {self.name}"


class Funding(models.Model):
    """Money for a project from one source. A correction is a new line with the difference (negative to
    take back), so that the sum by source is what was really put in."""

    class Source(models.TextChoices):
        CENTRAL = "central", "中央财政专项扶贫资金"
        PROVINCIAL = "provincial", "市级财政资金"
        COUNTY = "county", "县级财政资金"
        INTEGRATED = "integrated", "统筹整合涉农资金"
        PAIRING = "pairing", "东西部扶贫协作资金"
        SOCIAL = "social", "社会帮扶资金"
        CREDIT = "credit", "金融信贷资金"
        SELF_RAISED = "self_raised", "群众自筹"
        OTHER = "other", "其他"

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="fundings")
    source = models.CharField("资金来源", max_length=15, choices=Source.choices)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    arrived_on = models.DateField("到位日期")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ProjectRowQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="资金变更记录")

    class Meta:
        verbose_name = "项目资金"
        verbose_name_plural = "项目资金"
        ordering = ["project_id", "arrived_on", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="funding_amount_not_zero")]

    def __str__(self):
        return f"{self.project}：{self.get_source_display()} {self.amount}"


class Attachment(models.Model):
    """A document of a project (实施方案、批复、验收报告、照片…), kept once uploaded."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="attachments")
    title = models.CharField("名称", max_length=200)
    file = models.FileField("文件", upload_to="projects/attachments/%Y/%m/")
    file_sha256 = models.CharField("文件校验值", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = ProjectRowQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="附件变更记录")

    class Meta:
        verbose_name = "项目附件"
        verbose_name_plural = "项目附件"
        ordering = ["project_id", "uploaded_at"]

    def __str__(self):
        return self.title


class Participation(models.Model):
    """A person taking part in a project (带贫益贫): in what role, from when, until when once it ends."""

    class Role(models.TextChoices):
        WORKER = "worker", "务工就业"
        GROWER = "grower", "种养户（自主发展）"
        SHAREHOLDER = "shareholder", "入股分红"
        LAND_LEASE = "land_lease", "土地流转"
        SERVICE_JOB = "service_job", "公益岗位"
        OTHER = "other", "其他"

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="participations")
    person = models.ForeignKey("beneficiaries.Beneficiary", verbose_name="参与人", on_delete=models.PROTECT,
                               related_name="project_participations")
    role = models.CharField("参与方式", max_length=15, choices=Role.choices)
    starts_on = models.DateField("参与日期")
    ends_on = models.DateField("退出日期", null=True, blank=True)
    end_reason = models.CharField("退出原因", max_length=200, blank=True)
    batch = models.ForeignKey(ParticipationBatch, verbose_name="来自名单", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="participations")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ParticipationQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="参与变更记录")

    class Meta:
        verbose_name = "项目参与"
        verbose_name_plural = "项目参与"
        ordering = ["person_id", "starts_on"]
        indexes = [models.Index(fields=["person", "starts_on"]), models.Index(fields=["project", "starts_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(starts_on__lte=models.F("ends_on")),
                                   name="participation_starts_before_end"),
            # one open participation per person and project; after leaving, a person may join again
            models.UniqueConstraint(fields=["project", "person"], condition=Q(ends_on__isnull=True),
                                    name="one_open_participation_per_person_and_project"),
        ]

    def __str__(self):
        return f"{self.person}：{self.project}（{self.get_role_display()}）"


class Income(models.Model):
    """Income a participant received from the project (工资、分红、租金、销售收入). A correction is a new line with
    the difference."""

    participation = models.ForeignKey(Participation, verbose_name="参与", on_delete=models.PROTECT,
                                      related_name="incomes")
    received_on = models.DateField("收入日期")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    note = models.CharField("说明", max_length=200, blank=True, help_text="如：3 月工资、2026 年度分红")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = IncomeQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="收入变更记录")

    class Meta:
        verbose_name = "项目收入"
        verbose_name_plural = "项目收入"
        ordering = ["participation_id", "received_on", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="income_amount_not_zero")]

    def __str__(self):
        return f"{self.participation.person}：{self.received_on.isoformat()} {self.amount}"
