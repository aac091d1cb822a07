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


def test_a_name_or_description_is_written_only_where_the_check_changed_it():
    """SQLite's search triggers watch an UPDATE that sets the name or the description: a check that
    changed neither leaves them out of its UPDATE, one that changed them writes them, and the
    search finds the new text either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from repositories.filters import filter_repositories
    from repositories.history import capture
    from repositories.search import index_pending
    from scans.run.writer import Batch, write

    same, described = track("acme/same", "acme/described")
    index_pending()
    scan = services.scan_start(repositories=[same.id, described.id], enqueue=False)
    before = {repo.id: capture(repo) for repo in (same, described)}
    same.stars, described.stars, described.description = 10, 20, "a brand new sentence"
    with CaptureQueriesContext(connection) as queries:
        write(scan.id, Batch(checked=[same, described], before=before))
    # executemany's SQL is captured as "1 times: UPDATE ..."
    updates = [q["sql"].split(" SET ")[1] for q in queries.captured_queries
               if 'UPDATE "repositories_repository"' in q["sql"]]
    assert len(updates) == 2
    assert sum('"description" = ' in sql for sql in updates) == 1
    assert sum('"full_name" = ' in sql for sql in updates) == 1
    assert Repository.objects.get(id=same.id).stars == 10
    assert list(filter_repositories({"search": "brand new"}).values_list("id", flat=True)) == [described.id]
