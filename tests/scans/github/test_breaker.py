"""The breaker (scans/github/breaker.py) in a real scan: GitHub refusing connections opens it, the
scan waits and probes instead of hammering, fails after GITHUB_UNREACHABLE_TIMEOUT, and keeps what
we knew of every repository."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache

from repositories.models import Repository
from scans import services
from scans.models import ScanJob
from scans.run.engine import scan_run
from scans.run.progress import progress_key

Health = Repository.Health
Status = ScanJob.Status
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_github_refusing_connections_trips_the_breaker_and_keeps_what_we_knew(fake_github, settings, owner):
    settings.GITHUB_API_URL = "http://127.0.0.1:9"  # nothing listens: connection refused
    settings.GITHUB_UNREACHABLE_THRESHOLD = 5
    settings.GITHUB_UNREACHABLE_TIMEOUT = 2
    settings.GITHUB_RETRY_BACKOFF_MS = 10
    repos = [Repository.objects.create(imported_name=f"acme/r{i}", full_name=f"acme/r{i}", health=Health.HEALTHY,
                                       stars=10 + i, health_detail="active") for i in range(40)]
    Repository.objects.filter(id__in=[r.id for r in repos]).update(last_checked_at="2026-01-01T00:00:00Z")
    scan = services.scan_start(repositories=[r.id for r in repos], requested_by=owner, enqueue=False)

    seen: list[dict] = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            if (payload := cache.get(progress_key(scan.id))) and payload.get("waiting_reason"):
                seen.append(payload)
            stop.wait(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        done = scan_run(scan_id=scan.id)
    finally:
        stop.set()
        watcher.join()

    assert done.status == Status.FAILED
    assert done.error.startswith("GitHub is unreachable (127.0.0.1:9: connection refused) for more than 2 s")
    assert seen
    assert seen[-1]["waiting_reason"].startswith("GitHub is unreachable (127.0.0.1:9: connection refused)")
    assert seen[-1]["waiting_until"]
    flipped = Repository.objects.filter(id__in=[r.id for r in repos]).exclude(health=Health.HEALTHY)
    assert flipped.count() == 0, "an unreachable GitHub flips no repository's known health"
    assert Repository.objects.filter(id=repos[0].id, stars=10).exists()
    assert done.current < len(repos), "the breaker stops the hammering long before every repository is tried"
    assert services.scan_remaining_ids(done), "what it did not reach is left for a resume"
