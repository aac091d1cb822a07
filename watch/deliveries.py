"""Sending deliveries: each attempt is an RQ job on the `upkeep` queue (`watch.jobs.deliver`),
which has a worker of its own.

A webhook is POSTed through the outbound guard (repohealth.runtime.outbound: the target is checked again
at every attempt, and the request goes to the address that was checked) with the header
`X-RepoHealth-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the subscription's
secret>`; an e-mail goes through Django's mail framework. A failed attempt is tried again after
WEBHOOK_RETRY_SECONDS, doubling each time, up to WEBHOOK_MAX_ATTEMPTS (the upkeep job
enqueues the attempts that are due; a test is tried once). Every attempt is logged on the
Delivery: status code, response time, error. A webhook that fails WEBHOOK_DISABLE_AFTER attempts
in a row is switched off, and its owner is told (a banner on every page, and an e-mail).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

from repohealth.runtime import outbound
from watch.links import subscription_url, unsubscribe_url
from watch.models import Delivery, Subscription

logger = logging.getLogger(__name__)
QUEUE = "upkeep"
Status = Delivery.Status
Channel = Subscription.Channel
LEASE_SECONDS = outbound.TOTAL_TIMEOUT + 60  # an attempt whose worker died is tried again after this


class Undelivered(Exception):
    """An attempt that failed; str() says why; `status_code` and `duration_ms` when an answer came."""

    def __init__(self, reason: str, status_code: int | None = None, duration_ms: int | None = None) -> None:
        super().__init__(reason)
        self.status_code, self.duration_ms = status_code, duration_ms


def job_id(delivery_id: int) -> str:
    return f"watch-delivery-{delivery_id}"


def enqueue(delivery_id: int) -> None:
    """Put an attempt on the queue (at most one job per delivery). Without Redis it waits: the
    upkeep job enqueues due deliveries on its next pass."""
    import django_rq
    from rq.job import Job

    try:
        queue = django_rq.get_queue(QUEUE, commit_mode="auto")
        if not Job.exists(job_id(delivery_id), connection=queue.connection):
            queue.enqueue("watch.jobs.deliver", delivery_id, job_id=job_id(delivery_id), job_timeout=60,
                          result_ttl=0, failure_ttl=600, description=f"Delivery {delivery_id}")
    except (RedisError, OSError) as exc:
        logger.warning("delivery %s could not be queued now (%s); the upkeep job will", delivery_id, exc)


def send_due_deliveries(now=None) -> int:
    """Enqueue every pending delivery whose attempt is due (first tries the queue missed, retries)."""
    due = Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now or timezone.now(),
                                  subscription__active=True, subscription__owner__is_active=True)
    ids = list(due.order_by("next_attempt_at").values_list("id", flat=True)[:1000])
    for delivery_id in ids:
        enqueue(delivery_id)
    return len(ids)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def attempt(delivery_id: int) -> str:
    """One attempt at a delivery, if it is due; its status afterwards."""
    now = timezone.now()
    claimed = Delivery.objects.filter(id=delivery_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + timedelta(seconds=LEASE_SECONDS), attempts=F("attempts") + 1)
    delivery = Delivery.objects.select_related("subscription__owner", "subscription__label").get(id=delivery_id)
    if not claimed:
        return delivery.status
    subscription = delivery.subscription
    if not (subscription.active and subscription.owner.is_active) or _before_switched_on(delivery, subscription):
        delivery.status, delivery.next_attempt_at = Status.FAILED, None
        delivery.error = "the subscription was switched off before it was sent"
        delivery.save(update_fields=["status", "next_attempt_at", "error"])
        return delivery.status
    try:
        if subscription.channel == Channel.WEBHOOK:
            delivery.status_code, delivery.response_ms = _post(subscription, delivery)
        else:
            _mail(subscription, delivery)
    except Undelivered as exc:
        _failed(delivery, str(exc), exc.status_code, exc.duration_ms)
    else:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at, delivery.error = (
            Status.DELIVERED, timezone.now(), None, "")
        delivery.save(update_fields=["status", "delivered_at", "next_attempt_at", "error", "status_code",
                                     "response_ms"])
        Subscription.objects.filter(id=subscription.id).update(failures_in_a_row=0)
    return delivery.status


def _before_switched_on(delivery: Delivery, subscription: Subscription) -> bool:
    """A digest made before the subscription was paused and switched on again: it tells of the
    time before, which a subscription switched on again is not told of (a test is still sent)."""
    return delivery.kind == Delivery.Kind.DIGEST and delivery.created_at < subscription.active_since


def _post(subscription: Subscription, delivery: Delivery) -> tuple[int, int]:
    body = delivery.body.encode()
    try:
        target = outbound.check_url(subscription.target_url)  # again: DNS may answer otherwise today
        answer = outbound.post(target, body, {
            "X-RepoHealth-Signature": signature(subscription.secret, body),
            "X-RepoHealth-Event": delivery.kind, "X-RepoHealth-Delivery": str(delivery.id),
        })
    except outbound.UnsafeTarget as exc:
        raise Undelivered(f"refused: {exc}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise Undelivered(f"no answer: {exc or type(exc).__name__}") from None
    if 300 <= answer.status < 400:
        raise Undelivered(f"HTTP {answer.status}: redirects are not followed ({answer.location or 'no Location'})",
                          answer.status, answer.duration_ms)
    if not 200 <= answer.status < 300:
        raise Undelivered(f"HTTP {answer.status}", answer.status, answer.duration_ms)
    return answer.status, answer.duration_ms


def _mail(subscription: Subscription, delivery: Delivery) -> None:
    if not subscription.owner.email:
        raise Undelivered(f"{subscription.owner} has no e-mail address")
    unsubscribe = unsubscribe_url(subscription)
    message = EmailMessage(delivery.subject, delivery.body, settings.DEFAULT_FROM_EMAIL, [subscription.owner.email],
                           headers={"List-Unsubscribe": f"<{unsubscribe}>"})
    try:
        message.send()
    except (OSError, Exception) as exc:  # SMTP refusals, a mail server away
        raise Undelivered(f"the mail server refused it: {exc}") from None


def _failed(delivery: Delivery, reason: str, status_code: int | None, duration_ms: int | None) -> None:
    retries = delivery.kind == Delivery.Kind.DIGEST and delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS
    delivery.error, delivery.status_code, delivery.response_ms = reason[:300], status_code, duration_ms
    if retries:
        delay = settings.WEBHOOK_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    else:
        delivery.status, delivery.next_attempt_at = Status.FAILED, None
    delivery.save(update_fields=["status", "next_attempt_at", "error", "status_code", "response_ms"])
    subscription = delivery.subscription
    if subscription.channel != Channel.WEBHOOK:
        return
    Subscription.objects.filter(id=subscription.id).update(failures_in_a_row=F("failures_in_a_row") + 1)
    subscription.refresh_from_db(fields=["failures_in_a_row", "active"])
    if subscription.active and subscription.failures_in_a_row >= settings.WEBHOOK_DISABLE_AFTER:
        switch_off(subscription, last_error=reason)


def switch_off(subscription: Subscription, *, last_error: str) -> None:
    """A webhook that keeps failing stops, and its owner is told: a banner on every page, an e-mail."""
    reason = (f"switched off after {subscription.failures_in_a_row} failed deliveries in a row; "
              f"the last: {last_error}")[:300]
    if not Subscription.objects.filter(id=subscription.id, active=True).update(active=False, disabled_reason=reason):
        return
    Delivery.objects.filter(subscription=subscription, status=Status.PENDING).update(
        status=Status.FAILED, next_attempt_at=None, error="the webhook was switched off")
    owner = subscription.owner
    if owner.email:
        page = subscription_url(subscription)
        try:
            send_mail("RepoHealth: your webhook was switched off",
                      f"Your webhook to {subscription.target_url} was {reason}.\n\n"
                      f"Fix the receiver, then switch it on again: {page}\n",
                      settings.DEFAULT_FROM_EMAIL, [owner.email])
        except Exception:  # the banner still tells them
            logger.warning("could not e-mail %s that webhook %s was switched off", owner, subscription.id,
                           exc_info=True)
