"""The progress payload (scans/run/progress.py) as a scan publishes it."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from scans import services
from scans.models import ScanJob
from scans.run.progress import progress_key
from tests.scans.scanning import run, track

pytestmark = pytest.mark.django_db


def test_the_progress_counts_always_add_up_to_current(fake_github):
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:40]], "nobody/nothing")
    scan = run(repos)
    payload = cache.get(progress_key(scan.id))
    outcomes = ("healthy", "stale", "archived", "moved", "not_found", "blocked", "errors")
    assert sum(payload[k] for k in outcomes) == payload["current"] == payload["total"] == 41
    assert payload["status"] == ScanJob.Status.COMPLETED and payload["message"] == "Scan complete"
    assert payload["percent"] == 100 and payload["finished_at"]


def test_the_payload_says_a_running_scan_is_being_cancelled(fake_github):
    repos = track("acme/a")
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    ScanJob.objects.filter(id=scan.id).update(status=ScanJob.Status.RUNNING)
    scan.shards.update(status=ScanJob.Status.RUNNING, attempts=1)  # a worker holds its shard
    assert cache.get(progress_key(scan.id))["cancel_requested"] is False

    services.scan_cancel(scan=scan)

    payload = cache.get(progress_key(scan.id))
    assert payload["status"] == ScanJob.Status.RUNNING and payload["cancel_requested"] is True
