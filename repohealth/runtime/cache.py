"""The cache: Redis, tolerated when it is away.

Redis is a cache and a queue, never the record. `TolerantRedisCache` is Django's Redis cache in
which every operation that fails because Redis is unreachable is logged (once a minute at most)
and answers as a miss: `get` its default, `set`/`delete` nothing. Pages and the progress API then
answer from the database rows. Code that must *know* whether Redis is there (a running scan, which
waits rather than work blind) asks `redis_available()`.

Keys are stored exactly as the code names them: the API contract says progress lives under
`health_check:{job_id}`; Django's default key function would store `:1:health_check:{job_id}`,
which other tools reading Redis would miss.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisError, OSError)
_WARN_EVERY = 60.0
_last_warning = 0.0


def make_key(key: str, key_prefix: str, version: int) -> str:
    if key_prefix:
        return f"{key_prefix}:{key}"
    return key


def _warn(operation: str, exc: BaseException) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY:
        _last_warning = now
        log.warning("the cache (Redis) is unavailable: %s failed with %s: %s; answering from the database",
                    operation, type(exc).__name__, exc)


def _tolerant(default_factory):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                _warn(method.__name__, exc)
                return default_factory(*args, **kwargs)
        return wrapper
    return decorate


def _none(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _default(key, default=None, *args, **kwargs):
    return default


def _empty(*args, **kwargs):
    return {}


def _keys_not_set(data, *args, **kwargs):
    return list(data)


class _ReusedClients(RedisCacheClient):
    """Django builds a new `redis.Redis` (and its table of response callbacks) for every cache
    operation: half the time of a `get` from a local Redis. One per connection pool serves every
    thread (redis-py's clients are thread-safe; its pools reconnect after a fork)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients

    get = _tolerant(_default)(RedisCache.get)
    set = _tolerant(_none)(RedisCache.set)
    add = _tolerant(_false)(RedisCache.add)
    touch = _tolerant(_false)(RedisCache.touch)
    delete = _tolerant(_false)(RedisCache.delete)
    get_many = _tolerant(_empty)(RedisCache.get_many)
    set_many = _tolerant(_keys_not_set)(RedisCache.set_many)
    delete_many = _tolerant(_none)(RedisCache.delete_many)
    has_key = _tolerant(_false)(RedisCache.has_key)
    clear = _tolerant(_false)(RedisCache.clear)


def redis_available() -> bool:
    """Whether Redis answers now (one PING; a short timeout, never an exception)."""
    try:
        return bool(cache._cache.get_client(write=True).ping())
    except UNREACHABLE as exc:
        _warn("ping", exc)
        return False
