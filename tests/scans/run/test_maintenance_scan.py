"""The maintenance verdict as real scans leave it, over HTTP against fakegithub, in both modes:
the signals each mode asks and what they cost, the verdict and its reasons, `stale` as the verdict
`inactive`, an override that scans never clear, and each transition told once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from repositories.models import Repository, RepositoryChange
from repositories.services import repository_set_maintenance
from scans import services
from scans.github.client import GitHubClient
from scans.github.errors import TransientFailure
from scans.models import ScanJob
from scans.run.engine import scan_run
from tests.counting import recounted
from tests.scans.scanning import run, run_cancelled_after, track

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counts_hold")]  # the kept counts follow
Health, Verdict = Repository.Health, Repository.Maintenance
Event = RepositoryChange.Event
NOW = timezone.now()


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


# One of each situation the verdict tells apart, as the fake's catalog keys say it.
SPREAD = [
    {"full_name": "acme/busy", "commit_dates": [ago(d) for d in (1, 30, 60, 90, 120, 150, 200)], "commit_count": 90},
    {"full_name": "acme/calm", "commit_dates": [ago(400)], "commit_count": 12},
    {"full_name": "acme/asleep", "pushed_at": ago(1000), "commit_dates": [ago(1000)], "commit_count": 40},
    # Pushed two days ago, but to another branch: the default branch has nothing for years.
    {"full_name": "acme/branchy", "pushed_at": ago(2), "commit_dates": [ago(900)], "commit_count": 8},
    # Finished code, released this year: a release alone makes it active.
    {"full_name": "acme/released", "pushed_at": ago(900), "commit_dates": [ago(900)], "commit_count": 3,
     "releases": [{"tag": "v2.0.0", "published_at": ago(100)}, {"tag": "v1.0.0", "published_at": ago(800)}]},
    {"full_name": "acme/old-lib", "description": "DEPRECATED: use acme/new-lib instead",
     "commit_dates": [ago(10)], "commit_count": 30},
    {"full_name": "acme/new-lib", "commit_dates": [ago(d) for d in range(1, 8)], "commit_count": 7},
    {"full_name": "acme/frozen", "archived": True, "homepage": "https://github.com/acme/new-lib",
     "commit_dates": [ago(500)], "commit_count": 4},
    {"full_name": "acme/empty", "commit_dates": [], "commit_count": 0},
]
EXPECTED = {
    "acme/busy": (Verdict.ACTIVE, Health.HEALTHY),
    "acme/calm": (Verdict.QUIET, Health.HEALTHY),
    "acme/asleep": (Verdict.INACTIVE, Health.STALE),
    "acme/branchy": (Verdict.INACTIVE, Health.STALE),
    "acme/released": (Verdict.ACTIVE, Health.HEALTHY),
    "acme/old-lib": (Verdict.DEPRECATED, Health.HEALTHY),
    "acme/new-lib": (Verdict.ACTIVE, Health.HEALTHY),
    "acme/frozen": (Verdict.DEPRECATED, Health.ARCHIVED),
    "acme/empty": (Verdict.INACTIVE, Health.STALE),
}
SIGNALS = ("maintenance", "maintenance_reasons", "last_commit_at", "commits_last_year", "last_release_at",
           "last_release_tag", "declared", "successor", "health", "health_detail")


@pytest.fixture(autouse=True)
def token(fake_github, settings):
    """GraphQL needs a token; REST then asks with it too."""
    settings.GITHUB_TOKENS = ["tok-a"]
    fake_github.configure(tokens="tok-a")


@pytest.fixture
def spread(fake_github):
    fake_github.load_catalog([{"id": 500 + i, "stars": 1, **entry} for i, entry in enumerate(SPREAD)], replace=True)
    return track(*(entry["full_name"] for entry in SPREAD))


def verdicts() -> dict[str, tuple[str, str]]:
    return {r.full_name: (r.maintenance, r.health) for r in Repository.objects.all()}


def signals() -> dict[str, tuple]:
    return {r.full_name: tuple(getattr(r, name) for name in SIGNALS) for r in Repository.objects.order_by("id")}


@pytest.mark.parametrize("mode", ["rest", "graphql"])
def test_a_scan_gives_each_situation_its_verdict_and_stale_is_exactly_inactive(spread, mode):
    run(spread, mode=mode)

    assert verdicts() == EXPECTED
    old = Repository.objects.get(full_name="acme/old-lib")
    assert (old.declared, old.successor) == ("DEPRECATED", "acme/new-lib")
    assert Repository.objects.get(full_name="acme/frozen").successor == "acme/new-lib"
    released = Repository.objects.get(full_name="acme/released")
    assert (released.last_release_tag, released.commits_last_year) == ("v2.0.0", 0)
    assert {"signal": "last_release_at", "value": ago(100)[:10],
            "text": f"last release v2.0.0 on {ago(100)[:10]}"} in released.maintenance_reasons
    asleep = Repository.objects.get(full_name="acme/asleep")
    assert asleep.health_detail.startswith(f"inactive: no commit on main since {ago(1000)[:10]} (2 years")


def test_both_modes_give_the_same_signals_verdicts_and_reasons(spread):
    run(spread, mode="rest")
    by_rest = signals()
    Repository.objects.update(maintenance=Verdict.UNKNOWN, maintenance_reasons=[], last_commit_at=None,
                              commits_last_year=None, last_release_at=None, last_release_tag="",
                              metadata_fetched_at=None)
    recounted()

    run(spread, mode="graphql")

    assert signals() == by_rest


def test_rest_asks_the_three_signal_requests_only_when_the_full_metadata_is_due(spread, fake_github):
    def paths_per_repository() -> Counter:
        log = [r["path"].split("?")[0] for r in fake_github.request_log() if r["path"].startswith("/repos/")]
        return Counter("/".join(path.split("/")[4:]) or "repository" for path in log)

    run(spread, mode="rest")
    first = paths_per_repository()
    fake_github.reset()
    run(spread, mode="rest")  # within SCAN_FULL_METADATA_HOURS: nothing is due

    repos = len(SPREAD)
    assert first == {"repository": repos, "commits": 2 * repos - 1, "releases/latest": repos}  # empty: no count
    assert paths_per_repository() == {"repository": repos}


def test_a_lean_rescan_refreshes_the_newest_commit_and_keeps_the_counts(spread, fake_github):
    run(spread, mode="graphql")
    fake_github.patch_repo("acme/asleep", commit_dates=[ago(1), ago(1000)], commit_count=41, pushed_at=ago(1))

    scan = run(spread, mode="graphql")

    asleep = Repository.objects.get(full_name="acme/asleep")
    assert (asleep.maintenance, asleep.health) == (Verdict.QUIET, Health.HEALTHY)
    assert asleep.last_commit_at.strftime("%Y-%m-%dT%H:%M:%SZ") == ago(1)
    assert asleep.commits_last_year == 0  # the count waits for the full query
    assert ScanJob.objects.get(id=scan.id).points_spent == 1  # one lean query
    rows = set(RepositoryChange.objects.filter(full_name="acme/asleep").values_list("field", "new", "event"))
    assert rows == {("maintenance", Verdict.QUIET, Event.MAINTAINED_AGAIN), ("health", Health.HEALTHY, "")}


def test_a_failed_signal_request_is_no_failed_check_and_the_signals_stay_due(spread, monkeypatch):
    def unreachable(self, full_name, *, etag=None):
        raise TransientFailure("HTTP 502 after 3 tries")

    monkeypatch.setattr(GitHubClient, "get_latest_release", unreachable)
    scan = run(spread, mode="rest")

    assert ScanJob.objects.get(id=scan.id).errors == 0
    assert set(Repository.objects.values_list("metadata_fetched_at", flat=True)) == {None}  # due again
    assert Repository.objects.get(full_name="acme/frozen").health == Health.ARCHIVED
    assert Repository.objects.exclude(last_check_error="").count() == 0


@pytest.mark.django_db(transaction=True)  # the cancel comes from another thread
def test_an_override_survives_a_rescan_and_a_resume_and_clearing_it_brings_the_signals_back(
        fake_github, small_chunks, settings):
    fake_github.load_catalog([{"id": 900 + i, "full_name": f"acme/r{i}", "pushed_at": ago(1000),
                               "commit_dates": [ago(1000)], "commit_count": 5} for i in range(60)], replace=True)
    repos = track(*(f"acme/r{i}" for i in range(60)))
    run(repos)
    settings.SCAN_CONCURRENCY = 2
    # Slow enough for the cancel to land mid-scan; few enough repositories that the four scans stay
    # within the REST requests a minute the client paces itself to (the first one asks 4 each).
    fake_github.configure(latency_ms=30)
    target = Repository.objects.get(full_name="acme/r59")
    assert (target.maintenance, target.health) == (Verdict.INACTIVE, Health.STALE)
    repository_set_maintenance(repository=target, override="finished", note="feature complete")

    run(repos)
    cancelled = run_cancelled_after(services.scan_start(repositories=[r.id for r in repos], enqueue=False), 10)
    resumed = scan_run(scan_id=services.scan_resume(scan=cancelled, enqueue=False).id)

    assert resumed.status == ScanJob.Status.COMPLETED
    target.refresh_from_db()
    assert (target.maintenance, target.health, target.maintenance_override) == (Verdict.FINISHED, Health.HEALTHY,
                                                                                "finished")
    assert target.maintenance_reasons == [{"signal": "override", "value": "finished",
                                           "text": "marked finished: 'feature complete'"}]
    repository_set_maintenance(repository=target, override=None)
    target.refresh_from_db()
    assert (target.maintenance, target.health) == (Verdict.INACTIVE, Health.STALE)


def test_active_then_inactive_then_finished_by_a_person_is_one_inactive_event(fake_github):
    fake_github.load_catalog([{"id": 7, "full_name": "acme/tool", "commit_dates": [ago(d) for d in range(1, 9)],
                               "commit_count": 8}], replace=True)
    repos = track("acme/tool")
    run(repos)
    fake_github.patch_repo("acme/tool", commit_dates=[ago(800)], commit_count=8, pushed_at=ago(800))
    run(repos, full=True)
    repository_set_maintenance(repository=Repository.objects.get(), override="finished", note="done")
    run(repos, full=True)

    told = [e for e in RepositoryChange.objects.order_by("id").values_list("event", flat=True) if e]
    assert told == [Event.INACTIVE]
    assert Repository.objects.get().maintenance == Verdict.FINISHED


def test_an_archival_is_told_once(fake_github):
    fake_github.load_catalog([{"id": 8, "full_name": "acme/lib", "commit_dates": [ago(2)], "commit_count": 9}],
                             replace=True)
    repos = track("acme/lib")
    run(repos)
    fake_github.patch_repo("acme/lib", archived=True)

    run(repos)

    rows = set(RepositoryChange.objects.values_list("field", "new", "event"))
    assert ("health", "archived", Event.ARCHIVED) in rows
    assert ("maintenance", Verdict.DEPRECATED, "") in rows  # the history keeps it; the archival tells it
    assert [e for _, _, e in rows if e] == [Event.ARCHIVED]
