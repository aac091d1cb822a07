"""The watch API (watch/api.py): schedules and `POST .../run`, subscriptions with exactly their
fields (the secret in full only when created or rotated), `/api/changes/` with the catalog's
filters, and a repository's history; each user sees only their own schedules and subscriptions,
and a change row names a scan only to users who may see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from repositories.models import MetricSnapshot, RepositoryChange
from scans.models import ScanJob
from tests.receiver import PUBLIC
from watch.models import Subscription

pytestmark = pytest.mark.django_db
Event = RepositoryChange.Event
SUBSCRIPTION_FIELDS = {"id", "channel", "target_url", "label", "source", "events", "format", "secret", "active",
                       "active_since"}


def test_a_schedule_is_created_listed_changed_and_run_through_the_api(api, other_api, watched):
    created = api.post("/api/schedules/", {"name": "hourly", "label": "watched", "interval_minutes": 60,
                                           "max_repositories": 1, "budget_share": 50}, format="json")
    assert created.status_code == 201, created.data
    schedule_id = created.data["id"]
    assert created.data["label"] == "watched"
    assert created.data["budget_share"] == 50
    assert created.data["active"]

    assert api.patch(f"/api/schedules/{schedule_id}/", {"active": False}, format="json").data["active"] is False
    assert [s["id"] for s in api.get("/api/schedules/").data["results"]] == [schedule_id]
    assert other_api.get("/api/schedules/").data["results"] == []
    assert other_api.post(f"/api/schedules/{schedule_id}/run").status_code == 404

    run = api.post(f"/api/schedules/{schedule_id}/run")
    assert run.status_code == 202, run.data
    scan = ScanJob.objects.get(id=run.data["job_id"])
    assert scan.trigger == ScanJob.Trigger.SCHEDULE
    assert scan.total == 1
    assert scan.budget_share == 50
    again = api.post(f"/api/schedules/{schedule_id}/run")
    assert again.status_code == 409
    assert "still running" in again.data["detail"]


@pytest.mark.parametrize(("body", "error"), [
    ({"name": "x", "interval_minutes": 0}, "interval_minutes"),
    ({"name": "x", "interval_minutes": 5, "budget_share": 101}, "budget_share"),
    ({"name": "x", "interval_minutes": 5, "budget_share": 0}, "budget_share"),
    ({"name": "x", "interval_minutes": 5, "label": "no-such-label"}, "label"),
])
def test_a_bad_schedule_is_a_400_naming_the_field(api, body, error):
    answer = api.post("/api/schedules/", body, format="json")
    assert answer.status_code == 400
    assert answer.data["detail"].startswith(f"{error}:")


def test_a_subscription_has_exactly_its_fields_and_its_secret_in_full_only_once(api, watched, fake_net, settings):
    fake_net.resolve("hooks.example.test", PUBLIC)
    created = api.post("/api/subscriptions/", {"channel": "webhook", "target_url": "https://hooks.example.test/x",
                                               "label": "watched"}, format="json")
    assert created.status_code == 201, created.data
    assert set(created.data) == SUBSCRIPTION_FIELDS
    assert created.data["events"] == ["dead", "archived", "moved", "inactive", "deprecated", "maintained_again",
                                      "recovered", "name_reused"]
    assert created.data["format"] == "json"
    assert created.data["active"] is True
    assert created.data["label"] == "watched"
    secret = created.data["secret"]
    assert len(secret) >= 32
    assert Subscription.objects.get().secret == secret

    listed = api.get("/api/subscriptions/").data["results"][0]
    assert set(listed) == SUBSCRIPTION_FIELDS
    assert listed["secret"] == "…" + secret[-4:]
    rotated = api.post(f"/api/subscriptions/{created.data['id']}/rotate-secret").data["secret"]
    assert rotated != secret
    assert Subscription.objects.get().secret == rotated

    chosen = api.post("/api/subscriptions/", {"channel": "email", "events": ["dead"], "secret": "s" * 20},
                      format="json")
    assert chosen.data["secret"] == "s" * 20
    assert chosen.data["target_url"] is None
    assert chosen.data["label"] is None


def test_stale_is_still_taken_as_the_old_name_of_inactive(api):
    made = api.post("/api/subscriptions/", {"channel": "email", "events": ["stale", "dead", "inactive"]},
                    format="json")
    assert made.status_code == 201, made.data
    assert made.data["events"] == ["dead", "inactive"]
    edited = api.patch(f"/api/subscriptions/{made.data['id']}/", {"events": ["stale"]}, format="json")
    assert edited.data["events"] == ["inactive"]


@pytest.mark.parametrize(("body", "detail"), [
    ({"channel": "webhook", "target_url": "https://169.254.169.254/latest/meta-data/"},
     "target_url: 169.254.169.254 is a link-local address"),
    ({"channel": "webhook", "target_url": "https://127.0.0.1:6379/"}, "target_url: 127.0.0.1 is a loopback address"),
    ({"channel": "webhook", "target_url": "http://hooks.example.test/"}, "target_url: the URL must start with https://"),
    ({"channel": "webhook"}, "target_url: a webhook needs a target_url"),
    ({"channel": "email", "target_url": "https://hooks.example.test/"}, "target_url: only a webhook has a target_url"),
    ({"channel": "feed", "format": "slack"}, "format: only a webhook has a format"),
    ({"channel": "email", "events": ["exploded"]}, "events"),
    ({"channel": "email", "events": []}, "events"),
    ({"channel": "pigeon"}, "channel"),
])
def test_a_subscription_that_cannot_be_kept_is_a_400_naming_the_reason(api, fake_net, body, detail):
    fake_net.resolve("hooks.example.test", PUBLIC)
    answer = api.post("/api/subscriptions/", body, format="json")
    assert answer.status_code == 400
    assert answer.data["detail"].startswith(detail)


def test_subscriptions_are_their_owners_alone(api, other_api, owner):
    subscription = Subscription.objects.create(owner=owner, channel="email", events=["dead"])
    assert other_api.get(f"/api/subscriptions/{subscription.id}/").status_code == 404
    assert other_api.delete(f"/api/subscriptions/{subscription.id}/").status_code == 404
    assert api.delete(f"/api/subscriptions/{subscription.id}/").status_code == 204


def test_send_a_test_queues_one_delivery_in_the_log(api, owner):
    subscription = Subscription.objects.create(owner=owner, channel="email", events=["dead"])
    sent = api.post(f"/api/subscriptions/{subscription.id}/test")
    assert sent.status_code == 202
    assert sent.data["kind"] == "test"
    assert sent.data["status"] == "pending"
    log = api.get(f"/api/subscriptions/{subscription.id}/deliveries").data["results"]
    assert [d["id"] for d in log] == [sent.data["id"]]
    feed = Subscription.objects.create(owner=owner, channel="feed", events=["dead"])
    assert api.post(f"/api/subscriptions/{feed.id}/test").status_code == 400


def test_changes_are_listed_newest_first_with_the_catalogs_filters(api, other_api, watched, finished_scan, owner):
    a, b, c = watched
    scan = finished_scan((a, "health", "healthy", "archived", Event.ARCHIVED), (c, "license", "MIT", "", ""))
    RepositoryChange.objects.filter(repository=c).update(at=timezone.now() + timedelta(seconds=1))
    old = RepositoryChange.objects.create(repository=b, full_name="acme/b", field="health", old="healthy",
                                          new="stale", event=Event.INACTIVE, at=timezone.now() - timedelta(days=9))

    every = api.get("/api/changes/").data
    assert [(r["full_name"], r["field"]) for r in every["results"]] == [
        ("acme/c", "license"), ("acme/a", "health"), ("acme/b", "health")]
    first = every["results"][1]
    assert first == {"id": first["id"], "repository_id": a.id, "full_name": "acme/a", "event": "archived",
                     "field": "health", "old": "healthy", "new": "archived", "at": first["at"], "scan_id": str(scan.id)}
    assert other_api.get("/api/changes/").data["results"][1]["scan_id"] is None, "not their scan"

    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert [r["full_name"] for r in api.get("/api/changes/", {"label": "watched", "since": since}).data["results"]] == [
        "acme/a"]
    stale = api.get("/api/changes/", {"field": "health", "event": "stale"}).data["results"]
    assert [r["id"] for r in stale] == [old.id], "`stale` is the old name of `inactive`"
    inactive = api.get("/api/changes/", {"event": "inactive"}).data["results"]
    assert [r["id"] for r in inactive] == [old.id]
    assert [r["full_name"] for r in api.get("/api/changes/", {"search": "acme/c"}).data["results"]] == ["acme/c"]
    assert len(api.get("/api/changes/", {"changed_days": 7}).data["results"]) == 2
    for params, name in [({"since": "yesterday"}, "since"), ({"field": "stars"}, "field"), ({"event": "x"}, "event"),
                         ({"health": "weird"}, "health"), ({"archived": "maybe"}, "archived")]:
        refused = api.get("/api/changes/", params)
        assert refused.status_code == 400, params
        assert refused.data["detail"].startswith(name), params


def test_a_repositorys_history_holds_its_changes_and_daily_counts(api, watched, finished_scan):
    a = watched[0]
    finished_scan((a, "health", "healthy", "archived", Event.ARCHIVED))
    MetricSnapshot.objects.create(repository=a, day=timezone.now().date() - timedelta(days=2), stars=5)
    MetricSnapshot.objects.create(repository=a, day=timezone.now().date(), stars=9)

    history = api.get(f"/api/repositories/{a.id}/history").data

    assert (history["repository_id"], history["full_name"], history["suspected"]) == (a.id, "acme/a", False)
    assert [c["new"] for c in history["changes"]] == ["archived"]
    assert [m["stars"] for m in history["metrics"]] == [5, 9]
    assert api.get("/api/repositories/999999/history").status_code == 404
    assert api.get(f"/api/repositories/{a.id}/history", {"days": "x"}).status_code == 400


def test_the_schema_documents_the_watch_api(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in ("/api/schedules/", "/api/schedules/{id}/run", "/api/subscriptions/", "/api/changes/",
                 "/api/repositories/{id}/history"):
        assert any(p.rstrip("/") == path.rstrip("/") or p.replace("{id}", "{pk}") == path for p in paths), path


def test_a_secret_already_in_use_is_a_400_naming_the_field_not_a_500(api, other_api):
    first = api.post("/api/subscriptions/", {"channel": "email", "secret": "q" * 24}, format="json")
    assert first.status_code == 201, first.data
    again = other_api.post("/api/subscriptions/", {"channel": "email", "secret": "q" * 24}, format="json")
    assert again.status_code == 400
    assert again.data["detail"].startswith("secret:")
    assert Subscription.objects.count() == 1
    mine = api.patch(f"/api/subscriptions/{first.data['id']}/", {"secret": "q" * 24}, format="json")
    assert mine.status_code == 200, "its own secret again is no clash"
