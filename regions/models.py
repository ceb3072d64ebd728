from django.db import models

from regions.codes import Level, area_prefix


class RegionQuerySet(models.QuerySet):
    def name_of(self, code: str) -> str:
        """The region's name, or the code itself when no region has it (an area is shown either way)."""
        return self.filter(code=code).values_list("name", flat=True).first() or code

    def area_name(self, code: str) -> str:
        """An area as the pages and reports head it: its region's name, or 全国 for no code (the whole country)."""
        return self.name_of(code) if code else "全国"

    def within(self, area_code: str):
        return self.filter(code__startswith=area_prefix(area_code))


class Region(models.Model):
    """A node of the administrative tree; the code is the key, the parent follows from it."""

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("级别", max_length=10, choices=Level.CHOICES)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        return area_prefix(self.code)

    def full_name(self) -> str:
        """Township and village names with their county, as printed on slips and in the ledger."""
        names = []
        node = self
        while node is not None and node.level != Level.CITY and node.level != Level.PROVINCE:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))
