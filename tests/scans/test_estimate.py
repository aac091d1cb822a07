"""scans.estimate: about how long a scan takes (the rate of recent scans, else a rough rate, said
so) and its rate-limit points (REST one a repository; GraphQL by GitHub's formula, the full query
for the repositories whose full metadata is due)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from repositories.models import Repository
from scans.estimate import estimate
from scans.models import ScanJob

pytestmark = pytest.mark.django_db


def track(count: int, **fields) -> list[int]:
    Repository.objects.bulk_create([Repository(full_name=f"o/r{i}", imported_name=f"o/r{i}", **fields)
                                    for i in range(count)])
    return list(Repository.objects.order_by("id").values_list("id", flat=True))


@pytest.fixture
def rest(settings):
    settings.GITHUB_TOKENS, settings.SCAN_MODE, settings.GITHUB_APP_CONFIGURED = [], "auto", False
    settings.SCAN_CONCURRENCY = 8


@pytest.fixture
def graphql(settings):
    settings.GITHUB_TOKENS, settings.SCAN_MODE, settings.GITHUB_APP_CONFIGURED = ["t1", "t2"], "auto", False
    settings.SCAN_GRAPHQL_BATCH, settings.SCAN_FULL_METADATA_HOURS = 100, 24


def test_rest_costs_a_request_a_repository_and_says_its_rate_is_a_guess_without_history(rest):
    found = estimate(track(300))

    assert (found.count, found.mode, found.points, found.measured) == (300, ScanJob.Mode.REST, 300, False)
    assert found.points_per_hour == 60
    assert found.waits_hours == 4
    assert found.seconds == pytest.approx(300 / found.rate + 4 * 3600, abs=1)


def test_the_rate_is_that_of_the_last_finished_scans_in_the_same_mode(rest):
    now = timezone.now()
    for checked, seconds in ((100, 10), (300, 20)):
        ScanJob.objects.create(mode=ScanJob.Mode.REST, status=ScanJob.Status.COMPLETED, current=checked, total=checked,
                               started_at=now - timedelta(seconds=seconds), finished_at=now)
    ScanJob.objects.create(mode=ScanJob.Mode.GRAPHQL, status=ScanJob.Status.COMPLETED, current=5000, total=5000,
                           started_at=now - timedelta(seconds=1), finished_at=now)

    found = estimate(track(40))

    assert found.measured
    assert found.rate == pytest.approx(400 / 30)
    assert found.seconds == 3  # 40 at 13.3 a second, rounded up


def test_graphql_asks_the_full_query_for_repositories_due_and_the_lean_one_for_the_others(graphql):
    due = track(250)  # never fetched: all due
    fresh = Repository.objects.filter(id__in=due[:120])
    fresh.update(metadata_fetched_at=timezone.now() - timedelta(hours=1))

    found = estimate(due)

    assert found.mode == ScanJob.Mode.GRAPHQL
    assert found.full == 130
    # full: batches of 100 and 30 -> 5 + 2 (round(150/100)), five connections a repository;
    # lean: batches of 100 and 20 -> 1 + 1
    assert found.points == 5 + 2 + 1 + 1
    assert found.points_per_hour == 10_000
    assert found.waits_hours == 0


def test_an_import_counts_its_new_repositories_as_due_for_the_full_query(graphql):
    found = estimate([], new=200)
    assert (found.count, found.full, found.points) == (200, 200, 10)


def test_a_scan_over_the_health_first_threshold_counts_each_pass(graphql, settings):
    settings.SCAN_HEALTH_FIRST_OVER, settings.SCAN_METADATA_BUDGET_SHARE = 100, 50
    due = track(250)
    Repository.objects.filter(id__in=due[:50]).update(metadata_fetched_at=timezone.now() - timedelta(hours=1))

    found = estimate(due)

    assert found.full == 200
    assert found.health_points == 3, "the lean query for all 250: batches of 100, 100 and 50"
    assert found.metadata_points == 10, "the full query for the 200 due: 5 connections a repository"
    assert found.metadata_share == 50
    assert estimate(due[:100]).health_points == 0, "at the threshold: one pass"
