from django.db import migrations

# categories.md: code, name, confirming department, ledger column.
CATEGORIES = [
    ("poor", "建档立卡贫困人口（含已脱贫继续享受扶贫政策人员）", "poverty_office", 6),
    ("dibao_urban", "城镇低保对象", "civil_affairs", 7),
    ("dibao_rural", "农村低保对象", "civil_affairs", 8),
    ("tekun_urban", "城镇特困人员", "civil_affairs", 9),
    ("tekun_rural", "农村特困人员", "civil_affairs", 10),
    ("low_income_urban", "城镇低收入对象", "civil_affairs", 11),
    ("low_income_rural", "农村低收入对象", "civil_affairs", 12),
    ("other_hardship_urban", "城镇其他困难群体", "civil_affairs", 13),
    ("other_hardship_rural", "农村其他困难群体", "civil_affairs", 14),
    ("unstable", "脱贫不稳定人口", "poverty_office", None),
    ("marginal", "边缘易致贫人口", "poverty_office", None),
    ("sudden_hardship", "突发严重困难人口", "poverty_office", None),
    ("returned_poor", "返贫致贫人口", "poverty_office", None),
]

INSURANCES = [
    ("resident_basic", "城乡居民基本医疗保险（含大病保险）"),
    ("supplementary", "商业补充医疗保险"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("beneficiaries", "Category")
    Insurance = apps.get_model("beneficiaries", "Insurance")
    for order, (code, name, source, column) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code, defaults={"name": name, "source": source, "ledger_column": column, "order": order}
        )
    for code, name in INSURANCES:
        Insurance.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
