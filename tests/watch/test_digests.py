"""One digest per finished scan (watch/digests.py): what each subscription is sent, in which body,
exactly once. Sending it (watch/deliveries.py) is tested in test_deliveries.py."""

from __future__ import annotations

import json

import pytest

from repositories.models import RepositoryChange
from tests.watch.conftest import hook
from watch import digests
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
        "scan_id": str(scan.id), "label": "watched",
        "transitions": [{"repository_id": a.id, "full_name": "acme/a", "event": "archived", "field": "health",
                         "old": "healthy", "new": "archived",
                         "at": by_subscription[labelled.id]["transitions"][0]["at"]}]}
    assert only_dead.deliveries.count() == 0


def test_a_digest_names_the_scan_only_to_a_subscriber_who_may_see_it(owner, other_user, staff_user, watched,
                                                                     finished_scan):
    hook(owner), hook(other_user), hook(staff_user)
    finished_scan((watched[0], "health", "healthy", "stale", Event.STALE))
    digests.digest_finished_scans()
    named = {d.subscription.owner.username: json.loads(d.body)["scan_id"] for d in Delivery.objects.all()}
    assert named["other"] is None and named["owner"] == named["staff"] is not None


def test_a_scan_without_transitions_sends_nothing_and_is_still_marked(owner, watched, finished_scan):
    hook(owner)
    scan = finished_scan((watched[0], "license", "MIT", "", ""))
    assert digests.digest_finished_scans() == 0
    assert Digest.objects.filter(scan=scan, deliveries=0).exists()


def test_a_running_scan_is_not_digested_until_it_ends(owner, watched, finished_scan):
    hook(owner)
    scan = finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    type(scan).objects.filter(id=scan.id).update(status="running", finished_at=None)
    assert digests.digest_finished_scans() == 0 and not Digest.objects.exists()


def test_the_slack_format_is_one_text(owner, watched, finished_scan):
    hook(owner, format=Subscription.Format.SLACK)
    finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    digests.digest_finished_scans()
    body = json.loads(Delivery.objects.get().body)
    assert list(body) == ["text"]
    assert "acme/a: archived (health: healthy → archived)" in body["text"]
