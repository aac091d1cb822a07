"""Sending a digest (watch/deliveries.py): the webhook's signed body, retries with backoff and the
delivery log, a webhook switched off after failing, an unsafe target refused again at delivery,
e-mail with its unsubscribe link, and a deactivated user's subscriptions stopped."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from repositories.models import RepositoryChange
from tests.receiver import PUBLIC, Answer
from tests.watch.conftest import hook
from watch import deliveries, digests
from watch.links import unsubscribe_token
from watch.models import Delivery, Subscription

pytestmark = pytest.mark.django_db
Event = RepositoryChange.Event
Channel = Subscription.Channel


def test_a_webhook_gets_the_body_signed_with_its_secret(owner, watched, finished_scan, public_hook, receiver):
    subscription = hook(owner)
    finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    digests.digest_finished_scans()
    delivery = Delivery.objects.get()

    assert deliveries.attempt(delivery.id) == Delivery.Status.DELIVERED

    (request,) = receiver.requests
    expected = hmac.new(subscription.secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-RepoHealth-Signature"] == f"sha256={expected}"
    assert request.body.decode() == delivery.body
    assert not {"Cookie", "Authorization"} & set(request.headers)
    delivery.refresh_from_db()
    assert (delivery.status_code, delivery.attempts, delivery.error) == (200, 1, "")
    assert delivery.response_ms is not None
    assert deliveries.attempt(delivery.id) == Delivery.Status.DELIVERED
    assert len(receiver.requests) == 1


def test_a_failed_attempt_is_retried_with_backoff_and_logged(owner, watched, finished_scan, public_hook, receiver,
                                                             settings):
    settings.WEBHOOK_RETRY_SECONDS, settings.WEBHOOK_MAX_ATTEMPTS = 30, 3
    hook(owner)
    finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    digests.digest_finished_scans()
    delivery = Delivery.objects.get()
    receiver.answer(Answer(status=500), Answer(status=503), Answer(status=200))

    def attempt_between() -> tuple:
        before = timezone.now()
        deliveries.attempt(delivery.id)
        delivery.refresh_from_db()
        return before, timezone.now()

    before, after = attempt_between()
    assert (delivery.status, delivery.status_code, delivery.error) == ("pending", 500, "HTTP 500")
    assert before + timedelta(seconds=30) <= delivery.next_attempt_at <= after + timedelta(seconds=30)
    assert deliveries.attempt(delivery.id) == "pending", "not before its time"
    assert len(receiver.requests) == 1

    Delivery.objects.filter(id=delivery.id).update(next_attempt_at=timezone.now())
    before, after = attempt_between()
    assert before + timedelta(seconds=60) <= delivery.next_attempt_at <= after + timedelta(seconds=60), "it doubles"
    Delivery.objects.filter(id=delivery.id).update(next_attempt_at=timezone.now())
    assert deliveries.attempt(delivery.id) == "delivered"
    assert delivery.subscription.failures_in_a_row == 0
    assert len(receiver.requests) == 3


def test_a_webhook_failing_20_times_in_a_row_is_switched_off_and_its_owner_told(
        owner, watched, finished_scan, public_hook, receiver, settings, client):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    subscription = hook(owner)
    receiver.answer(Answer(status=500))
    for _ in range(20):
        finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    digests.digest_finished_scans()
    for delivery in Delivery.objects.order_by("id"):
        deliveries.attempt(delivery.id)

    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.failures_in_a_row == 20
    assert "switched off after 20 failed deliveries in a row" in subscription.disabled_reason
    (told,) = [m for m in mail.outbox if "switched off" in m.subject]
    assert told.to == ["owner@example.com"]
    assert subscription.target_url in told.body
    client.force_login(owner)
    assert "switched off after 20 failed deliveries" in client.get("/scans/").content.decode()
    # Switched on again, it starts from a clean count and the banner goes.
    client.post(f"/subscriptions/{subscription.id}/toggle")
    subscription.refresh_from_db()
    assert subscription.active
    assert subscription.failures_in_a_row == 0
    assert subscription.disabled_reason == ""


def test_an_unsafe_target_is_refused_again_at_delivery(owner, watched, finished_scan, fake_net, settings):
    settings.ALERT_ALLOW_HTTP = True
    fake_net.resolve("hooks.example.test", PUBLIC)
    hook(owner)
    finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    digests.digest_finished_scans()
    fake_net.resolve("hooks.example.test", "10.1.2.3")  # the name now points inside

    deliveries.attempt(Delivery.objects.get().id)

    delivery = Delivery.objects.get()
    assert delivery.error.startswith("refused: hooks.example.test resolves to 10.1.2.3, a private")
    assert fake_net.connects == []


def test_an_email_digest_with_an_unsubscribe_link_that_works_without_a_login(owner, watched, finished_scan, client):
    subscription = Subscription.objects.create(owner=owner, channel=Channel.EMAIL, events=list(Event.values))
    finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED),
                  (watched[1], "full_name", "acme/b", "acme/b2", Event.MOVED))
    digests.digest_finished_scans()

    assert deliveries.attempt(Delivery.objects.get().id) == "delivered"

    (message,) = mail.outbox
    assert message.to == ["owner@example.com"]
    assert message.subject == "RepoHealth: 1 archived, 1 renamed or moved in your catalog"
    assert "- acme/a: archived (health: healthy → archived)" in message.body
    link = f"/unsubscribe/{unsubscribe_token(subscription)}"
    assert link in message.body
    assert link in message.extra_headers["List-Unsubscribe"]
    assert client.get(link).status_code == 200
    client.post(link)
    subscription.refresh_from_db()
    assert not subscription.active
    assert client.get("/unsubscribe/forged-token").status_code == 404


def test_a_deactivated_users_subscriptions_stop(owner, watched, finished_scan, public_hook, receiver):
    hook(owner)
    finished_scan((watched[0], "health", "healthy", "archived", Event.ARCHIVED))
    digests.digest_finished_scans()
    owner.is_active = False
    owner.save()
    finished_scan((watched[1], "health", "healthy", "archived", Event.ARCHIVED))

    deliveries.attempt(Delivery.objects.get().id)
    digests.digest_finished_scans()

    assert receiver.requests == []
    assert Delivery.objects.count() == 1
    assert Delivery.objects.get().status == "failed"
    assert deliveries.send_due_deliveries() == 0
