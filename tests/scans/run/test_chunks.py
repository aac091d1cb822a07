"""A scan reads and sends its next chunk while it records the current one: every repository is
still recorded once, and a cancel leaves the queued chunk unsent."""

from __future__ import annotations

from collections import Counter

import pytest

from scans import services
from scans.run import connect
from scans.run.engine import scan_run
from scans.models import ScanJob, ScanResult
from tests.scans.scanning import run_cancelled_after, track

Status = ScanJob.Status
CHUNK = 20


@pytest.fixture
def small_chunks(monkeypatch):
    make = connect.make_fetcher

    def fetcher_in_small_chunks(scan, client):
        fetcher = make(scan, client)
        fetcher.batch_size = CHUNK
        return fetcher

    monkeypatch.setattr("scans.run.engine.make_fetcher", fetcher_in_small_chunks)


def _repo_requests(fake) -> Counter:
    return Counter(r["path"] for r in fake.request_log() if r["path"].startswith("/repos/"))


@pytest.mark.django_db(transaction=True)
def test_every_repository_of_every_chunk_is_recorded_once(fake_github, small_chunks):
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:150]])
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    finished = scan_run(scan_id=scan.id)
    assert finished.status == Status.COMPLETED and finished.current == finished.total == 150
    recorded = Counter(ScanResult.objects.filter(scan=scan).values_list("repository_id", flat=True))
    assert set(recorded) == {r.id for r in repos} and set(recorded.values()) == {1}
    asked = _repo_requests(fake_github)
    assert sum(asked.values()) >= 150, "each asked once (a move: twice)"
    assert max(asked.values()) <= 2, "each asked once (a move: twice)"


@pytest.mark.django_db(transaction=True)
def test_a_cancel_leaves_the_queued_chunk_unsent(fake_github, small_chunks, settings):
    settings.SCAN_CONCURRENCY = 2
    fake_github.configure(latency_ms=30)
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:150]])
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)

    finished = run_cancelled_after(scan, 30)
    assert finished.status == Status.CANCELLED and 30 <= finished.current < 150
    # scan_run has closed the fetcher: its pool has cancelled what was queued and finished what ran.
    sent = sum(_repo_requests(fake_github).values())
    # What was recorded, what was in flight when the cancel was seen (2 at a time), their moves.
    assert sent <= finished.current + 2 * settings.SCAN_CONCURRENCY + 4, f"{sent} sent, {finished.current} recorded"
