"""The write path (scans/run/writer.py) under real scans against fakegithub over HTTP: rows written
while the next chunk is fetched still record every repository once, and a failed check writes only
its failure (and, for a repository never checked, its health)."""

from __future__ import annotations

from collections import Counter

import pytest

from repositories.models import Repository
from scans import services
from scans.models import ScanJob, ScanResult
from scans.run.engine import scan_run
from tests.scans.scanning import RECENT, repo_requests, run, track

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counts_hold")]  # the kept counts follow
Health = Repository.Health
Status = ScanJob.Status


@pytest.mark.django_db(transaction=True)
def test_every_repository_of_every_chunk_is_recorded_once(fake_github, small_chunks):
    catalog = fake_github.repositories()[:150]
    # Flakiness is random per request (a 502 is asked again: tested apart); here every answer counts.
    fake_github.load_catalog([{**repo, "flaky": 0.0} for repo in catalog])
    repos = track(*[r["full_name"] for r in catalog])
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    finished = scan_run(scan_id=scan.id)
    assert finished.status == Status.COMPLETED
    assert finished.current == finished.total == 150
    recorded = Counter(ScanResult.objects.filter(scan=scan).values_list("repository_id", flat=True))
    assert set(recorded) == {r.id for r in repos}
    assert set(recorded.values()) == {1}
    asked = repo_requests(fake_github)
    assert sum(asked.values()) >= 150, "each asked once (a move: twice)"
    assert max(asked.values()) <= 2, "each asked once (a move: twice)"


def test_a_repository_never_checked_successfully_shows_error_after_a_failed_check(fake_github, settings):
    settings.GITHUB_MAX_RETRIES = 0
    fake_github.load_catalog([{"id": 57, "full_name": "acme/new", "pushed_at": RECENT}])
    (repo,) = track("acme/new")
    fake_github.configure(fail_next=5)
    run([repo])
    repo.refresh_from_db()
    assert repo.health == Health.ERROR
    assert repo.health_detail == "HTTP 502 after 1 try"
    assert repo.last_checked_at is None
