"""The live refresh while a scan runs (scans/pages/live.py): a panel poll that asks (`live=1`) also
answers the health cards' counts, the donut, the catalog rows and the scans list's rows as htmx
out-of-band swaps; counts are the catalog's kept counts; a plain poll stays as it was."""

from __future__ import annotations

import pytest
from django.urls import reverse

from repositories import counts
from repositories import services as catalog
from repositories.models import Repository
from repositories.selectors import health_counts
from scans import services
from scans.models import ScanJob
from tests.counting import recounted

pytestmark = pytest.mark.django_db
Health = Repository.Health


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def running(owner):
    repos = [Repository.objects.create(full_name=f"acme/r{i}", imported_name=f"acme/r{i}") for i in range(3)]
    recounted()
    scan = services.scan_start(repositories=[r.id for r in repos], requested_by=owner, enqueue=False)
    return scan, repos


def poll(client, scan, **params):
    return client.get(reverse("scans:panel", args=[scan.id]), params, headers={"HX-Request": "true"})


def test_a_plain_poll_answers_the_panel_alone(logged_in, running):
    scan, _ = running
    html = poll(logged_in, scan).content.decode()
    assert f'id="scan-{scan.id}"' in html
    assert "hx-swap-oob" not in html


def test_a_live_poll_also_answers_the_cards_the_donut_and_the_rows_the_page_shows(logged_in, running):
    scan, repos = running
    with counts.tracked([repos[0].id]):  # as a scan writes it
        Repository.objects.filter(id=repos[0].id).update(health=Health.HEALTHY, github_id=1, stars=2794)

    html = poll(logged_in, scan, live="1", health="1", rows=f"{repos[0].id},{repos[1].id}").content.decode()

    assert '<span class="card-stat__count" id="count-healthy" hx-swap-oob="true">1</span>' in html
    assert '<span class="card-stat__count" id="count-unknown" hx-swap-oob="true">2</span>' in html
    assert '<svg id="donut"' in html
    assert 'id="donut" viewBox="0 0 42 42" width="112" height="112" role="img"' in html
    assert f'<tr id="repo-{repos[0].id}" class="catalog-row" data-live-row="{repos[0].id}" hx-swap-oob="true">' in html
    assert "2,794" in html
    assert f'id="repo-{repos[2].id}"' not in html
    assert f'id="pick-{repos[0].id}" hx-preserve="true"' in html, "a selection survives the refresh"


def test_a_live_poll_refreshes_only_the_scans_the_user_may_see(logged_in, running, other_user):
    scan, repos = running
    theirs = services.scan_start(repositories=[repos[0].id], requested_by=other_user, enqueue=False)

    html = poll(logged_in, scan, live="1", scans=f"{scan.id},{theirs.id},not-a-uuid").content.decode()

    assert f'<tr id="scan-row-{scan.id}" data-live-scan="{scan.id}" hx-swap-oob="true">' in html
    assert f"scan-row-{theirs.id}" not in html


def test_the_counts_are_the_kept_ones_current_to_the_last_write(django_assert_num_queries):
    catalog.repositories_import(source="acme/a")
    with django_assert_num_queries(1):
        assert health_counts()[Health.UNKNOWN] == 1
    catalog.repositories_import(source="acme/b")
    assert health_counts()[Health.UNKNOWN] == 2


def test_the_pages_carry_what_the_poll_asks_for(logged_in, running):
    scan, repos = running
    catalog = logged_in.get("/").content.decode()
    assert f'data-live-row="{repos[0].id}"' in catalog
    assert '<svg id="donut"' in catalog
    history = logged_in.get(reverse("scans:list")).content.decode()
    assert f'data-live-scan="{scan.id}"' in history
    ScanJob.objects.filter(id=scan.id).update(status=ScanJob.Status.COMPLETED)
    assert "data-live-scan" not in logged_in.get(reverse("scans:list")).content.decode()
