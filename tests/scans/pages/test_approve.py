"""A scan a page starts over SCAN_APPROVE_OVER repositories asks first, with the count (1,225), an
estimate of time and rate-limit points, and starts nothing until approved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from repositories.models import Repository
from scans.models import ScanJob
from tests.counting import recounted

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(settings):
    settings.SCAN_APPROVE_OVER = 1000
    Repository.objects.bulk_create([Repository(full_name=f"o/r{i}", imported_name=f"o/r{i}",
                                               language="Go" if i % 5 else "Rust") for i in range(1225)])
    recounted()


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def test_scan_all_over_the_threshold_shows_the_count_and_an_estimate_and_starts_nothing(logged_in, catalog):
    response = logged_in.post(reverse("scans:start"), {"scope": "all", "next": "/"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Scan 1,225 repositories?" in html
    assert "About how long" in html
    assert "Rate-limit points" in html
    assert "about 1,225" in html
    assert "a rough guess: no REST scan has finished here yet" in html
    assert 'name="approved" value="1225"' in html
    assert 'name="scope" value="all"' in html
    assert not ScanJob.objects.exists()


def test_approving_starts_the_scan_it_described(logged_in, catalog, owner):
    response = logged_in.post(reverse("scans:start"), {"scope": "all", "next": "/", "approved": "1225"})

    assert response.status_code == 302
    scan = ScanJob.objects.get()
    assert scan.total == 1225
    assert scan.trigger == ScanJob.Trigger.PAGE
    assert scan.scope == "all repositories"


def test_a_selection_that_grew_since_it_was_approved_asks_again(logged_in, catalog):
    response = logged_in.post(reverse("scans:start"), {"scope": "all", "next": "/", "approved": "1100"})
    assert response.status_code == 200
    assert "Scan 1,225 repositories?" in response.content.decode()
    assert not ScanJob.objects.exists()


def test_a_filtered_scan_under_the_threshold_starts_at_once(logged_in, catalog):
    response = logged_in.post(reverse("scans:start"), {"scope": "filtered", "language": "Rust", "next": "/"})
    assert response.status_code == 302
    assert ScanJob.objects.get().scope == "language Rust"
    assert ScanJob.objects.get().total == 245


def test_resuming_more_than_the_threshold_asks_too(logged_in, catalog, owner):
    ids = list(Repository.objects.values_list("id", flat=True))
    scan = ScanJob.objects.create(total=len(ids), repository_ids=ids, requested_by=owner,
                                  status=ScanJob.Status.CANCELLED)

    asked = logged_in.post(reverse("scans:resume", args=[scan.id]))

    assert asked.status_code == 200
    assert "Scan 1,225 repositories?" in asked.content.decode()
    assert "What: the rest of scan" in asked.content.decode()
    assert ScanJob.objects.count() == 1


def test_with_a_filter_active_the_filtered_scan_is_the_primary_button(logged_in, catalog):
    plain = logged_in.get("/").content.decode()
    assert 'class="button button--primary" name="scope"' not in plain

    filtered = logged_in.get("/?language=Rust").content.decode()
    assert 'class="button button--primary" name="scope" value="filtered">Scan filtered (245)' in filtered
    assert 'class="button" name="scope" value="all">Scan all (1,225)' in filtered


def test_a_health_first_scan_says_what_each_pass_costs(logged_in, catalog, settings):
    settings.SCAN_HEALTH_FIRST_OVER, settings.SCAN_METADATA_BUDGET_SHARE = 1000, 50

    html = logged_in.post(reverse("scans:start"), {"scope": "all", "next": "/"}).content.decode()

    assert "Health first" in html
    assert "about 1,225 points for every health" in html  # REST without a token: a request each
    assert "the full metadata of the 1,225 due in a metadata pass: about 4,900 points, at most 50 %" in html
