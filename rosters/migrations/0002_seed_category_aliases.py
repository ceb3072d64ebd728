from django.db import migrations

# How the civil-affairs and poverty-office lists write each category; administrators add more in the
# admin. Words that could mean an urban or a rural category (低保, 特困 alone) are left out on purpose:
# a row using one is listed as unusable, naming the word, until an administrator says which it means.
ALIASES = {
    "poor": [
        "建档立卡", "建档立卡户", "建档立卡贫困户", "建档立卡贫困人口", "建档立卡贫困对象", "贫困户", "贫困人口",
        "脱贫户", "脱贫人口", "已脱贫人口", "已脱贫户", "脱贫享受政策人口", "已脱贫享受政策人员", "建档立卡脱贫户",
    ],
    "dibao_urban": [
        "城镇低保", "城市低保", "城镇低保对象", "城市低保对象", "城镇低保户", "城市低保户",
        "城镇最低生活保障对象", "城市最低生活保障对象", "城市居民最低生活保障",
    ],
    "dibao_rural": [
        "农村低保", "农村低保对象", "农村低保户", "农村最低生活保障对象", "农村最低生活保障", "农村居民最低生活保障",
    ],
    "tekun_urban": [
        "城镇特困", "城市特困", "城镇特困人员", "城市特困人员", "城镇特困供养人员", "城市特困供养人员", "城市三无人员",
    ],
    "tekun_rural": [
        "特困供养", "特困供养人员", "农村特困", "农村特困人员", "农村特困供养", "农村特困供养人员", "五保", "五保户",
        "农村五保", "农村五保户", "农村五保供养对象", "集中供养特困人员", "分散供养特困人员",
    ],
    "low_income_urban": ["城镇低收入", "城市低收入", "城镇低收入对象", "城镇低收入家庭", "城市低收入家庭"],
    "low_income_rural": ["农村低收入", "农村低收入对象", "农村低收入人口", "农村低收入家庭"],
    "other_hardship_urban": ["城镇其他困难群体", "城市其他困难群体", "城镇困难群体", "城市困难群体"],
    "other_hardship_rural": ["农村其他困难群体", "农村困难群体"],
    "unstable": ["脱贫不稳定", "脱贫不稳定户", "脱贫不稳定人口", "脱贫不稳定家庭"],
    "marginal": ["边缘易致贫", "边缘易致贫户", "边缘易致贫人口", "边缘易致贫家庭", "边缘户"],
    "sudden_hardship": ["突发严重困难", "突发严重困难户", "突发严重困难人口", "突发严重困难家庭"],
    "returned_poor": ["返贫致贫", "返贫致贫户", "返贫致贫人口", "返贫人口", "返贫户", "致贫人口", "致贫户"],
}


def seed(apps, schema_editor):
    Category = apps.get_model("beneficiaries", "Category")
    CategoryAlias = apps.get_model("rosters", "CategoryAlias")
    categories = {category.code: category for category in Category.objects.filter(code__in=ALIASES)}
    for code, aliases in ALIASES.items():
        for alias in aliases:
            CategoryAlias.objects.update_or_create(alias=alias, defaults={"category": categories[code]})


def unseed(apps, schema_editor):
    CategoryAlias = apps.get_model("rosters", "CategoryAlias")
    CategoryAlias.objects.filter(alias__in=[alias for aliases in ALIASES.values() for alias in aliases]).delete()


class Migration(migrations.Migration):
    dependencies = [("rosters", "0001_initial"), ("beneficiaries", "0002_seed_categories_and_insurances")]
    operations = [migrations.RunPython(seed, unseed)]
