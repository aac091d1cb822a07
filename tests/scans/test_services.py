"""The scan service in this process against fakegithub over HTTP: rate limits, 401, retries,
cancelling a queued scan, resume and reaping. What each answer means (tests/scans/run/test_apply.py),
what the REST fetcher reads and sends (tests/scans/fetch/test_rest.py), the engine
(tests/scans/run/test_engine.py), the write path (tests/scans/run/test_writer.py) and the progress
payload (tests/scans/run/test_progress.py) have their own files."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta

import django_rq
import pytest
from django.core.cache import cache
from django.utils import timezone

from repositories.models import Repository
from scans import services
from scans.models import ScanJob, ScanResult
from scans.run.engine import scan_run
from scans.run.progress import progress_key
from tests.scans.scanning import RECENT, health_only, run, track

pytestmark = pytest.mark.django_db
Health = Repository.Health
Status = ScanJob.Status


def test_a_primary_rate_limit_is_waited_out_and_nothing_is_sent_before_the_reset(fake_github, settings):
    settings.GITHUB_TOKENS = ["tok-a"]
    settings.SCAN_CONCURRENCY = 2
    fake_github.configure(tokens="tok-a", rate_limit=(5, 2))
    names = [r["full_name"] for r in fake_github.repositories()[:12] if not r.get("flaky")]
    repos = health_only(track(*names))
    messages: list[str] = []
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)

    def watch():
        while True:
            payload = cache.get(progress_key(scan.id)) or {}
            if payload.get("message"):
                messages.append(payload["message"])
            if payload.get("status") in ScanJob.FINISHED:
                return
            time.sleep(0.05)  # sampling the payload as a poller would, until the scan ends

    watcher = threading.Thread(target=watch)
    watcher.start()
    scan = scan_run(scan_id=scan.id)
    watcher.join(30)

    assert scan.status == Status.COMPLETED
    assert scan.current == len(names)
    log = fake_github.request_log()
    refused = [r for r in log if r["status"] == 403]
    sent_ok = [r for r in log if r["status"] != 403 and r["path"].startswith("/repos/")]
    assert len(sent_ok) == len(names)
    assert any(m.startswith("Rate limited by GitHub; resuming at ") for m in messages)
    # The fake's window: 5 requests, then nothing until 2 s after the window's first request.
    # After a refusal (or after the 5th), the next accepted request comes only after the reset.
    windows = [sent_ok[i:i + 5] for i in range(0, len(sent_ok), 5)]
    for earlier, later in itertools.pairwise(windows):
        assert later[0]["time"] - earlier[0]["time"] >= 2.0
    assert len(refused) <= settings.SCAN_CONCURRENCY * len(windows)


def test_a_401_fails_the_scan_at_once_with_a_message_about_the_token(fake_github, settings):
    settings.GITHUB_TOKENS = ["wrong-token"]
    fake_github.configure(tokens="right-token")
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:20]])

    scan = run(repos)

    assert scan.status == Status.FAILED
    assert scan.message == "Health check failed"
    assert "token was rejected" in scan.error
    assert "GITHUB_TOKEN" in scan.error
    assert "wrong-token" not in scan.error
    assert fake_github.stats()["by_endpoint"]["rest_repo"].get("401", 0) <= settings.SCAN_CONCURRENCY


def test_server_errors_are_retried_then_reported_as_errors(fake_github, settings):
    settings.GITHUB_MAX_RETRIES = 2
    fake_github.load_catalog([{"id": 55, "full_name": "acme/wobbly", "pushed_at": RECENT}])
    (repo,) = track("acme/wobbly")
    fake_github.configure(fail_next=2)
    scan = run([repo])
    repo.refresh_from_db()
    assert repo.health == Health.HEALTHY, "two 502s then a 200 is a success after retries"

    checked_at = repo.last_checked_at
    fake_github.configure(fail_next=10)
    scan = run([repo])
    repo.refresh_from_db()
    assert scan.errors == 1
    assert scan.results.get().outcome == Health.ERROR
    assert scan.results.get().detail == "HTTP 502 after 3 tries"
    # A failed check is not news about the repository: what the last good check found stays.
    assert repo.health == Health.HEALTHY
    assert repo.last_checked_at == checked_at
    assert repo.last_check_error == "HTTP 502 after 3 tries"
    assert repo.last_check_failed_at is not None

    fake_github.configure(fail_next=0)
    run([repo])
    repo.refresh_from_db()
    assert repo.last_check_error == "", "a good check clears the failure"
    assert repo.last_check_failed_at is None, "a good check clears the failure"


def test_a_secondary_rate_limit_honours_retry_after(fake_github):
    fake_github.load_catalog([{"id": 56, "full_name": "acme/busy", "pushed_at": RECENT}])
    (repo,) = health_only(track("acme/busy"))
    fake_github.configure(secondary_next=1, secondary_retry_after=1)

    scan = run([repo])

    log = [r for r in fake_github.request_log() if r["path"].startswith("/repos/")]
    assert scan.healthy == 1
    assert [r["status"] for r in log] == [403, 200]
    assert log[1]["time"] - log[0]["time"] >= 1.0


def test_cancelling_a_queued_scan_takes_it_off_the_queue(fake_github):
    repos = track("acme/a", "acme/b")
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    services.scan_cancel(scan=scan)
    assert scan.status == Status.CANCELLED
    assert scan_run(scan_id=scan.id).status == Status.CANCELLED
    assert not ScanResult.objects.filter(scan=scan).exists()


def test_resume_scans_only_what_a_cancelled_scan_did_not_reach(fake_github):
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:6]])
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    ScanJob.objects.filter(id=scan.id).update(status=Status.CANCELLED)
    for repo in repos[:4]:
        ScanResult.objects.create(scan=scan, repository=repo, full_name=repo.full_name, outcome=Health.HEALTHY)

    resumed = services.scan_resume(scan=ScanJob.objects.get(id=scan.id), enqueue=False)

    assert resumed.repository_ids == [r.id for r in repos[4:]]
    assert resumed.resumed_from_id == scan.id
    with pytest.raises(services.ScanError):
        services.scan_resume(scan=resumed)


def test_a_shard_whose_worker_died_is_queued_again_once_then_fails_the_scan(fake_github, settings):
    settings.SCAN_HEARTBEAT_TIMEOUT = 90
    repos = track("acme/a")
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    old = timezone.now() - timedelta(seconds=91)
    ScanJob.objects.filter(id=scan.id).update(status=Status.RUNNING, heartbeat_at=old)
    scan.shards.update(status=Status.RUNNING, heartbeat_at=old, attempts=1)

    assert services.scan_reap_lost() == 1  # the first death: back on the queue
    shard = scan.shards.get()
    assert shard.status == Status.QUEUED
    assert ScanJob.objects.get(id=scan.id).status == Status.RUNNING
    assert django_rq.get_queue("default").fetch_job(shard.job_id) is not None

    scan.shards.update(status=Status.RUNNING, heartbeat_at=old, attempts=2)
    assert services.scan_reap_lost() == 1  # the second: the scan fails, resumable

    scan.refresh_from_db()
    assert scan.status == Status.FAILED
    assert "the worker stopped responding" in scan.error
    assert cache.get(progress_key(scan.id))["status"] == Status.FAILED


def test_scan_start_refuses_more_than_the_limit(settings):
    settings.SCAN_MAX_REPOSITORIES = 3
    with pytest.raises(services.ScanError, match="SCAN_MAX_REPOSITORIES"):
        services.scan_start(repositories=[1, 2, 3, 4], enqueue=False)


def test_graphql_mode_needs_a_token(settings):
    settings.GITHUB_TOKENS = []
    with pytest.raises(services.ScanError, match="GITHUB_TOKEN"):
        services.resolve_mode("graphql")
    assert services.resolve_mode("auto") == "rest"
    settings.GITHUB_TOKENS = ["t"]
    assert services.resolve_mode("auto") == "graphql"
