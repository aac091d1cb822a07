"""One scan over many workers, one GitHub budget: real RQ worker processes, a real Redis and the
fake GitHub enforcing GitHub's secondary limit per token (with a window of seconds, not a minute,
so the tests stay short)."""

from __future__ import annotations

import django_rq
import pytest
from rq.job import Job

from repositories.health import COUNTERS
from repositories.models import Repository
from scans.models import ScanJob, ScanResult, ScanShard
from tests.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
Status = ScanJob.Status
URL = "/api/bulk/health-check"


def track(fake_github, count: int) -> list[Repository]:
    names = [r["full_name"] for r in fake_github.repositories() if not r.get("flaky")][:count]
    return Repository.objects.bulk_create([Repository(imported_name=n, full_name=n) for n in names])


def start(api, repos) -> str:
    response = api.post(URL, {"repository_ids": [r.id for r in repos]}, format="json")
    assert response.status_code == 202, response.content
    return response.json()["job_id"]


def finished(job_id) -> ScanJob:
    return wait_for(lambda: (s := ScanJob.objects.get(id=job_id)).is_finished and s, timeout=120,
                    message="the scan to finish")


def test_two_workers_share_one_scan_and_one_token_never_above_the_limit(api, fake_github, start_worker, settings):
    # The fake refuses a token's 21st request in any 3 s; the app paces to the same figure.
    fake_github.configure(latency_ms=20, tokens=["only-token"], secondary_rest_per_window=20,
                          secondary_window_seconds=3)
    settings.GITHUB_TOKENS = ["only-token"]
    settings.SCAN_SHARD_SIZE = 25
    pacing = {"GITHUB_REST_POINTS_PER_MINUTE": "20", "GITHUB_PACING_WINDOW_SECONDS": "3"}
    start_worker(**pacing)
    start_worker(**pacing)
    repos = track(fake_github, 100)
    job_id = start(api, repos)

    scan = finished(job_id)

    stats = fake_github.stats()
    assert stats["secondary_answers"] == 0
    assert stats["max_per_window"]["only-token rest"] <= 20
    assert scan.status == Status.COMPLETED
    assert scan.current == scan.total == len(repos)
    assert sum(scan.counts().values()) == len(repos)
    assert ScanResult.objects.filter(scan_id=job_id).count() == len(repos)
    shards = ScanShard.objects.filter(scan_id=job_id)
    assert shards.count() == 4
    assert set(shards.values_list("status", flat=True)) == {Status.COMPLETED}
    connection = django_rq.get_connection("default")
    workers = {Job.fetch(shard.job_id, connection=connection).worker_name for shard in shards}
    assert len(workers) == 2, "both workers took shards of the one scan"


def test_a_cancel_stops_every_shard_and_the_queued_ones_never_run(api, fake_github, start_worker, settings):
    fake_github.configure(latency_ms=100)
    settings.SCAN_SHARD_SIZE = 30
    settings.SCAN_CONCURRENCY = 2
    start_worker()
    repos = track(fake_github, 120)
    job_id = start(api, repos)
    wait_for(lambda: ScanResult.objects.filter(scan_id=job_id).count() >= 5, message="the first shard to be under way")

    assert api.post(f"{URL}/{job_id}/cancel").status_code == 202
    scan = finished(job_id)

    state = (scan.current, list(ScanShard.objects.filter(scan_id=job_id).values("index", "status", "attempts")))
    assert scan.status == Status.CANCELLED, state
    assert scan.current < len(repos), state
    assert ScanResult.objects.filter(scan_id=job_id).count() == scan.current == sum(scan.counts()[c] for c in COUNTERS)
    shards = list(ScanShard.objects.filter(scan_id=job_id).order_by("index").values_list("status", "attempts"))
    assert Status.CANCELLED in {status for status, _ in shards}
    assert set(shards[-1]) == {Status.CANCELLED, 0}, "the last shard was still queued: it never ran"
    assert all(status in (Status.COMPLETED, Status.CANCELLED) for status, _ in shards)
