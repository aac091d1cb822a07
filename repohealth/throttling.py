"""API throttles, and the client address that they and the login lockout count by.

Scopes (rates in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], from API_THROTTLE_* variables):
- `user`: every API request of a logged-in user, per user;
- `progress`: GET /api/bulk/health-check/{id}/progress alone, per user, generous enough that a
  panel polling every 300 ms is never throttled (the route uses it instead of `user`);
- `anon`: per client address, requests without credentials or with a wrong token.

DRF checks throttles after permissions, and every endpoint needs a login, so a plain
AnonRateThrottle would never see an anonymous request: a request without credentials gets a
401 first. The anonymous rate is therefore applied while authenticating: by TokenAuthentication
when the token is wrong, and by AnonymousRateLimit (last in the list) when no credentials came.

Throttle counters live in the cache (Redis). When Redis is unreachable a throttle lets the
request through with a warning: an outage of the cache must not take the API down with it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework import authentication, throttling
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.settings import api_settings

log = logging.getLogger(__name__)


def client_ip(request) -> str:
    """REMOTE_ADDR, or with DJANGO_NUM_PROXIES=n the address the n-th proxy from the end saw
    (the part of X-Forwarded-For that the client cannot forge). django-axes calls this too."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not settings.NUM_PROXIES or not forwarded:
        return remote_addr
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    return addresses[-min(settings.NUM_PROXIES, len(addresses))] if addresses else remote_addr


class _Rates:
    """Rates are read at each request (DRF reads them once at import), so a change of settings
    applies at once, tests' override_settings included; the cache may be down."""

    def get_rate(self):
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            return None

    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            log.warning("throttle %s not applied: the cache is unavailable (%s)", self.scope, exc.__class__.__name__)
            return True


class UserRateThrottle(_Rates, throttling.UserRateThrottle):
    scope = "user"


class AnonRateThrottle(_Rates, throttling.AnonRateThrottle):
    """For an endpoint that allows anonymous requests (none does today)."""

    scope = "anon"


class ProgressRateThrottle(_Rates, throttling.UserRateThrottle):
    scope = "progress"


class UnauthenticatedRateThrottle(_Rates, throttling.SimpleRateThrottle):
    """The anonymous rate, per client address, for use while authenticating (when
    `request.user` cannot be asked yet)."""

    scope = "anon"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _count_unauthenticated(request) -> None:
    throttle = UnauthenticatedRateThrottle()
    if not throttle.allow_request(request, None):
        raise Throttled(wait=throttle.wait())


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; a wrong key counts against the anonymous rate, so guessing
    keys ends in 429s."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            _count_unauthenticated(request)
            raise


class AnonymousRateLimit(authentication.BaseAuthentication):
    """Last of the authentication classes: reached only when no credentials were accepted. It
    authenticates nobody; it counts the request against the anonymous rate."""

    def authenticate(self, request):
        _count_unauthenticated(request)
        return None
