"""The verbs of subscriptions (the API, the pages and the admin call these; schedules are
`watch.schedules`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from watch import digests
from watch.deliveries import enqueue
from watch.models import Delivery, Subscription, new_secret


def subscription_save(*, subscription: Subscription) -> Subscription:
    """Save a subscription; switching it on again forgets the failures that switched it off, and
    from then on it is told only what happens afterwards (not what happened while it was off)."""
    if subscription.active:
        subscription.failures_in_a_row, subscription.disabled_reason = 0, ""
        if subscription.pk is None or not Subscription.objects.filter(pk=subscription.pk, active=True).exists():
            subscription.active_since = timezone.now()
    subscription.save()
    return subscription


def subscription_rotate_secret(*, subscription: Subscription) -> str:
    """A new secret (the old one stops signing, and the feed's old URL stops answering)."""
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret"])
    return subscription.secret


def subscription_send_test(*, subscription: Subscription) -> Delivery:
    """A made-up transition, sent like a digest (webhook or e-mail), tried once; see its log."""
    if subscription.channel == Subscription.Channel.FEED:
        raise ValueError("A feed is read by your feed reader; there is nothing to send.")
    subject, body = digests.render(subscription, None, digests.sample_rows(subscription))
    with transaction.atomic():
        delivery = Delivery.objects.create(subscription=subscription, kind=Delivery.Kind.TEST,
                                           subject=f"[test] {subject}"[:300], body=body, transitions=1,
                                           next_attempt_at=timezone.now())
        transaction.on_commit(lambda: enqueue(delivery.id))
    return delivery


def subscription_unsubscribe(*, subscription: Subscription) -> None:
    Subscription.objects.filter(id=subscription.id).update(active=False)
    subscription.active = False
