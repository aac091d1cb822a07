"""The scan service in this process against fakegithub over HTTP: every answer in
docs/github.md, ETags, rate limits, 401, cancellation, resume and reaping."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from repositories.models import Repository
from scans import services
from scans.models import ScanJob, ScanResult
from scans.progress import cancel_key, progress_key

pytestmark = pytest.mark.django_db

RECENT = (timezone.now() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
OLD = (timezone.now() - timedelta(days=900)).strftime("%Y-%m-%dT%H:%M:%SZ")

TABLE = [
    # name in the list, fake catalog entry, expected health, expected detail fragment
    ("acme/alive", {"id": 9001, "full_name": "acme/alive", "pushed_at": RECENT, "stars": 42}, "healthy", "active"),
    ("acme/sleepy", {"id": 9002, "full_name": "acme/sleepy", "pushed_at": OLD}, "stale", "no push for"),
    ("acme/frozen", {"id": 9003, "full_name": "acme/frozen", "pushed_at": RECENT, "archived": True},
     "archived", "archived on GitHub"),
    ("acme/off", {"id": 9004, "full_name": "acme/off", "pushed_at": RECENT, "disabled": True},
     "blocked", "disabled by GitHub"),
    ("acme/old-name", {"id": 9005, "full_name": "acme/new-name", "pushed_at": RECENT,
                       "previous_names": ["acme/old-name"]}, "moved", "renamed to acme/new-name"),
    ("gone/away", None, "not_found", "not found on GitHub"),
    ("acme/dmca", {"id": 9007, "full_name": "acme/dmca", "block": "dmca"}, "blocked", "DMCA takedown"),
    ("acme/tos", {"id": 9008, "full_name": "acme/tos", "block": "tos"}, "blocked", "terms of service"),
    ("acme/archived-and-moved", {"id": 9009, "full_name": "beta/archived-and-moved", "pushed_at": OLD,
                                 "archived": True, "previous_names": ["acme/archived-and-moved"]},
     "archived", "archived"),
]


def track(*names: str) -> list[Repository]:
    return [Repository.objects.create(imported_name=n, full_name=n) for n in names]


def run(repos, **kwargs) -> ScanJob:
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False, **kwargs)
    return services.scan_run(scan_id=scan.id)


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
    counter = {"healthy": "healthy", "stale": "stale", "archived": "archived", "blocked": "blocked",
               "moved": "moved", "not_found": "not_found"}[health]
    assert getattr(scan, counter) == 1


def test_it_syncs_every_metadata_field_from_a_200(fake_github):
    fake_github.load_catalog([{
        "id": 777, "full_name": "Meta/Data", "description": "A <b>repo</b>", "homepage": "https://meta.example",
        "language": "Rust", "topics": ["cli", "fast"], "license": "MIT", "stars": 1234, "forks": 56,
        "open_issues": 7, "watchers": 89, "default_branch": "trunk", "fork": True, "pushed_at": RECENT,
        "created_at": "2015-05-05T05:05:05Z",
    }])
    (repo,) = track("meta/data")

    run([repo])

    repo.refresh_from_db()
    assert (repo.full_name, repo.github_id, repo.description, repo.homepage) == (
        "Meta/Data", 777, "A <b>repo</b>", "https://meta.example")
    assert (repo.language, repo.topics, repo.license, repo.default_branch) == ("Rust", ["cli", "fast"], "MIT", "trunk")
    assert (repo.stars, repo.forks, repo.open_issues, repo.watchers) == (1234, 56, 7, 89)
    assert repo.fork is True and repo.archived is False and repo.disabled is False
    assert repo.node_id and repo.html_url == "https://github.com/Meta/Data"
    assert repo.created_at_github.year == 2015 and repo.pushed_at is not None
    assert repo.etag.startswith('W/"') and repo.last_checked_at is not None
    assert repo.health == "healthy", "a change of letter case is not a move"


def test_it_marks_a_renamed_repository_as_moved_until_the_new_name_is_accepted(fake_github):
    fake_github.load_catalog([{"id": 31, "full_name": "new-owner/tool", "pushed_at": RECENT,
                               "previous_names": ["old-owner/tool"]}])
    (repo,) = track("old-owner/tool")

    run([repo])
    repo.refresh_from_db()
    assert repo.health == "moved" and repo.health_detail == "transferred to new-owner/tool"
    assert repo.full_name == "new-owner/tool" and repo.previous_names == ["old-owner/tool"]
    assert repo.imported_name == "old-owner/tool"

    run([repo])  # a second scan asks by the new name and still says moved
    repo.refresh_from_db()
    assert repo.health == "moved"

    from repositories.services import repository_accept_name

    repository_accept_name(repository=repo)
    repo.refresh_from_db()
    assert repo.health == "healthy" and repo.imported_name == "new-owner/tool"


def test_a_rename_onto_a_name_already_tracked_keeps_both_rows(fake_github):
    fake_github.load_catalog([{"id": 32, "full_name": "acme/target", "pushed_at": RECENT,
                               "previous_names": ["acme/source"]}])
    source, target = track("acme/source", "acme/target")

    run([source, target])

    source.refresh_from_db()
    assert source.full_name == "acme/source"
    assert source.health == "moved" and "tracked separately" in source.health_detail


def test_a_rescan_sends_etags_and_gets_304s_that_spend_no_rate_limit(fake_github, settings):
    settings.GITHUB_TOKENS = ["tok-a"]
    fake_github.configure(tokens="tok-a")
    names = [r["full_name"] for r in fake_github.repositories()[:30] if not r.get("block")
             and not r.get("flaky") and not r.get("previous_names")]
    repos = track(*names)
    first = run(repos)
    assert first.status == "completed"
    fake_github.reset_stats()

    second = run(repos)

    stats = fake_github.stats()
    assert second.status == "completed"
    assert stats["by_endpoint"]["rest_repo"] == {"304": len(names)}
    assert stats["points_spent"]["core"] == 0
    assert second.counts() == first.counts()


def test_a_primary_rate_limit_is_waited_out_and_nothing_is_sent_before_the_reset(fake_github, settings):
    settings.GITHUB_TOKENS = ["tok-a"]
    settings.SCAN_CONCURRENCY = 2
    fake_github.configure(tokens="tok-a", rate_limit=(5, 2))
    names = [r["full_name"] for r in fake_github.repositories()[:12] if not r.get("flaky")]
    repos = track(*names)
    messages: list[str] = []
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)

    def watch():
        while True:
            payload = cache.get(progress_key(scan.id)) or {}
            if payload.get("message"):
                messages.append(payload["message"])
            if payload.get("status") in ("completed", "failed", "cancelled"):
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    scan = services.scan_run(scan_id=scan.id)
    watcher.join(30)

    assert scan.status == "completed" and scan.current == len(names)
    log = fake_github.request_log()
    refused = [r for r in log if r["status"] == 403]
    sent_ok = [r for r in log if r["status"] != 403 and r["path"].startswith("/repos/")]
    assert len(sent_ok) == len(names)
    assert any(m.startswith("Rate limited by GitHub; resuming at ") for m in messages)
    # The fake's window: 5 requests, then nothing until 2 s after the window's first request.
    # After a refusal (or after the 5th), the next accepted request comes only after the reset.
    windows = [sent_ok[i:i + 5] for i in range(0, len(sent_ok), 5)]
    for earlier, later in zip(windows, windows[1:]):
        assert later[0]["time"] - earlier[0]["time"] >= 2.0
    assert len(refused) <= settings.SCAN_CONCURRENCY * len(windows)


def test_a_401_fails_the_scan_at_once_with_a_message_about_the_token(fake_github, settings):
    settings.GITHUB_TOKENS = ["wrong-token"]
    fake_github.configure(tokens="right-token")
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:20]])

    scan = run(repos)

    assert scan.status == "failed" and scan.message == "Health check failed"
    assert "token was rejected" in scan.error and "GITHUB_TOKEN" in scan.error
    assert "wrong-token" not in scan.error
    assert fake_github.stats()["by_endpoint"]["rest_repo"].get("401", 0) <= settings.SCAN_CONCURRENCY


def test_server_errors_are_retried_then_reported_as_errors(fake_github, settings):
    settings.GITHUB_MAX_RETRIES = 2
    fake_github.load_catalog([{"id": 55, "full_name": "acme/wobbly", "pushed_at": RECENT}])
    (repo,) = track("acme/wobbly")
    fake_github.configure(fail_next=2)
    scan = run([repo])
    repo.refresh_from_db()
    assert repo.health == "healthy", "two 502s then a 200 is a success after retries"

    fake_github.configure(fail_next=10)
    scan = run([repo])
    repo.refresh_from_db()
    assert scan.errors == 1 and repo.health == "error"
    assert repo.health_detail == "HTTP 502 after 3 tries"


def test_a_secondary_rate_limit_honours_retry_after(fake_github):
    fake_github.load_catalog([{"id": 56, "full_name": "acme/busy", "pushed_at": RECENT}])
    (repo,) = track("acme/busy")
    fake_github.configure(secondary_next=1, secondary_retry_after=1)

    scan = run([repo])

    log = [r for r in fake_github.request_log() if r["path"].startswith("/repos/")]
    assert scan.healthy == 1
    assert [r["status"] for r in log] == [403, 200]
    assert log[1]["time"] - log[0]["time"] >= 1.0


def test_the_progress_counts_always_add_up_to_current(fake_github):
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:40]], "nobody/nothing")
    scan = run(repos)
    payload = cache.get(progress_key(scan.id))
    outcomes = ("healthy", "stale", "archived", "moved", "not_found", "blocked", "errors")
    assert sum(payload[k] for k in outcomes) == payload["current"] == payload["total"] == 41
    assert payload["status"] == "completed" and payload["message"] == "Scan complete"
    assert payload["percent"] == 100 and payload["finished_at"]


def test_cancelling_a_queued_scan_takes_it_off_the_queue(fake_github):
    repos = track("acme/a", "acme/b")
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    services.scan_cancel(scan=scan)
    assert scan.status == "cancelled"
    assert services.scan_run(scan_id=scan.id).status == "cancelled"
    assert not ScanResult.objects.filter(scan=scan).exists()


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_scan_stops_it_between_repositories_and_keeps_results(fake_github, settings):
    settings.SCAN_CONCURRENCY = 2
    fake_github.configure(latency_ms=30)
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:150]])
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)

    def cancel_soon():
        while (cache.get(progress_key(scan.id)) or {}).get("current", 0) < 10:
            time.sleep(0.02)
        services.scan_cancel(scan=ScanJob.objects.get(id=scan.id))

    canceller = threading.Thread(target=cancel_soon)
    canceller.start()
    finished = services.scan_run(scan_id=scan.id)
    canceller.join()

    assert finished.status == "cancelled" and finished.message == "Scan cancelled"
    assert 10 <= finished.current < 150
    assert ScanResult.objects.filter(scan=scan).count() == finished.current
    assert cache.get(cancel_key(scan.id)) is None
    with pytest.raises(services.ScanAlreadyFinished):
        services.scan_cancel(scan=finished)


def test_the_payload_says_a_running_scan_is_being_cancelled(fake_github):
    repos = track("acme/a")
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    ScanJob.objects.filter(id=scan.id).update(status="running")
    assert cache.get(progress_key(scan.id))["cancel_requested"] is False

    services.scan_cancel(scan=scan)

    payload = cache.get(progress_key(scan.id))
    assert payload["status"] == "running" and payload["cancel_requested"] is True


def test_resume_scans_only_what_a_cancelled_scan_did_not_reach(fake_github):
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:6]])
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    ScanJob.objects.filter(id=scan.id).update(status="cancelled")
    for repo in repos[:4]:
        ScanResult.objects.create(scan=scan, repository=repo, full_name=repo.full_name, outcome="healthy")

    resumed = services.scan_resume(scan=ScanJob.objects.get(id=scan.id), enqueue=False)

    assert resumed.repository_ids == [r.id for r in repos[4:]] and resumed.resumed_from_id == scan.id
    with pytest.raises(services.ScanError):
        services.scan_resume(scan=resumed)


def test_a_scan_whose_heartbeat_stopped_is_reaped_as_failed(fake_github, settings):
    settings.SCAN_HEARTBEAT_TIMEOUT = 90
    repos = track("acme/a")
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    ScanJob.objects.filter(id=scan.id).update(status="running", heartbeat_at=timezone.now() - timedelta(seconds=91))

    assert services.scan_reap_stale() == 1

    scan.refresh_from_db()
    assert scan.status == "failed" and "the worker stopped responding" in scan.error
    assert cache.get(progress_key(scan.id))["status"] == "failed"


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
