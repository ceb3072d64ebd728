import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from beneficiaries.idnumbers import mask
from regions.codes import area_prefix


class Source(models.TextChoices):
    """The department whose list confirms a category (categories.md)."""

    POVERTY_OFFICE = "poverty_office", "扶贫/乡村振兴部门"
    CIVIL_AFFAIRS = "civil_affairs", "民政部门"
    HEALTH = "health", "卫生健康部门"  # the 两病 recognitions (health/)
    OTHER = "other", "其他部门"


class PovertyCause(models.TextChoices):
    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    SCHOOLING = "schooling", "因学"
    DISASTER = "disaster", "因灾"
    LACK_OF_LABOUR = "lack_of_labour", "缺劳力"
    LACK_OF_SKILLS = "lack_of_skills", "缺技术"
    LACK_OF_LAND = "lack_of_land", "缺土地"
    LACK_OF_WATER = "lack_of_water", "缺水"
    LACK_OF_FUNDS = "lack_of_funds", "缺资金"
    TRANSPORT = "transport", "交通条件落后"
    OWN_EFFORT = "own_effort", "自身发展动力不足"
    OTHER = "other", "其他"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    GRANDCHILD = "grandchild", "孙子女/外孙子女"
    PARENT = "parent", "父母"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


# History rows of the tables a roster or an enrollment list fills by the hundred thousand name their user
# without a database constraint: PostgreSQL would check each at commit (a fifth of a county's first load).
# Django still empties the field of a deleted user's rows (on_delete=SET_NULL), as before.
BULK_HISTORY_USER = False


class InAreaQuerySet(models.QuerySet):
    """Rows that belong to a village, limited to an area by the village code prefix (indexed)."""

    village_field = "village__code"

    def within(self, area_code: str):
        prefix = area_prefix(area_code)
        if not prefix:
            return self
        return self.filter(**{f"{self.village_field}__startswith": prefix})

    def visible_to(self, user):
        return self.within(user.area_id or "")


