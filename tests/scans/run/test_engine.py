"""The engine (scans/run/engine.py) running a shard in this process against fakegithub over HTTP:
it reads and sends its next chunk while it records the current one, a cancel stops it between
repositories (keeping its results) and leaves the queued chunk unsent, and a shard whose set-up
fails ends failed."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from scans import services
from scans.models import ScanJob, ScanResult
from scans.run.progress import cancel_key
from tests.scans.scanning import repo_requests, run, run_cancelled_after, track

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counts_hold")]  # the kept counts follow
Status = ScanJob.Status


@pytest.mark.django_db(transaction=True)
def test_a_cancel_leaves_the_queued_chunk_unsent(fake_github, small_chunks, settings):
    settings.SCAN_CONCURRENCY = 2
    fake_github.configure(latency_ms=30)
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:150]])
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)

    finished = run_cancelled_after(scan, 30)
    assert finished.status == Status.CANCELLED
    assert 30 <= finished.current < 150
    # scan_run has closed the fetcher: its pool has cancelled what was queued and finished what ran.
    sent = sum(repo_requests(fake_github).values())
    # What was recorded, what was in flight when the cancel was seen (2 at a time), their moves.
    assert sent <= finished.current + 2 * settings.SCAN_CONCURRENCY + 4, f"{sent} sent, {finished.current} recorded"


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_scan_stops_it_between_repositories_and_keeps_results(fake_github, settings):
    settings.SCAN_CONCURRENCY = 2
    fake_github.configure(latency_ms=30)
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:150]])
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)

    finished = run_cancelled_after(scan, 10)

    assert finished.status == Status.CANCELLED
    assert finished.message == "Scan cancelled"
    assert 10 <= finished.current < 150
    assert ScanResult.objects.filter(scan=scan).count() == finished.current
    assert cache.get(cancel_key(scan.id)) is None
    with pytest.raises(services.ScanAlreadyFinished):
        services.scan_cancel(scan=finished)


def test_a_shard_whose_set_up_fails_ends_failed_and_never_stays_running(fake_github, monkeypatch):
    from scans.run import engine

    def broken(scan, client):
        raise RuntimeError("no fetcher today")

    monkeypatch.setattr(engine, "make_fetcher", broken)
    repos = track("acme/setup")
    scan = run(repos)

    assert scan.status == Status.FAILED
    assert scan.error == "RuntimeError: no fetcher today"
    assert list(scan.shards.values_list("status", flat=True)) == [Status.FAILED]
