"""Faults with real processes: Redis killed mid-scan, the queue away when a scan starts, a scan
resumed twice (GitHub refusing connections: tests/scans/github/test_breaker.py). Each test brings
its own Redis (its victim) and its own worker; timeouts are shortened by settings so the suite
stays short."""

from __future__ import annotations

import pytest

from repositories.models import Repository
from scans import services
from scans.models import ScanJob, ScanResult
from tests.conftest import wait_for

Health = Repository.Health
Status = ScanJob.Status
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
URL = "/api/bulk/health-check"


def track(fake_github, count: int) -> list[Repository]:
    names = [r["full_name"] for r in fake_github.repositories() if not r.get("flaky")][:count]
    return Repository.objects.bulk_create([Repository(imported_name=n, full_name=n) for n in names])


def progress(api, job_id) -> dict:
    response = api.get(f"{URL}/{job_id}/progress")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_scan_survives_redis_being_killed_and_coming_back(api, client, owner, fake_github, on_victim_redis,
                                                            start_worker, settings):
    fake_github.configure(latency_ms=100)
    settings.SCAN_CONCURRENCY = 2  # 150 repositories at 2 in flight: about 8 s, so Redis dies mid-scan
    repos = track(fake_github, 150)
    start_worker(REDIS_OUTAGE_TIMEOUT="60")
    response = api.post(URL, {"repository_ids": [r.id for r in repos]}, format="json")
    assert response.status_code == 202, response.content
    job_id = response.json()["job_id"]
    wait_for(lambda: ScanResult.objects.filter(scan_id=job_id).count() >= 5, message="the scan to be under way")

    on_victim_redis.kill()
    assert progress(api, job_id)["status"] == Status.RUNNING  # from the row: 200, never 5xx
    client.force_login(owner)
    for page in ("/", "/scans/", f"/scans/{job_id}/", f"/scans/{job_id}/panel"):
        assert client.get(page).status_code == 200, page
    waiting = wait_for(lambda: "Redis is unavailable" in ScanJob.objects.get(id=job_id).message, timeout=30,
                       message="the scan to say it waits for Redis")
    assert waiting
    checked_while_away = ScanJob.objects.get(id=job_id).current

    on_victim_redis.start()  # back, empty: the cache key and the queue are gone, the row is not
    finished = wait_for(lambda: (s := ScanJob.objects.get(id=job_id)).is_finished and s, timeout=90,
                        message="the scan to finish once Redis is back")
    assert finished.status == Status.COMPLETED, finished.error
    assert finished.current == finished.total == len(repos) >= checked_while_away
    assert ScanResult.objects.filter(scan_id=job_id).count() == finished.current
    assert not ScanJob.objects.filter(status=Status.QUEUED).exists()


def test_starting_a_scan_while_the_queue_is_away_answers_503_and_saves_nothing(api, fake_github, on_victim_redis):
    repos = track(fake_github, 3)
    on_victim_redis.kill()

    response = api.post(URL, {"repository_ids": [r.id for r in repos]}, format="json")

    assert response.status_code == 503
    assert "queue" in response.json()["detail"]
    assert not ScanJob.objects.exists()
    imported = api.post("/api/repositories/import", {"text": "acme/new-one\n"}, format="json")
    assert imported.status_code == 503, imported.content
    assert not Repository.objects.filter(full_name="acme/new-one").exists()


def test_a_queued_scan_whose_job_is_gone_is_failed_by_upkeep(api, fake_github, on_victim_redis, settings):
    settings.SCAN_UNQUEUED_TIMEOUT = 1
    repos = track(fake_github, 2)
    job_id = api.post(URL, {"repository_ids": [r.id for r in repos]}, format="json").json()["job_id"]
    on_victim_redis.kill()
    on_victim_redis.start()  # an empty Redis: the job was lost
    ScanJob.objects.filter(id=job_id).update(created_at=ScanJob.objects.get(id=job_id).created_at.replace(year=2020))

    assert services.scan_fail_unqueued() == 1

    scan = ScanJob.objects.get(id=job_id)
    assert scan.status == Status.FAILED
    assert "never reached the queue" in scan.error


def test_a_scan_is_resumed_at_most_once(api, client, owner, fake_github):
    repos = track(fake_github, 3)
    scan = services.scan_start(repositories=[r.id for r in repos], requested_by=owner, enqueue=False)
    ScanJob.objects.filter(id=scan.id).update(status=Status.FAILED, error="the worker stopped responding")

    first = api.post(f"/api/scans/{scan.id}/resume")
    second = api.post(f"/api/scans/{scan.id}/resume")

    assert first.status_code == 202
    assert second.status_code == 409
    assert second.json()["resumed_by"] == first.json()["job_id"]
    assert ScanJob.objects.filter(resumed_from=scan).count() == 1
    client.force_login(owner)
    page = client.post(f"/scans/{scan.id}/resume")
    assert page.status_code == 302
    assert page["Location"] == f"/scans/{first.json()['job_id']}/"