class Household(models.Model):
    number = models.CharField("户编号", max_length=40, unique=True)
    head = models.ForeignKey(
        "Beneficiary", verbose_name="户主", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    village = models.ForeignKey("regions.Region", verbose_name="所在村", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("住址", max_length=200, blank=True)
    poverty_cause = models.CharField("主要致贫原因", max_length=20, choices=PovertyCause.choices, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = InAreaQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="户变更记录", user_db_constraint=BULK_HISTORY_USER)

    class Meta:
        verbose_name = "家庭户"
        verbose_name_plural = "家庭户"
        ordering = ["number"]

    def __str__(self):
        return f"户 {self.number}"


class LabourCapacity(models.TextChoices):
    """A person's capacity to work, as the poverty registry records it (empty: not yet recorded)."""

    ABLE = "able", "有劳动能力"
    WEAK = "weak", "弱劳动能力"
    NONE = "none", "无劳动能力"


class Beneficiary(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "在册"
        DECEASED = "deceased", "死亡"
        MOVED_AWAY = "moved_away", "迁出"

    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField("出生日期", editable=False)
    household = models.ForeignKey(
        Household, verbose_name="家庭户", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices, blank=True)
    village = models.ForeignKey("regions.Region", verbose_name="所在村", on_delete=models.PROTECT, related_name="+")
    phone = models.CharField("联系电话", max_length=30, blank=True)
    labour_capacity = models.CharField("劳动能力", max_length=5, choices=LabourCapacity.choices, blank=True,
                                       help_text="不填为未登记")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    status_date = models.DateField("状态变更日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = InAreaQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="个人变更记录", user_db_constraint=BULK_HISTORY_USER)

    class Meta:
        verbose_name = "保障对象"
        verbose_name_plural = "保障对象"
        ordering = ["village_id", "name"]
        indexes = [
            models.Index(fields=["village", "name"]),
            models.Index(fields=["name"]),
            # The search by name prefix (LIKE '冉小%'): PostgreSQL's btree serves it only with the pattern
            # operator class when the database collation is not C; other databases ignore the class.
            models.Index(fields=["name"], name="beneficiary_name_prefix", opclasses=["varchar_pattern_ops"]),
        ]
        permissions = [("correct_id_number", "更正身份证号")]

    def __str__(self):
        return f"{self.name}（{mask(self.id_number)}）"

    def active_on(self, day: datetime.date) -> bool:
        """False from the day of death or moving away: later bills are refused."""
        return self.status == self.Status.ACTIVE or self.status_date is None or day < self.status_date


def living_on(day: datetime.date, person: str = "") -> Q:
    """People not dead or moved away by ``day`` (as ``Beneficiary.active_on``), so that a past day counts those
    who were living then; ``person`` is the path to them."""
    return (Q(**{f"{person}status": Beneficiary.Status.ACTIVE}) | Q(**{f"{person}status_date__isnull": True})
            | Q(**{f"{person}status_date__gt": day}))


class Category(models.Model):
    """An identity category (身份类别); seeded from categories.md and extendable by an administrator."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    source = models.CharField("认定部门", max_length=20, choices=Source.choices)
    ledger_column = models.PositiveSmallIntegerField("台账列号", null=True, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=100)
    history = HistoricalRecords(verbose_name="类别变更记录")

    class Meta:
        verbose_name = "身份类别"
        verbose_name_plural = "身份类别"
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class PersonRowQuerySet(InAreaQuerySet):
    """Rows that belong to a person, limited to an area through the person's village."""

    village_field = "beneficiary__village__code"


class HoldingQuerySet(PersonRowQuerySet):

    def on(self, day: datetime.date):
        """Holdings in force on ``day``: the question every settlement asks."""
        return self.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))

    def during(self, first: datetime.date, last: datetime.date):
        """Holdings in force on at least one day of [first, last] (a withdrawn one, ending before it
        starts, on none)."""
        return self.filter(start__lte=last).filter(
            Q(end__isnull=True) | (Q(end__gte=first) & Q(end__gte=models.F("start")))
        )


class CategoryHolding(models.Model):
    """A person holds a category from ``start`` to ``end`` (inclusive; open while ``end`` is empty).

    An interval that ends the day before it starts was withdrawn before it began and matches no day.
    """

    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="保障对象", on_delete=models.PROTECT, related_name="holdings"
    )
    category = models.ForeignKey(Category, verbose_name="身份类别", on_delete=models.PROTECT, related_name="holdings")
    source = models.CharField("信息来源", max_length=20, choices=Source.choices)
    start = models.DateField("起始日期")
    end = models.DateField("终止日期", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = HoldingQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="类别认定变更记录", user_db_constraint=BULK_HISTORY_USER)

    class Meta:
        verbose_name = "类别认定"
        verbose_name_plural = "类别认定"
        ordering = ["beneficiary_id", "start", "category__order"]
        indexes = [models.Index(fields=["beneficiary", "start", "end"])]

    def __str__(self):
        end = self.end.isoformat() if self.end else "至今"
        return f"{self.category}：{self.start.isoformat()} 至 {end}"


class Insurance(models.Model):
    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    history = HistoricalRecords(verbose_name="险种变更记录")

    class Meta:
        verbose_name = "险种"
        verbose_name_plural = "险种"
        ordering = ["id"]

    def __str__(self):
        return self.name


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", "已参保"
        NOT_ENROLLED = "not_enrolled", "未参保"

    class Reason(models.TextChoices):
        ELSEWHERE = "elsewhere", "异地参保"
        EMPLOYEE = "employee", "参加职工医保"
        DECEASED = "deceased", "死亡"
        OTHER = "other", "其他"

    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="保障对象", on_delete=models.PROTECT, related_name="enrollments"
    )
    year = models.PositiveSmallIntegerField("年度")
    insurance = models.ForeignKey(Insurance, verbose_name="险种", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("参保状态", max_length=20, choices=Status.choices)
    subsidy = models.DecimalField("参保财政补助（元）", max_digits=12, decimal_places=2, default=0)
    reason = models.CharField("未参保原因", max_length=20, choices=Reason.choices, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="参保变更记录", user_db_constraint=BULK_HISTORY_USER)

    class Meta:
        verbose_name = "参保登记"
        verbose_name_plural = "参保登记"
        ordering = ["beneficiary_id", "-year", "insurance_id"]
        indexes = [models.Index(fields=["year", "insurance", "beneficiary"])]

    def __str__(self):
        return f"{self.year} 年 {self.insurance}：{self.get_status_display()}"
