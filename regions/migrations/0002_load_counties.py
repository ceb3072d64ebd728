"""Load the country's province-, city- and county-level codes shipped in regions/data/counties.tsv."""

from pathlib import Path

from django.db import migrations

from regions.codes import level_of, parent_candidates

DATA = Path(__file__).resolve().parent.parent / "data" / "counties.tsv"


def load(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    rows = [line.split("\t") for line in DATA.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    names = {code: name for code, name in rows}
    existing = set(Region.objects.values_list("code", flat=True))
    new = [
        Region(
            code=code,
            name=name,
            level=level_of(code),
            parent_id=next((c for c in parent_candidates(code) if c in names or c in existing), None),
        )
        for code, name in sorted(names.items())
        if code not in existing
    ]
    Region.objects.bulk_create(new, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
