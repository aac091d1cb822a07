"""ScanJob.repository_ids: from a JSON array to packed 64-bit ids (scans.fields.IdListField).

The ids are copied over, not dropped: a new column is filled from the old one, which is then
removed and the new one takes its name. Going back copies them back the same way.
"""

import json

from django.db import migrations

import scans.fields

BATCH = 100


def _copy(apps, source: str, target: str, convert) -> None:
    ScanJob = apps.get_model("scans", "ScanJob")
    rows = ScanJob.objects.only("id", source).order_by("id")
    changed = []
    for scan in rows.iterator(chunk_size=BATCH):
        setattr(scan, target, convert(getattr(scan, source)))
        changed.append(scan)
        if len(changed) == BATCH:
            ScanJob.objects.bulk_update(changed, [target])
            changed = []
    if changed:
        ScanJob.objects.bulk_update(changed, [target])


def json_to_packed(apps, schema_editor):
    def convert(value):
        if isinstance(value, str):  # a JSON text where the database returned one unparsed
            value = json.loads(value)
        return [int(i) for i in value or []]

    _copy(apps, "repository_ids", "repository_ids_packed", convert)


def packed_to_json(apps, schema_editor):
    _copy(apps, "repository_ids_packed", "repository_ids", lambda ids: list(ids or []))


class Migration(migrations.Migration):

    dependencies = [
        ("scans", "0006_scanjob_name_reused"),
    ]

    operations = [
        migrations.AddField(
            model_name="scanjob",
            name="repository_ids_packed",
            field=scans.fields.IdListField(blank=True, help_text="what this scan checks, in order"),
        ),
        migrations.RunPython(json_to_packed, packed_to_json, elidable=False),
        migrations.RemoveField(model_name="scanjob", name="repository_ids"),
        migrations.RenameField(model_name="scanjob", old_name="repository_ids_packed", new_name="repository_ids"),
    ]
