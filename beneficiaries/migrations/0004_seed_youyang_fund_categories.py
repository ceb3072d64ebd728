from django.db import migrations

# Seed 004 附件3 (酉阳自治县民政扶贫济困医疗基金) names, besides the poor, 低保, 三无 and 五保 (the seeded
# `dibao_*` and `tekun_*`) and 民政部门建档的其他特殊困难人员 (`other_hardship_*`), five groups that were
# not categories yet: "孤儿、在乡镇重点优抚对象、重度残疾人……家庭经济困难的在校大学生和因病致贫家庭重病患者".
# Seed 002 names 农村优抚对象 among its 贫困居民 too. docs/policies.md says which policy uses each.
#
# Source `other`: none of them comes on the monthly poverty-office or civil-affairs list the roster
# comparison reads (reconciliation.md), so no such list may end them; an administrator records and ends
# them. No ledger column: the 36 columns of ledger.md have none for them.
CATEGORIES = [
    ("orphan", "孤儿", "other", 14),
    ("youfu", "重点优抚对象", "other", 15),
    ("severe_disability", "重度残疾人", "other", 16),
    ("needy_student", "家庭经济困难的在校大学生", "other", 17),
    ("illness_impoverished", "因病致贫家庭重病患者", "other", 18),
]


def seed(apps, schema_editor):
    Category = apps.get_model("beneficiaries", "Category")
    for code, name, source, order in CATEGORIES:
        Category.objects.update_or_create(
            code=code, defaults={"name": name, "source": source, "ledger_column": None, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0003_correct_id_permission")]
    # Going back leaves the rows: people may hold them, and the table is an administrator's to edit.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
