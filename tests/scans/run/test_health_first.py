"""Health first, end to end against fakegithub over HTTP: a scan of more than SCAN_HEALTH_FIRST_OVER
repositories asks the lean query (REST: the one request) of every repository in its health pass,
then a metadata pass (a ScanJob of its own) asks the full metadata that is due, at
SCAN_METADATA_BUDGET_SHARE of the rate limit; a smaller scan is one pass, as before. The progress
payload says which pass a scan is and when each is expected to finish."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from repohealth.runtime.times import parse_iso
from repositories.models import Repository
from scans import services
from scans.fetch.graphql import GraphQLFetcher
from scans.models import ScanJob
from scans.run.engine import run_shard, scan_run
from scans.run.progress import progress_key, progress_payload
from tests.conftest import wait_for
from tests.scans.scanning import repo_requests, run

pytestmark = pytest.mark.django_db
Pass, Status, Trigger = ScanJob.Pass, ScanJob.Status, ScanJob.Trigger


@pytest.fixture
def health_first(settings):
    settings.SCAN_HEALTH_FIRST_OVER = 5
    settings.SCAN_METADATA_BUDGET_SHARE = 50
    return settings


@pytest.fixture
def graphql(fake_github, settings):
    settings.GITHUB_TOKENS = ["tok"]
    settings.SCAN_MODE = "graphql"
    fake_github.configure(tokens="tok")
    return fake_github


def tracked(fake, count: int) -> list[Repository]:
    """`count` repositories of the fake that answer, tracked under their current names (no moves:
    a scan then asks nothing but the repositories; none blocked: each has metadata to fetch)."""
    names = [r["full_name"] for r in fake.repositories()
             if not (r["flaky"] or r["private"] or r["block"] or r["disabled"])][:count]
    assert len(names) == count
    return Repository.objects.bulk_create([Repository(imported_name=n, full_name=n) for n in names])


@pytest.fixture
def queries(monkeypatch) -> list[bool]:
    """Whether each GraphQL repository query the scanner sends is the full one, in order."""
    sent: list[bool] = []
    ask = GraphQLFetcher.fetch_query

    def recorded(self, refs, *, full=True):
        sent.append(full)
        return ask(self, refs, full=full)

    monkeypatch.setattr(GraphQLFetcher, "fetch_query", recorded)
    return sent


def metadata_pass_of(health: ScanJob) -> ScanJob:
    return ScanJob.objects.get(health_pass=health)


def test_a_first_scan_over_the_threshold_asks_every_repository_the_lean_query_first(graphql, health_first, queries):
    repos = tracked(graphql, 150)

    health = run(repos)

    follow = metadata_pass_of(health)
    assert (health.scan_pass, health.status, health.current, health.total) == (Pass.HEALTH, Status.COMPLETED, 150, 150)
    assert health.points_spent == 2, "150 repositories, lean: 2 queries of 1 point"
    assert health.metadata_due == 150
    assert queries == [False, False] + [True, True], "every lean query before the first full one"
    assert follow.created_at >= health.finished_at, "the metadata pass starts once every repository has a health"
    assert (follow.scan_pass, follow.trigger, follow.status, follow.budget_share) == (
        Pass.METADATA, Trigger.METADATA_PASS, Status.COMPLETED, 50)
    assert (follow.total, follow.current, follow.points_spent) == (150, 150, 8), "100 and 50 repositories, full"
    assert graphql.stats()["graphql_queries_by_cost"] == {"1": 2, "3": 1, "5": 1}
    assert follow.requested_by_id == health.requested_by_id
    assert follow.mode == health.mode
    assert not Repository.objects.filter(metadata_fetched_at=None).exists()
    assert not Repository.objects.filter(health__in=["unknown", "error"]).exists()
    assert "metadata pass of 150 repositories follows at 50 %" in health.message


def test_the_health_pass_leaves_the_full_metadata_to_the_metadata_pass(graphql, health_first, monkeypatch):
    """Between the passes every repository has a health and none has its full metadata."""
    repos = tracked(graphql, 30)
    seen = {}

    def stop_before_the_metadata_pass(health, *, enqueue=True):
        seen["unknown"] = Repository.objects.filter(health="unknown").count()
        seen["fetched"] = Repository.objects.exclude(metadata_fetched_at=None).count()
        seen["topics"] = Repository.objects.exclude(topics=[]).count()
        return start(health, enqueue=enqueue)

    start = services.metadata_pass_start
    monkeypatch.setattr(services, "metadata_pass_start", stop_before_the_metadata_pass)
    health = run(repos)

    assert seen == {"unknown": 0, "fetched": 0, "topics": 0}
    assert Repository.objects.exclude(topics=[]).exists(), "the metadata pass brought the topics"
    assert metadata_pass_of(health).current == 30


def test_the_metadata_pass_takes_the_oldest_metadata_first_and_skips_what_is_fresh_or_gone(graphql, health_first):
    repos = tracked(graphql, 12)
    now = timezone.now()
    fresh, older, oldest = repos[0], repos[1], repos[2]
    for repo, hours in ((fresh, 1), (older, 30), (oldest, 300)):
        Repository.objects.filter(id=repo.id).update(metadata_fetched_at=now - timedelta(hours=hours))
    gone = Repository.objects.create(imported_name="nobody/was-here", full_name="nobody/was-here")

    health = run([*repos, gone])

    follow = metadata_pass_of(health)
    never = sorted(r.id for r in repos[3:])
    assert follow.repository_ids == never + [oldest.id, older.id]
    assert health.metadata_due == follow.total == 11, "the fresh one was not due; the one gone has none to fetch"
    assert Repository.objects.get(id=gone.id).health == Repository.Health.NOT_FOUND


def test_a_scan_at_the_threshold_is_one_pass_as_before(graphql, health_first, queries):
    health_first.SCAN_HEALTH_FIRST_OVER = 150
    repos = tracked(graphql, 150)

    scan = run(repos)

    assert scan.scan_pass == ""
    assert not ScanJob.objects.filter(health_pass=scan).exists()
    assert queries == [True, True]
    assert graphql.stats()["graphql_queries_by_cost"] == {"3": 1, "5": 1}
    assert scan.points_spent == 8
    assert scan.metadata_due == 150
    assert ScanJob.objects.count() == 1
    payload = progress_payload(scan)
    assert payload["pass"] is None
    assert payload["expected_finish"] == {"health": None, "metadata": None}


def test_a_rescan_within_the_day_has_no_metadata_pass(graphql, health_first):
    repos = tracked(graphql, 20)
    run(repos)
    graphql.reset_stats()

    again = run(repos)

    assert again.scan_pass == Pass.HEALTH
    assert again.metadata_due == 0
    assert not ScanJob.objects.filter(health_pass=again).exists()
    assert graphql.stats()["graphql_queries_by_cost"] == {"1": 1}
    assert again.message == "Health pass complete; no full metadata is left to fetch"
    assert progress_payload(again)["metadata_pass_id"] is None


def test_rest_asks_one_request_a_repository_first_then_the_signals(fake_github, health_first):
    repos = tracked(fake_github, 30)

    health = run(repos)

    follow = metadata_pass_of(health)
    log = [r["path"].split("?")[0] for r in fake_github.request_log()]
    first_signal = next(i for i, path in enumerate(log) if path.count("/") > 3)
    assert set(repo_requests(fake_github).values()) == {2}, "once in each pass"
    assert first_signal >= 30, "no signal before the health pass's requests"
    assert len(set(log[:30])) == 30, "every repository once before the first signal"
    assert health.points_spent == 30
    assert follow.total == follow.current == 30
    assert follow.status == Status.COMPLETED
    assert sum(1 for path in log if path.endswith("/releases/latest")) == 30
    assert not Repository.objects.filter(metadata_fetched_at=None).exists()


def test_the_progress_payload_says_the_pass_and_when_each_is_expected_to_finish(graphql, health_first):
    repos = tracked(graphql, 40)
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    queued = progress_payload(scan)
    assert queued["pass"] == "health"
    assert queued["health_pass_id"] is None
    assert queued["metadata_pass_id"] is None
    assert (queued["budget_share"], queued["points_per_hour"]) == (100, 5000)
    assert queued["expected_finish"]["health"] is None, "no pace yet, and 1 point fits this hour"
    # The metadata pass from now: 40 repositories, all due before the first answer, at 2,500 an hour.
    assert parse_iso(queued["expected_finish"]["metadata"]) - parse_iso(queued["updated_at"]) == timedelta(
        hours=2 / 2500)

    ScanJob.objects.filter(id=scan.id).update(status=Status.RUNNING, started_at=timezone.now() - timedelta(seconds=10),
                                              current=20, metadata_due=20)
    scan.refresh_from_db()
    now = timezone.now()
    rate_limit = {"remaining": 4000, "limit": 5000, "reset_at": (now + timedelta(minutes=30)).isoformat()}
    running = progress_payload(scan, rate_limit=rate_limit, now=now)
    health_end = parse_iso(running["expected_finish"]["health"])
    metadata_end = parse_iso(running["expected_finish"]["metadata"])
    assert health_end == now + timedelta(seconds=running["eta_seconds"]), "1 point: its pace, not the budget"
    # 40 repositories due (20 of 20 so far): 2 points of the full query at half of 5,000 an hour.
    assert metadata_end - health_end == timedelta(hours=2 / 2500)

    run_payload = progress_payload(ScanJob.objects.get(id=scan_run(scan_id=scan.id).id))
    follow = metadata_pass_of(scan)
    assert run_payload["metadata_pass_id"] == str(follow.id)
    assert run_payload["expected_finish"]["health"] is None
    assert run_payload["expected_finish"]["metadata"] is not None
    after = progress_payload(follow)
    assert (after["pass"], after["health_pass_id"], after["budget_share"]) == ("metadata", str(scan.id), 50)
    assert after["expected_finish"] == {"health": None, "metadata": None}, "both passes are over"


def test_the_budget_a_long_health_pass_needs_moves_its_expected_finish_past_the_reset(graphql, health_first):
    health_first.SCAN_GRAPHQL_BATCH = 1  # a point a repository, so 40 repositories need 40 points
    repos = tracked(graphql, 40)
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    ScanJob.objects.filter(id=scan.id).update(status=Status.RUNNING, started_at=timezone.now())
    scan.refresh_from_db()
    now = timezone.now()
    reset = now + timedelta(minutes=20)
    rate_limit = {"remaining": 10, "limit": 30, "reset_at": reset.isoformat()}

    payload = progress_payload(scan, rate_limit=rate_limit, now=now)

    # 10 points now, then 30 an hour after the reset: the other 30 take the hour after it.
    assert parse_iso(payload["expected_finish"]["health"]) == reset + timedelta(hours=1)
    assert payload["points_per_hour"] == 30


def test_the_metadata_pass_keeps_to_its_share_and_can_be_cancelled(graphql, health_first, transactional_db):
    """20 repositories a query, a point each; a limit of 10 points: the health pass spends 3, the
    metadata pass may spend down to half the limit (2 queries), then waits for its share. (Committed
    rows: the cancel comes from another thread, as from another process.)"""
    health_first.SCAN_GRAPHQL_BATCH = 20
    health_first.SCAN_CONCURRENCY = 1
    graphql.configure(graphql_rate_limit=(10, 60))
    graphql.reset()
    repos = tracked(graphql, 60)
    health = services.scan_start(repositories=[r.id for r in repos], enqueue=False)

    def cancel_when_it_waits():
        payload = wait_for(lambda: (p := cache.get(progress_key(health.id))) and p.get("metadata_pass_id") and p,
                           message="the metadata pass")
        follow_id = payload["metadata_pass_id"]
        waiting = wait_for(lambda: (p := cache.get(progress_key(follow_id))) and "share" in (
            p.get("waiting_reason") or "") and p, message="the metadata pass to wait for its share")
        seen["waiting"] = waiting
        services.scan_cancel(scan=ScanJob.objects.get(id=follow_id))

    seen = {}
    canceller = threading.Thread(target=cancel_when_it_waits)
    canceller.start()
    scan_run(scan_id=health.id)
    canceller.join()

    health.refresh_from_db()
    follow = metadata_pass_of(health)
    assert (health.status, health.points_spent) == (Status.COMPLETED, 3)
    assert (follow.status, follow.current, follow.points_spent) == (Status.CANCELLED, 40, 2)
    assert graphql.stats()["points_spent"]["graphql"] == 5, "half the limit left: the metadata pass's share kept"
    assert seen["waiting"]["pass"] == "metadata"
    assert seen["waiting"]["status"] == Status.RUNNING
    assert parse_iso(seen["waiting"]["expected_finish"]["metadata"]) > timezone.now()
    resumed = services.scan_resume(scan=follow, enqueue=False)
    assert (resumed.scan_pass, resumed.health_pass_id, resumed.budget_share, resumed.total) == (
        Pass.METADATA, health.id, 50, 20)


def test_a_metadata_pass_leaves_what_a_live_metadata_pass_will_fetch(graphql, health_first):
    """A schedule's next health pass may end while the last one's metadata pass still runs."""
    repos = tracked(graphql, 20)
    first = services.scan_start(repositories=[r.id for r in repos[:12]], enqueue=False)
    run_shard(scan_id=first.id, enqueue_metadata_pass=False)  # its metadata pass stays queued
    second = run(repos)

    assert metadata_pass_of(first).status == Status.QUEUED
    assert metadata_pass_of(second).repository_ids == sorted(r.id for r in repos[12:])


def test_a_cancelled_health_pass_has_no_metadata_pass(graphql, health_first):
    repos = tracked(graphql, 20)
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    services.scan_cancel(scan=scan)

    assert scan_run(scan_id=scan.id).status == Status.CANCELLED
    assert not ScanJob.objects.filter(health_pass=scan).exists()


def test_the_scan_pages_say_which_pass_and_link_the_other(graphql, health_first, client, owner):
    client.force_login(owner)
    repos = tracked(graphql, 12)
    health = services.scan_start(repositories=[r.id for r in repos], requested_by=owner, enqueue=False)
    ScanJob.objects.filter(id=health.id).update(status=Status.RUNNING, started_at=timezone.now(), current=6,
                                                metadata_due=6)
    cache.clear()  # the panel reads the row
    running = client.get(f"/scans/{health.id}/panel", headers={"HX-Request": "true"}).content.decode()
    assert "Health pass of 12 repositories" in running
    assert "<strong>Metadata pass</strong>:" in running
    assert "(6 so far)" in running
    assert "expected to finish" in running

    ScanJob.objects.filter(id=health.id).update(status=Status.QUEUED, current=0, metadata_due=0)
    scan_run(scan_id=health.id)
    follow = metadata_pass_of(health)
    cache.clear()  # the pages read the rows
    health_page = client.get(f"/scans/{health.id}/").content.decode()
    follow_page = client.get(f"/scans/{follow.id}/").content.decode()

    assert f'href="/scans/{follow.id}/"' in health_page
    assert "started at its end</a>, for the full metadata of 12 repositories" in health_page
    assert "<h1>Metadata pass of 12 repositories</h1>" in follow_page
    assert f'after the <a href="/scans/{health.id}/">health pass</a>' in follow_page
    assert "at 50 % of the rate limit (2,500 points an hour)" in follow_page
    assert "the end of its health pass" in follow_page
