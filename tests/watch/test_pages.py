"""The watch pages (schedules, alerts and their delivery log), and what the catalog's pages gained:
a repository's timeline and stars chart, the catalog's "changed in the last 7 days" filter and
stars Δ column, a scan's list of changes. The Atom feed is tested in test_feeds.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from repositories.models import MetricSnapshot, Repository, RepositoryChange
from scans.models import ScanJob
from watch.models import Delivery, Schedule, Subscription

pytestmark = pytest.mark.django_db
Event = RepositoryChange.Event


@pytest.fixture
def page(client, owner):
    client.force_login(owner)
    return client


def test_a_schedule_is_created_paused_and_run_from_its_page(page, owner, watched):
    assert page.get("/schedules/").status_code == 200
    bad = page.post("/schedules/", {"name": "x", "interval_minutes": "0", "budget_share": "100"})
    assert bad.status_code == 400
    assert "interval_minutes: Ensure this value is greater than or equal to 1." in bad.content.decode()

    created = page.post("/schedules/", {"name": "nightly", "label": "watched", "interval_minutes": "1440",
                                        "budget_share": "50", "max_repositories": "", "active": "on"})
    assert created.status_code == 302
    schedule = Schedule.objects.get()
    assert (schedule.owner, schedule.label.name, schedule.budget_share, schedule.max_repositories) == (
        owner, "watched", 50, None)
    listing = page.get("/schedules/").content.decode()
    assert "nightly" in listing
    assert "label watched" in listing
    assert "50 %" in listing

    page.post(f"/schedules/{schedule.id}/toggle")
    schedule.refresh_from_db()
    assert not schedule.active
    ran = page.post(f"/schedules/{schedule.id}/run")
    scan = ScanJob.objects.get()
    assert ran.status_code == 302
    assert ran["Location"] == f"/scans/{scan.id}/"
    assert page.post(f"/schedules/{schedule.id}/", {"name": "renamed", "label": "", "interval_minutes": "60",
                                                     "budget_share": "100"}).status_code == 302
    schedule.refresh_from_db()
    assert (schedule.name, schedule.label, schedule.active) == ("renamed", None, False)


def test_each_list_page_ends_with_its_own_create_form(page):
    schedules, alerts = page.get("/schedules/").content.decode(), page.get("/subscriptions/").content.decode()
    assert '<h2 id="new-schedule">New schedule</h2>' in schedules
    assert '<form method="post" action="/schedules/"' in schedules
    assert 'name="interval_minutes"' in schedules
    assert ">Create schedule</button>" in schedules
    assert '<h2 id="new-subscription">New alert</h2>' in alerts
    assert '<form method="post" action="/subscriptions/"' in alerts
    assert 'name="channel"' in alerts
    bad = page.post("/subscriptions/", {"channel": "carrier-pigeon"}).content.decode()
    assert 'role="alert"' in bad
    assert '<h2 id="new-subscription">' in bad


def test_someone_elses_schedule_or_subscription_is_not_found(page, other_user):
    schedule = Schedule.objects.create(owner=other_user, name="theirs")
    subscription = Subscription.objects.create(owner=other_user, channel="email", events=["dead"])
    assert page.get(f"/schedules/{schedule.id}/").status_code == 404
    assert page.post(f"/schedules/{schedule.id}/run").status_code == 404
    assert page.get(f"/subscriptions/{subscription.id}/").status_code == 404


def test_an_alert_is_created_its_secret_shown_once_and_its_log_shown(page, owner, watched):
    refused = page.post("/subscriptions/", {"channel": "webhook", "target_url": "https://10.0.0.1/hook",
                                            "events": ["dead"]})
    assert refused.status_code == 400
    assert "10.0.0.1 is a private (RFC 1918) address" in refused.content.decode()

    created = page.post("/subscriptions/", {"channel": "feed", "label": "watched", "events": ["dead", "archived"],
                                            "active": "on"})
    subscription = Subscription.objects.get()
    assert created["Location"] == f"/subscriptions/{subscription.id}/"
    assert subscription.events == ["dead", "archived"]
    assert subscription.label.name == "watched"
    shown = page.get(created["Location"]).content.decode()
    assert f"/feeds/{subscription.secret}.atom" in shown
    assert "Tells the changes recorded since it was created" in shown
    assert subscription.secret not in page.get(created["Location"]).content.decode(), "shown once"

    email = Subscription.objects.create(owner=owner, channel="email", events=["dead"])
    page.post(f"/subscriptions/{email.id}/test")
    log = page.get(f"/subscriptions/{email.id}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="deliveries"' in log
    assert "Test" in log
    assert 'hx-trigger="every 2s"' in log
    Delivery.objects.update(status="delivered")
    assert "hx-trigger" not in page.get(f"/subscriptions/{email.id}/", HTTP_HX_REQUEST="true").content.decode()


def test_the_repository_page_shows_its_timeline_stars_chart_and_suspicion(page, watched, finished_scan):
    a = watched[0]
    finished_scan((a, "health", "healthy", "archived", Event.ARCHIVED))
    today = timezone.now().date()
    for days, stars in ((20, 5), (10, 8), (1, 12)):
        MetricSnapshot.objects.create(repository=a, day=today - timedelta(days=days), stars=stars)
    Repository.objects.filter(id=a.id).update(stars=12, suspected=True, suspect_checks=1,
                                              suspected_since=timezone.now(), health="not_found")

    html = page.get(f"/repositories/{a.id}/").content.decode()

    assert '<svg class="chart"' in html
    assert 'class="chart__line"' in html
    assert "style=" not in html
    assert "archived" in html
    assert "health: healthy → archived" in html
    assert 'class="tag suspected"' in html


def test_the_catalog_filters_recent_changes_and_sorts_by_the_stars_delta(page, watched, finished_scan):
    a, b, c = watched
    finished_scan((b, "health", "healthy", "archived", Event.ARCHIVED))
    old = timezone.now().date() - timedelta(days=40)
    MetricSnapshot.objects.create(repository=a, day=old, stars=1)
    MetricSnapshot.objects.create(repository=c, day=old, stars=1)
    Repository.objects.filter(id=a.id).update(stars=31)
    Repository.objects.filter(id=c.id).update(stars=4)

    changed = page.get("/", {"changed_days": "7"}).content.decode()
    assert "acme/b" in changed
    assert "acme/a" not in changed
    assert "acme/c" not in changed
    ordered = page.get("/", {"ordering": "-stars_delta"}).content.decode()
    assert ordered.index("acme/a") < ordered.index("acme/c") < ordered.index("acme/b")
    assert "+30" in ordered
    assert "Stars Δ 30 d" in ordered


def test_the_scan_page_says_what_the_scan_changed(page, watched, finished_scan):
    a, b, c = watched
    scan = finished_scan((a, "health", "healthy", "archived", Event.ARCHIVED), (b, "health", "healthy", "archived",
                         Event.ARCHIVED), (c, "full_name", "acme/c", "acme/d", Event.MOVED))
    html = page.get(f"/scans/{scan.id}/").content.decode()
    assert "What it changed:</strong> 2 archived, 1 renamed or moved" in html
