"""Links that leave the site (e-mails, webhooks, feeds): absolute, from SITE_URL; and the signed
token of an e-mail's unsubscribe link, which works without logging in."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from watch.models import Subscription

UNSUBSCRIBE_SALT = "watch.unsubscribe"


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_token(subscription: Subscription) -> str:
    return signing.dumps(subscription.id, salt=UNSUBSCRIBE_SALT)


def subscription_for_token(token: str) -> Subscription | None:
    try:
        subscription_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return Subscription.objects.filter(id=subscription_id).first()


def unsubscribe_url(subscription: Subscription) -> str:
    return site_url(reverse("watch:unsubscribe", args=[unsubscribe_token(subscription)]))


def subscription_url(subscription: Subscription) -> str:
    return site_url(reverse("watch:subscription", args=[subscription.id]))
