"""The health rules (scans/run/apply.py): what each answer in docs/github.md means for a
repository, renames and moves, through the scan service against fakegithub over HTTP."""

from __future__ import annotations

import pytest

from repositories.models import Repository
from scans.models import ScanJob, ScanResult
from tests.scans.scanning import OLD, RECENT, run, track

pytestmark = pytest.mark.django_db
Health = Repository.Health

TABLE = [
    # name in the list, fake catalog entry, expected health, expected detail fragment
    ("acme/alive", {"id": 9001, "full_name": "acme/alive", "pushed_at": RECENT, "stars": 42},
     Health.HEALTHY, "active"),
    ("acme/sleepy", {"id": 9002, "full_name": "acme/sleepy", "pushed_at": OLD}, Health.STALE,
     "inactive: no commit on main since"),
    ("acme/frozen", {"id": 9003, "full_name": "acme/frozen", "pushed_at": RECENT, "archived": True},
     Health.ARCHIVED, "archived on GitHub"),
    ("acme/off", {"id": 9004, "full_name": "acme/off", "pushed_at": RECENT, "disabled": True},
     Health.BLOCKED, "disabled by GitHub"),
    ("acme/old-name", {"id": 9005, "full_name": "acme/new-name", "pushed_at": RECENT,
                       "previous_names": ["acme/old-name"]},
     Health.MOVED, "renamed: acme/old-name \u2192 acme/new-name"),
    ("gone/away", None, Health.NOT_FOUND, "not found on GitHub"),
    ("acme/dmca", {"id": 9007, "full_name": "acme/dmca", "block": "dmca"}, Health.BLOCKED, "DMCA takedown"),
    ("acme/tos", {"id": 9008, "full_name": "acme/tos", "block": "tos"}, Health.BLOCKED, "terms of service"),
    ("acme/archived-and-moved", {"id": 9009, "full_name": "beta/archived-and-moved", "pushed_at": OLD,
                                 "archived": True, "previous_names": ["acme/archived-and-moved"]},
     Health.ARCHIVED, "archived"),
]


@pytest.mark.parametrize(("name", "entry", "health", "detail"), TABLE, ids=[row[0] for row in TABLE])
def test_it_classifies_every_answer_in_the_github_table(fake_github, name, entry, health, detail):
    if entry:
        fake_github.load_catalog([entry])
    (repo,) = track(name)

    scan = run([repo])

    repo.refresh_from_db()
    assert scan.status == ScanJob.Status.COMPLETED
    assert repo.health == health
    assert detail in repo.health_detail
    result = ScanResult.objects.get(scan=scan)
    assert result.outcome == health
    assert scan.current == scan.total == 1
    counter = {Health.HEALTHY: "healthy", Health.STALE: "stale", Health.ARCHIVED: "archived",
               Health.BLOCKED: "blocked", Health.MOVED: "moved", Health.NOT_FOUND: "not_found"}[health]
    assert getattr(scan, counter) == 1


def test_it_marks_a_renamed_repository_as_moved_until_the_new_name_is_accepted(fake_github):
    fake_github.load_catalog([{"id": 31, "full_name": "new-owner/tool", "pushed_at": RECENT,
                               "previous_names": ["old-owner/tool"]}])
    (repo,) = track("old-owner/tool")

    run([repo])
    repo.refresh_from_db()
    assert repo.health == Health.MOVED
    assert repo.health_detail == "transferred: old-owner/tool \u2192 new-owner/tool"
    assert repo.full_name == "new-owner/tool"
    assert repo.previous_names == ["old-owner/tool"]
    assert repo.imported_name == "old-owner/tool"

    run([repo])  # a second scan asks by the new name and still says moved
    repo.refresh_from_db()
    assert repo.health == Health.MOVED

    from repositories.services import repository_accept_name

    repository_accept_name(repository=repo)
    repo.refresh_from_db()
    assert repo.health == Health.HEALTHY
    assert repo.imported_name == "new-owner/tool"


def test_a_rename_onto_a_name_already_tracked_keeps_both_rows(fake_github):
    fake_github.load_catalog([{"id": 32, "full_name": "acme/target", "pushed_at": RECENT,
                               "previous_names": ["acme/source"]}])
    source, target = track("acme/source", "acme/target")

    run([source, target])

    source.refresh_from_db()
    assert source.full_name == "acme/source"
    assert source.health == Health.MOVED
    assert "tracked separately" in source.health_detail
