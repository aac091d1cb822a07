"""One digest per finished scan (watch/digests.py): what each subscription is sent, in which body,
exactly once. Sending it (watch/deliveries.py) is tested in test_deliveries.py."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from repositories import history
from repositories.models import Repository, RepositoryChange
from tests.watch.conftest import hook
from watch import deliveries, digests, tasks
from watch.models import Delivery, Digest, Subscription

pytestmark = pytest.mark.django_db
Event = RepositoryChange.Event
Channel = Subscription.Channel


def test_a_scan_is_digested_once_with_the_transitions_each_subscription_watches(owner, other_user, watched,
                                                                                finished_scan):
    a, b, c = watched
    everything = hook(owner)
    labelled = hook(owner, label=watched[0].labels.get())
    only_dead = hook(other_user, events=[Event.DEAD])
    Subscription.objects.create(owner=owner, channel=Channel.FEED, events=list(Event.values))  # read, not sent
    scan = finished_scan((a, "health", "healthy", "archived", Event.ARCHIVED),
                         (c, "full_name", "acme/c", "acme/c2", Event.MOVED),
                         (b, "description", "x", "y", ""))

    assert digests.digest_finished_scans() == 2
    assert digests.digest_finished_scans() == 0, "a scan is digested once"

    assert Digest.objects.get(scan=scan).transitions == 2
    by_subscription = {d.subscription_id: json.loads(d.body) for d in Delivery.objects.all()}
    assert set(by_subscription) == {everything.id, labelled.id}
    assert [t["event"] for t in by_subscription[everything.id]["transitions"]] == ["archived", "moved"]
    assert by_subscription[labelled.id] == {
        "scan_id": str(scan.id), "label": "watched", "source": None,
        "transitions": [{"repository_id": a.id, "full_name": "acme/a", "event": "archived", "field": "health",
                         "old": "healthy", "new": "archived",
                         "at": by_subscription[labelled.id]["transitions"][0]["at"]}]}
    assert only_dead.deliveries.count() == 0


def test_a_digest_names_the_scan_only_to_a_subscriber_who_may_see_it(owner, other_user, staff_user, watched,
                                                                     finished_scan):
    hook(owner), hook(other_user), hook(staff_user)
    finished_scan((watched[0], "health", "healthy", "stale", Event.INACTIVE))
    digests.digest_finished_scans()
    named = {d.subscription.owner.username: json.loads(d.body)["scan_id"] for d in Delivery.objects.all()}
    assert named["other"] is None
    assert named["owner"] == named["staff"] is not None


def test_a_scan_without_transitions_sends_nothing_and_is_still_marked(owner, watched, finished_scan):
    hook(owner)
    scan = finished_scan((watched[0], "license", "MIT", "", ""))
    assert digests.digest_finished_scans() == 0
    assert Digest.objects.filter(scan=scan, deliveries=0).exists()


def test_a_running_scan_is_not_digested_until_it_ends(owner, watched, finished_scan):
    hook(owner)
    scan = finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    type(scan).objects.filter(id=scan.id).update(status="running", finished_at=None)
    assert digests.digest_finished_scans() == 0
    assert not Digest.objects.exists()


def test_the_slack_format_is_one_text(owner, watched, finished_scan):
    hook(owner, format=Subscription.Format.SLACK)
    finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    digests.digest_finished_scans()
    body = json.loads(Delivery.objects.get().body)
    assert list(body) == ["text"]
    assert "acme/a: archived (health: healthy → archived)" in body["text"]


# --- told from now on: only what was recorded since it was created or last switched on --------------
def test_a_subscription_made_after_a_scan_ended_is_not_told_of_that_scan(api, watched, finished_scan, public_hook,
                                                                        receiver):
    before = finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    made = api.post("/api/subscriptions/", {"channel": "webhook", "target_url": "http://hooks.example.test/hook"},
                    format="json")
    assert made.status_code == 201, made.data

    assert tasks.digest_finished_scans() == 0, "the job digests the scan, which ended before anyone asked"
    assert Digest.objects.get(scan=before).deliveries == 0
    assert deliveries.send_due_deliveries() == 0
    assert Delivery.objects.count() == 0

    after = finished_scan((watched[1], "full_name", "acme/b", "acme/b2", Event.MOVED))
    assert tasks.digest_finished_scans() == 1
    assert deliveries.attempt(Delivery.objects.get().id) == Delivery.Status.DELIVERED
    (sent,) = receiver.requests
    body = json.loads(sent.body)
    assert body["scan_id"] == str(after.id)
    assert [(t["event"], t["old"], t["new"]) for t in body["transitions"]] == [("moved", "acme/b", "acme/b2")]


def admin_form(subscription: Subscription, **changes) -> dict:
    """The admin's change form of this subscription as a browser posts it."""
    form = {"owner": subscription.owner_id, "channel": subscription.channel, "target_url": subscription.target_url,
            "label": subscription.label_id or "", "events": json.dumps(subscription.events),
            "format": subscription.format, "disabled_reason": subscription.disabled_reason, "_save": "Save"}
    return {**form, **({"active": "on"} if subscription.active else {}), **changes}


