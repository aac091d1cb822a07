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

On Redis a throttle costs one round trip: DRF's rule (at most N requests in the last `duration`
seconds; a refused request is not counted; `Retry-After` as DRF computes it) kept in a sorted set
of the accepted requests' times, which one Lua script trims, counts and adds to atomically. DRF's
own way (read the list of times, then write it back) costs two round trips and moves the whole
list each time, and concurrent requests overwrite each other's additions, so many parallel
requests were under-counted. Another cache backend gets DRF's way.
"""

from __future__ import annotations

import hashlib
import logging
import os

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import NoScriptError, RedisError
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


# KEYS[1]: the counter; ARGV: now, now - duration (requests at or before it no longer count),
# the limit, this request's member, the key's lifetime. Answers {accepted, count, oldest time}.
_SLIDING_LOG = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local count = redis.call('ZCARD', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2] or ARGV[1]
if count >= tonumber(ARGV[3]) then
  return {0, count, oldest}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {1, count + 1, oldest}
"""
_SLIDING_LOG_SHA = hashlib.sha1(_SLIDING_LOG.encode()).hexdigest()


def _sliding_log(client, key: str, *args):
    try:
        return client.evalsha(_SLIDING_LOG_SHA, 1, key, *args)
    except NoScriptError:  # a restarted Redis: send the script itself once
        return client.eval(_SLIDING_LOG, 1, key, *args)


class _Rates:
    """Rates are read at each request (DRF reads them once at import), so a change of settings
    applies at once, tests' override_settings included; the cache may be down."""

    cache_format = "throttle:%(scope)s:%(ident)s"  # a sorted set: not DRF's pickled list

    def get_rate(self):
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            return None

    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        try:
            backend = caches[DEFAULT_CACHE_ALIAS]
            if self.rate is None or not isinstance(backend, RedisCache):
                return super().allow_request(request, view)
            return self._allow_in_redis(backend, request, view)
        except (RedisError, OSError) as exc:
            log.warning("throttle %s not applied: the cache is unavailable (%s)", self.scope, exc.__class__.__name__)
            return True

    def _allow_in_redis(self, backend: RedisCache, request, view) -> bool:
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        member = f"{self.now!r}:{os.urandom(6).hex()}"
        accepted, self.count, oldest = _sliding_log(
            backend._cache.get_client(write=True), backend.make_key(self.key),
            repr(self.now), repr(self.now - self.duration), self.num_requests, member, self.duration)
        self.oldest = float(oldest)
        return bool(accepted)

    def wait(self):
        """DRF's figure: the time until the oldest counted request leaves the window, spread over
        the requests that will then be available."""
        if not hasattr(self, "count"):
            return super().wait()
        available = self.num_requests - self.count + 1
        if available <= 0:
            return None
        return (self.duration - (self.now - self.oldest)) / available


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
