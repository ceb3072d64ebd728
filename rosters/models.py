from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from beneficiaries.models import Source
from rosters.comparison import Outcome, match_key

ROSTER_SOURCES = [
    (Source.POVERTY_OFFICE.value, Source.POVERTY_OFFICE.label),
    (Source.CIVIL_AFFAIRS.value, Source.CIVIL_AFFAIRS.label),
]


class CategoryAlias(models.Model):
    """A way a list writes a category (``农村低保`` for ``dibao_rural``); edited by administrators."""

    alias = models.CharField("名单中的写法", max_length=60, unique=True)
    category = models.ForeignKey(
        "beneficiaries.Category", verbose_name="身份类别", on_delete=models.PROTECT, related_name="aliases"
    )

    class Meta:
        verbose_name = "类别别名"
        verbose_name_plural = "类别别名"
        ordering = ["category__order", "alias"]

    def __str__(self):
        return f"{self.alias} → {self.category}"

    def clean(self):
        self.alias = match_key(self.alias)
        if not self.alias:
            raise ValidationError({"alias": "写法不能为空。"}, code="blank_alias")


class RosterBatch(models.Model):
    """One list compared with the registry: kept whether previewed, applied or reverted."""

    class Status(models.TextChoices):
        QUEUED = "queued", "等待处理"
        PREVIEWING = "previewing", "正在比对"
        PREVIEWED = "previewed", "待确认"
        APPLYING = "applying", "正在应用"
        APPLIED = "applied", "已应用"
        REVERTED = "reverted", "已撤销"
        FAILED = "failed", "失败"

    source = models.CharField("名单来源", max_length=20, choices=ROSTER_SOURCES)
    month = models.DateField("名单月份", help_text="该月第一天")
    area_code = models.CharField("比对区域", max_length=12, blank=True, help_text="区划代码前缀；空为不限")
    default_category = models.ForeignKey(
        "beneficiaries.Category",
        verbose_name="整表类别",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField("名单文件", upload_to="rosters/%Y/%m/", blank=True)
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件校验值", max_length=64, db_index=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    stage = models.CharField("进度说明", max_length=100, blank=True)
    error = models.TextField("失败原因", blank=True)
    counts = models.JSONField("各结果人数", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="应用人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_at = models.DateTimeField("应用时间", null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reverted_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "名单比对批次"
        verbose_name_plural = "名单比对批次"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source", "status", "applied_at"])]

    def __str__(self):
        return f"#{self.pk} {self.get_source_display()} {self.month:%Y-%m} {self.file_name}"

    @property
    def month_text(self) -> str:
        return f"{self.month:%Y-%m}"

    def overlaps(self, area_code: str) -> bool:
        """Whether this batch's area and ``area_code`` share people (one contains the other)."""
        return self.area_code.startswith(area_code) or area_code.startswith(self.area_code)


class RosterChange(models.Model):
    """One change an applied batch made to a row that was there before, with the state before and after,
    so that it can be undone (what it created is in RosterCreation)."""

    class Action(models.TextChoices):
        HOLDING_ENDED = "holding_ended", "终止类别认定"

    batch = models.ForeignKey(
        RosterBatch, verbose_name="批次", on_delete=models.PROTECT, related_name="changes"
    )
    action = models.CharField("变更", max_length=20, choices=Action.choices)
    id_number = models.CharField("身份证号", max_length=18)
    household = models.ForeignKey(
        "beneficiaries.Household",
        verbose_name="家庭户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name="保障对象",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    holding = models.ForeignKey(
        "beneficiaries.CategoryHolding",
        verbose_name="类别认定",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)

    class Meta:
        verbose_name = "名单批次变更"
        verbose_name_plural = "名单批次变更"
        ordering = ["batch_id", "id"]

    def __str__(self):
        return f"#{self.batch_id} {self.get_action_display()} {self.id_number}"


class RosterCreation(models.Model):
    """The rows of one kind an applied batch created, by primary key, so that reverting it can delete them.

    One row per batch and kind however many people a list brings (a county's first list is a hundred
    thousand): who created each row, when, and for which batch is in the row's own history record
    (its user and reason, "名单比对批次 #N").
    """

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", "家庭户"
        PERSON = "person", "人员"
        HOLDING = "holding", "类别认定"

    batch = models.ForeignKey(
        RosterBatch, verbose_name="批次", on_delete=models.PROTECT, related_name="creations"
    )
    kind = models.CharField("新建", max_length=10, choices=Kind.choices)
    keys = models.JSONField("主键", default=list)

    class Meta:
        verbose_name = "名单批次新建记录"
        verbose_name_plural = "名单批次新建记录"
        constraints = [models.UniqueConstraint(fields=["batch", "kind"], name="roster_creation_once")]

    def __str__(self):
        return f"#{self.batch_id} {self.get_kind_display()} {len(self.keys)}"


class RosterFindingList(models.Model):
    """The report lines of one outcome of a batch in file order: what the preview lists, the report exports.

    One row per outcome rather than per line: a large county's list has a hundred thousand lines,
    nearly all of them unchanged, and each page shows fifty of one outcome.
    """

    FIELDS = ("rows", "id_number", "name", "village_code", "before", "after", "message")
    COLUMNS = ("行号", "身份证号", "姓名", "村代码", "原有类别", "名单类别", "说明")

    batch = models.ForeignKey(
        RosterBatch, verbose_name="批次", on_delete=models.CASCADE, related_name="findings"
    )
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices)
    lines = models.JSONField("明细", default=list, help_text="每行依次为 COLUMNS 所列各项的文字")

    class Meta:
        verbose_name = "名单比对结果清单"
        verbose_name_plural = "名单比对结果清单"
        ordering = ["batch_id", "outcome"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "outcome"], name="roster_findings_one_per_outcome")
        ]

    def __str__(self):
        return f"#{self.batch_id} {self.get_outcome_display()}"


class EnrollmentUpload(models.Model):
    """One year's enrollment list uploaded in the browser, kept from its preview to its confirmation.

    Only a list whose every row could be read is kept (a list with bad rows is refused at once and
    leaves nothing behind); ``report`` is what the service said at the preview, replaced by what it
    said when the list was recorded.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "待确认"
        APPLYING = "applying", "正在记录"
        APPLIED = "applied", "已记录"

    year = models.PositiveSmallIntegerField("参保年度")
    area_code = models.CharField("区域", max_length=12, blank=True, help_text="上传人的管辖区域代码前缀；空为不限")
    file = models.FileField("名单文件", upload_to="enrollment/%Y/%m/")
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件校验值", max_length=64)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PREVIEWED)
    report = models.JSONField("比对结果", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "参保名单上传"
        verbose_name_plural = "参保名单上传"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"#{self.pk} {self.year} 年参保名单 {self.file_name}"