def test_a_subscription_switched_on_again_is_not_told_of_the_time_it_was_off(owner, api, client, admin_client,
                                                                               watched, finished_scan, public_hook,
                                                                               receiver):
    client.force_login(owner)
    subscription = hook(owner)
    switches_on = {
        "API": lambda: api.patch(f"/api/subscriptions/{subscription.id}/", {"active": True}, format="json"),
        "page": lambda: client.post(f"/subscriptions/{subscription.id}/toggle"),
        "admin": lambda: admin_client.post(f"/admin/watch/subscription/{subscription.id}/change/",
                                           admin_form(subscription, active="on")),
    }
    for where, switch_on in switches_on.items():
        since = subscription.active_since
        Subscription.objects.filter(id=subscription.id).update(active=False)
        finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))  # while it is off
        assert switch_on().status_code in (200, 302), where
        subscription.refresh_from_db()
        assert subscription.active, where
        assert subscription.active_since > since, where
        assert tasks.digest_finished_scans() == 0, f"switched on through the {where}: the scan ended while it was off"
    assert Delivery.objects.count() == 0

    since = subscription.active_since
    api.patch(f"/api/subscriptions/{subscription.id}/", {"events": ["archived", "dead"]}, format="json")
    admin_client.post(f"/admin/watch/subscription/{subscription.id}/change/", admin_form(subscription))
    subscription.refresh_from_db()
    assert subscription.active_since == since, "an edit of one that is on already does not move it"
    finished_scan((watched[1], "health", "healthy", "not_found", Event.DEAD))
    assert tasks.digest_finished_scans() == 1
    assert deliveries.attempt(Delivery.objects.get().id) == Delivery.Status.DELIVERED
    assert [t["full_name"] for t in json.loads(receiver.requests[0].body)["transitions"]] == ["acme/b"]


def test_a_digest_left_pending_when_it_was_paused_is_not_sent_once_switched_on(owner, client, watched, finished_scan,
                                                                               public_hook, receiver):
    client.force_login(owner)
    subscription = hook(owner)
    finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    tasks.digest_finished_scans()
    client.post(f"/subscriptions/{subscription.id}/toggle")  # paused before it was sent
    client.post(f"/subscriptions/{subscription.id}/toggle")  # and switched on again

    assert deliveries.attempt(Delivery.objects.get().id) == Delivery.Status.FAILED
    assert Delivery.objects.get().error == "the subscription was switched off before it was sent"
    assert receiver.requests == []


def test_send_a_test_is_sent_whenever_the_subscription_was_made_or_switched_on(owner, api, watched, finished_scan,
                                                                               public_hook, receiver):
    finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    made = api.post("/api/subscriptions/", {"channel": "webhook", "target_url": "http://hooks.example.test/hook",
                                            "active": False}, format="json").data
    api.patch(f"/api/subscriptions/{made['id']}/", {"active": True}, format="json")
    first = api.post(f"/api/subscriptions/{made['id']}/test").data
    api.patch(f"/api/subscriptions/{made['id']}/", {"active": False}, format="json")
    api.patch(f"/api/subscriptions/{made['id']}/", {"active": True}, format="json")
    second = api.post(f"/api/subscriptions/{made['id']}/test").data

    assert [deliveries.attempt(d["id"]) for d in (first, second)] == [Delivery.Status.DELIVERED] * 2
    assert [request.headers["X-RepoHealth-Event"] for request in receiver.requests] == ["test", "test"]
    assert [t["event"] for r in receiver.requests for t in json.loads(r.body)["transitions"]] == ["archived"] * 2
    assert tasks.digest_finished_scans() == 0, "the scan itself, which ended before, is still not told"


# --- the maintenance verdict: going inactive is one alert, an override none ---------------------------
def test_active_then_inactive_then_overridden_finished_sends_one_inactive_alert_and_no_other(
        owner, other_user, watched, finished_scan, public_hook, receiver):
    everything = hook(owner)
    old_stale = hook(other_user)
    Subscription.objects.filter(id=old_stale.id).update(events=["stale"])  # kept from before `inactive`
    repo = watched[0]
    Repository.objects.filter(id=repo.id).update(maintenance="active", last_checked_at=timezone.now())
    repo.refresh_from_db()

    def scan_finding(**after) -> int:
        """A finished scan that finds `after` (the verdict set directly, as the scan applies it), digested."""
        scan = finished_scan()
        before = history.capture(repo)
        for name, value in after.items():
            setattr(repo, name, value)
        repo.last_checked_at = timezone.now()
        repo.save()
        history.record_changes(scan_id=scan.id, before={repo.id: before}, after=[repo])
        return tasks.digest_finished_scans()

    made = [scan_finding(health="stale", maintenance="inactive"),
            scan_finding(health="healthy", maintenance="finished", maintenance_override="finished",
                         maintenance_note="feature complete"),
            scan_finding(stars=5)]  # a rescan: the override stays
    assert made == [2, 0, 0], "deliveries made by each scan's digest"
    for delivery in Delivery.objects.all():
        assert deliveries.attempt(delivery.id) == Delivery.Status.DELIVERED

    assert RepositoryChange.objects.filter(repository=repo).count() == 4, "each change is history"
    told = sorted((json.loads(r.body)["label"], [(t["event"], t["field"], t["old"], t["new"])
                                                 for t in json.loads(r.body)["transitions"]])
                  for r in receiver.requests)
    assert told == [(None, [("inactive", "maintenance", "active", "inactive")])] * 2, \
        "one inactive alert to each, the `stale` subscription included; nothing for the override"
    assert {d.subscription_id for d in Delivery.objects.all()} == {everything.id, old_stale.id}
