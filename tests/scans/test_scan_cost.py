"""What scans spend, end to end: the lean or the full GraphQL query by the age of a repository's
full metadata, the points a scan records (payload, API, runscan), `full` to force the full query,
and a GitHub App's credentials in a scan. Against fakegithub over HTTP, which charges GitHub's
formula."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from repositories.models import Repository
from scans import services
from scans.models import ScanJob
from scans.presenter import present
from scans.run.apply import SCANNED_FIELDS
from scans.run.progress import progress_payload
from tests.scans.app_keys import key_pair
from tests.scans.scanning import run

pytestmark = pytest.mark.django_db

# What both queries bring, so what a lean rescan must find the same as the full scan did.
LEAN_FIELDS = [f for f in SCANNED_FIELDS if f not in ("etag", "last_checked_at", "metadata_fetched_at")]


@pytest.fixture
def graphql(fake_github, settings):
    settings.GITHUB_TOKENS = ["tok"]
    settings.SCAN_MODE = "graphql"
    fake_github.configure(tokens="tok")
    return fake_github


@pytest.fixture
def repos(fake_github) -> list[Repository]:
    names = [r["full_name"] for r in fake_github.repositories() if not r["flaky"]][:150]
    return Repository.objects.bulk_create([Repository(imported_name=n, full_name=n) for n in names])


def scan(repos, **options):
    return run(repos, **options)


def rows(repos) -> dict[int, dict]:
    fresh = Repository.objects.filter(id__in=[r.id for r in repos])
    return {r.id: {f: getattr(r, f) for f in LEAN_FIELDS} for r in fresh}


def test_a_first_scan_asks_the_full_query_and_a_rescan_within_the_day_the_lean_one(graphql, repos):
    first = scan(repos)
    after_first = rows(repos)
    stats = graphql.stats()
    assert first.status == "completed"
    assert stats["graphql_queries_by_cost"] == {"3": 1, "5": 1}
    assert first.points_spent == stats["points_spent"]["graphql"] == 8  # 100 and 50 repositories, full
    assert not Repository.objects.filter(id__in=[r.id for r in repos], metadata_fetched_at=None).exclude(
        health=Repository.Health.ERROR).exists()
    graphql.reset_stats()

    rescan = scan(repos)

    stats = graphql.stats()
    assert stats["graphql_queries_by_cost"] == {"1": 2}
    assert rescan.points_spent == 2
    assert rescan.counts() == first.counts()
    assert rows(repos) == after_first  # the same outcomes; topics, watchers, open issues kept


def test_the_lean_and_the_full_query_give_identical_outcomes_on_the_same_catalog(graphql, repos):
    """Every field both queries bring is the same, whichever asked it."""
    full = scan(repos, full=True)
    after_full = rows(repos)
    graphql.patch_repo(repos[0].full_name, topics=["changed"], watchers=999)  # only the full query sees these
    Repository.objects.filter(id__in=[r.id for r in repos]).update(stars=0, license="", health="unknown")

    lean = scan(repos)

    assert graphql.stats()["graphql_queries_by_cost"] == {"5": 1, "3": 1, "1": 2}
    assert lean.counts() == full.counts()
    assert rows(repos) == after_full
    assert Repository.objects.get(id=repos[0].id).topics != ["changed"]


def test_full_metadata_older_than_scan_full_metadata_hours_is_asked_again(graphql, repos, settings):
    settings.SCAN_FULL_METADATA_HOURS = 24
    scan(repos)
    old, recent = [r.id for r in repos[:60]], [r.id for r in repos[60:]]
    Repository.objects.filter(id__in=old).update(metadata_fetched_at=timezone.now() - timedelta(hours=24, minutes=1))
    Repository.objects.filter(id__in=recent).update(metadata_fetched_at=timezone.now() - timedelta(hours=23))
    graphql.reset_stats()

    rescan = scan(repos)

    assert graphql.stats()["graphql_queries_by_cost"] == {"3": 1, "1": 1}  # 60 full (300 requests), 90 lean
    assert rescan.points_spent == 4
    refreshed = Repository.objects.filter(id__in=old).exclude(health=Repository.Health.ERROR)
    assert all(r.metadata_fetched_at > timezone.now() - timedelta(minutes=5) for r in refreshed)
    assert all(r.metadata_fetched_at < timezone.now() - timedelta(hours=22)
               for r in Repository.objects.filter(id__in=recent))


def test_full_forces_the_full_query_and_a_resumed_scan_keeps_it(graphql, repos):
    scan(repos)
    graphql.reset_stats()

    forced = scan(repos, full=True)

    assert forced.full_metadata
    assert graphql.stats()["graphql_queries_by_cost"] == {"5": 1, "3": 1}
    forced.status = "cancelled"
    forced.save(update_fields=["status"])
    forced.results.filter(id__in=list(forced.results.values_list("id", flat=True)[:10])).delete()
    assert services.scan_resume(scan=forced, enqueue=False).full_metadata


def test_the_api_takes_full_true_and_refuses_a_full_that_is_not_a_boolean(api, graphql, repos):
    ids = [r.id for r in repos[:3]]

    started = api.post("/api/bulk/health-check", {"repository_ids": ids, "full": True}, format="json")
    plain = api.post("/api/bulk/health-check", {"repository_ids": ids}, format="json")
    wrong = api.post("/api/bulk/health-check", {"repository_ids": ids, "full": "sometimes"}, format="json")

    assert started.status_code == plain.status_code == 202
    assert ScanJob.objects.get(id=started.json()["job_id"]).full_metadata is True
    assert ScanJob.objects.get(id=plain.json()["job_id"]).full_metadata is False
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == "full: Must be a valid boolean."
    progress = api.get(started.json()["progress_url"]).json()
    assert progress["points_spent"] == 0


def test_a_rest_scan_records_its_requests_and_a_304_costs_none(fake_github, repos, settings):
    settings.GITHUB_TOKENS = ["tok"]
    settings.SCAN_MODE = "rest"
    first = scan(repos)
    assert first.points_spent == fake_github.stats()["points_spent"]["core"] >= len(repos)
    assert not Repository.objects.filter(id__in=[r.id for r in repos], metadata_fetched_at=None).exclude(
        health=Repository.Health.ERROR).exists()
    fake_github.reset_stats()

    rescan = scan(repos)

    answers = fake_github.stats()["by_endpoint"]["rest_repo"]
    assert answers.get("304", 0) > 100
    assert rescan.points_spent == fake_github.stats()["points_spent"]["core"] == sum(answers.values()) - answers["304"]
    payload = progress_payload(rescan)
    assert payload["points_spent"] == rescan.points_spent
    assert present(payload)["points_spent"] == rescan.points_spent


def test_a_github_app_alone_makes_scans_use_graphql_with_its_installation_token(fake_github, repos, settings):
    private, public = key_pair()
    fake_github.configure(tokens="only-known-token", app_id="4242", app_public_key=public, app_installation_id=77)
    settings.SCAN_MODE = "auto"
    settings.GITHUB_TOKENS = []
    settings.GITHUB_APP_ID, settings.GITHUB_APP_PRIVATE_KEY = "4242", private
    settings.GITHUB_APP_INSTALLATION_ID, settings.GITHUB_APP_CONFIGURED = 77, True

    job = scan(repos[:20])

    assert job.mode == "graphql"
    assert job.status == "completed"
    assert job.errors == 0
    assert fake_github.stats()["app_tokens_created"] == 1
    assert job.points_spent == 1


@pytest.mark.django_db(transaction=True)
def test_runscan_full_forces_the_full_query_and_its_summary_shows_the_points(graphql, repos, capsys):
    call_command("runscan", "--ids", ",".join(str(r.id) for r in repos[:30]), "--full")

    scan_job = ScanJob.objects.get()
    assert scan_job.full_metadata
    assert scan_job.points_spent == 2  # 30 repositories, 5 connections each: 150 requests
    assert graphql.stats()["graphql_queries_by_cost"] == {"2": 1}
    summary = capsys.readouterr().out
    assert "rate-limit points" in summary
    assert "2 (graphql)" in summary
