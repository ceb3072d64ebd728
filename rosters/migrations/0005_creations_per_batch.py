"""What an applied batch created is kept as one row per batch and kind (RosterCreation) instead of one
RosterChange per person, household and holding; the batches applied before are carried over."""

import django.db.models.deletion
from django.db import migrations, models

KINDS = {"household_created": ("household", "household_id"), "person_created": ("person", "beneficiary_id"),
         "holding_created": ("holding", "holding_id")}


def keys_per_batch(apps, schema_editor):
    RosterChange = apps.get_model("rosters", "RosterChange")
    RosterCreation = apps.get_model("rosters", "RosterCreation")
    created = {}
    for batch, action, *keys in RosterChange.objects.filter(action__in=KINDS).order_by("pk").values_list(
        "batch_id", "action", "household_id", "beneficiary_id", "holding_id"
    ):
        kind, attribute = KINDS[action]
        key = dict(zip(("household_id", "beneficiary_id", "holding_id"), keys))[attribute]
        if key is not None:  # a row deleted since (SET_NULL) has nothing left to revert
            created.setdefault((batch, kind), []).append(key)
    RosterCreation.objects.bulk_create(
        [RosterCreation(batch_id=batch, kind=kind, keys=keys) for (batch, kind), keys in created.items()]
    )
    RosterChange.objects.filter(action__in=KINDS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('rosters', '0004_enrollment_uploads'),
    ]

    operations = [
        migrations.CreateModel(
            name='RosterCreation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('household', '家庭户'), ('person', '人员'), ('holding', '类别认定')], max_length=10, verbose_name='新建')),
                ('keys', models.JSONField(default=list, verbose_name='主键')),
                ('batch', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='creations', to='rosters.rosterbatch', verbose_name='批次')),
            ],
            options={
                'verbose_name': '名单批次新建记录',
                'verbose_name_plural': '名单批次新建记录',
                'constraints': [models.UniqueConstraint(fields=('batch', 'kind'), name='roster_creation_once')],
            },
        ),
        migrations.RunPython(keys_per_batch, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='rosterchange',
            name='action',
            field=models.CharField(choices=[('holding_ended', '终止类别认定')], max_length=20, verbose_name='变更'),
        ),
    ]
