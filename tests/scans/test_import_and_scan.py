"""Import then scan (`scans.services.import_and_scan`): what the import page, the import API and
`runscan --file` call."""

from __future__ import annotations

from pathlib import Path

import pytest

from repositories.importers import ImportRefused
from repositories.models import Repository
from scans.models import ScanJob
from scans.selection import BadSelection
from scans.services import import_and_scan
from tests.counting import recounted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counts_hold")]  # the kept counts follow
DATA = Path(__file__).resolve().parent.parent / "data"


def test_it_imports_a_list_and_queues_a_scan_of_all_of_it(owner):
    started = import_and_scan(source=(DATA / "awesome-list.md").read_bytes(), label="awesome-python",
                              requested_by=owner, filename="awesome-list.md")

    assert started.report.created == 37
    scan = ScanJob.objects.get(id=started.scan.id)
    assert scan.total == 37
    assert scan.requested_by == owner
    assert scan.status == ScanJob.Status.QUEUED
    assert sorted(scan.repository_ids) == sorted(started.report.repository_ids)


def test_it_starts_no_scan_when_asked_not_to(owner):
    started = import_and_scan(source="a/b\nc/d\n", requested_by=owner, scan=False)

    assert started.scan is None
    assert started.report.created == 2
    assert not ScanJob.objects.exists()


def test_a_refused_file_starts_no_scan():
    with pytest.raises(ImportRefused):
        import_and_scan(source=b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4)
    assert not ScanJob.objects.exists()
    assert not Repository.objects.exists()


def test_filters_narrow_what_the_scan_covers(owner):
    Repository.objects.create(imported_name="a/known", full_name="a/known", health=Repository.Health.HEALTHY)
    recounted()

    started = import_and_scan(source="a/known\nb/new\n", requested_by=owner,
                              narrow={"health": [Repository.Health.UNKNOWN]})

    assert started.scan.repository_ids == [Repository.objects.get(full_name="b/new").id]


def test_a_narrowing_that_leaves_nothing_imports_nothing_and_says_so(owner):
    with pytest.raises(BadSelection, match="No repository matches"):
        import_and_scan(source="a/b\n", requested_by=owner, narrow={"health": [Repository.Health.ARCHIVED]})
    assert not Repository.objects.exists()
    assert not ScanJob.objects.exists()


def test_a_large_import_and_its_scan_use_bulk_queries(django_assert_max_num_queries):
    source = "\n".join(f"owner{i}/repo{i}" for i in range(5000))
    with django_assert_max_num_queries(45):
        started = import_and_scan(source=source, label="big")
    assert started.report.created == 5000
    assert started.scan.total == 5000
