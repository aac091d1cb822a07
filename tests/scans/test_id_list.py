"""ScanJob.repository_ids is stored packed (scans.fields.IdListField): the list comes back as it
went in, dumpdata/loaddata carry it, and the migration from the JSON column keeps every scan's ids."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from scans.fields import pack, unpack
from scans.models import ScanJob

pytestmark = pytest.mark.django_db

IDS = [5, 3, 2**63 - 1, 1, 70_000]


def test_ids_come_back_in_their_order():
    scan = ScanJob.objects.create(total=len(IDS), repository_ids=IDS)

    assert ScanJob.objects.get(id=scan.id).repository_ids == IDS
    assert ScanJob.objects.get(id=ScanJob.objects.create().id).repository_ids == []


def test_eight_bytes_an_id_little_endian():
    assert pack([1, 256]) == b"\x01" + b"\x00" * 7 + b"\x00\x01" + b"\x00" * 6
    assert unpack(memoryview(pack(IDS))) == IDS


def test_an_update_writes_the_list():
    scan = ScanJob.objects.create(repository_ids=[1])
    ScanJob.objects.filter(id=scan.id).update(repository_ids=[9, 8])

    assert ScanJob.objects.get(id=scan.id).repository_ids == [9, 8]


def test_dumpdata_writes_the_list_and_loaddata_reads_it_back(tmp_path):
    scan = ScanJob.objects.create(total=len(IDS), repository_ids=IDS)
    out = io.StringIO()
    call_command("dumpdata", "scans.scanjob", stdout=out)
    dumped = json.loads(out.getvalue())
    assert [row["fields"]["repository_ids"] for row in dumped] == [json.dumps(IDS)]

    ScanJob.objects.all().delete()
    fixture = tmp_path / "scans.json"
    fixture.write_text(out.getvalue())
    call_command("loaddata", str(fixture), verbosity=0)

    assert ScanJob.objects.get(id=scan.id).repository_ids == IDS


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_scans_ids_both_ways():
    before, after = ("scans", "0006_scanjob_name_reused"), ("scans", "0007_scanjob_repository_ids_packed")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("scans", "ScanJob")
        kept = [old.objects.create(total=len(ids), repository_ids=ids).id for ids in (IDS, [], [42])]

        executor = MigrationExecutor(connection)
        executor.migrate([after])
        new = executor.loader.project_state([after]).apps.get_model("scans", "ScanJob")
        assert [new.objects.get(id=i).repository_ids for i in kept] == [IDS, [], [42]]

        executor = MigrationExecutor(connection)
        executor.migrate([before])
        old = executor.loader.project_state([before]).apps.get_model("scans", "ScanJob")
        assert [old.objects.get(id=i).repository_ids for i in kept] == [IDS, [], [42]]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
