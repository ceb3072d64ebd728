from django.db import migrations

# The 21 diseases of the 大病专项救治 (seed 001: "农村贫困人口 21 种大病专项救治"; the national list of 2018),
# with the ICD-10 code groups a diagnosis is matched by. A county adds its own on the 救治病种 page.
SPECIAL = [
    ("congenital_heart", "儿童先天性心脏病", "Q20 Q21 Q22 Q23 Q24 Q25 Q26"),
    ("child_leukemia", "儿童白血病", "C91 C92 C93 C94 C95"),
    ("gastric_cancer", "胃癌", "C16"),
    ("esophageal_cancer", "食管癌", "C15"),
    ("colon_cancer", "结肠癌", "C18"),
    ("rectal_cancer", "直肠癌", "C19 C20"),
    ("end_stage_renal", "终末期肾病", "N18"),
    ("lung_cancer", "肺癌", "C33 C34"),
    ("liver_cancer", "肝癌", "C22"),
    ("breast_cancer", "乳腺癌", "C50"),
    ("cervical_cancer", "宫颈癌", "C53"),
    ("acute_myocardial_infarction", "急性心肌梗死", "I21 I22"),
    ("cataract", "白内障", "H25 H26"),
    ("pneumoconiosis", "尘肺", "J60 J61 J62 J63 J64 J65"),
    ("neuroblastoma", "神经母细胞瘤", "C74"),
    ("child_lymphoma", "儿童淋巴瘤", "C81 C82 C83 C84 C85"),
    ("osteosarcoma", "骨肉瘤", "C40 C41"),
    ("hemophilia", "血友病", "D66 D67 D68.0"),
    ("thalassemia", "地中海贫血", "D56"),
    ("cleft_lip_palate", "唇腭裂", "Q35 Q36 Q37"),
    ("hypospadias", "尿道下裂", "Q54"),
]
# The chronic diseases treated by class most often besides them (seed 002 names 慢性病; seed 003 the 两病).
CHRONIC = [
    ("hypertension", "高血压", "I10 I11 I12 I13 I15"),
    ("diabetes", "糖尿病", "E10 E11 E12 E13 E14"),
    ("severe_mental_disorder", "严重精神障碍", "F20 F25 F31"),
    ("tuberculosis", "肺结核", "A15 A16"),
]
# Recognised 两病 patients hold these, so that a policy's `categories` names them (health/models.TwoDiseases).
TWO_DISEASE_CATEGORIES = [
    ("hypertension", "两病患者（高血压）", 30),
    ("diabetes", "两病患者（糖尿病）", 31),
]


def seed(apps, schema_editor):
    Disease = apps.get_model("health", "Disease")
    for order, (code, name, icd) in enumerate(SPECIAL, start=1):
        Disease.objects.update_or_create(code=code, defaults={"name": name, "kind": "major", "special": True,
                                                              "icd_codes": icd, "order": order})
    for order, (code, name, icd) in enumerate(CHRONIC, start=len(SPECIAL) + 1):
        Disease.objects.update_or_create(code=code, defaults={"name": name, "kind": "chronic", "special": False,
                                                              "icd_codes": icd, "order": order})
    Category = apps.get_model("beneficiaries", "Category")
    for code, name, order in TWO_DISEASE_CATEGORIES:
        Category.objects.update_or_create(code=code, defaults={"name": name, "source": "health",
                                                               "ledger_column": None, "order": order})


class Migration(migrations.Migration):
    dependencies = [("health", "0001_initial"), ("beneficiaries", "0007_health_source")]
    # Going back leaves the rows: cases and recognitions may name them.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
