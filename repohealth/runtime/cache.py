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
from collections.abc import Callable
from typing import Any

from django.core.cache import cache, caches
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


def set_and_get(key: str, value: Any, *, timeout: int, read: str,
                also: Callable[[Any], None] | None = None, also_on: Any = None) -> Any:
    """`cache.set(key, value, timeout)` and `cache.get(read)` in one round trip to Redis (a
    pipeline); `also(pipeline)` adds its own commands to it when `also_on` (a redis-py client)
    talks to the same Redis, and runs apart otherwise (`also(None)`: do it on your own). Returns
    the value read (None when absent, or while Redis is away, which is logged like any cache
    operation). A cache that is not Redis does the two one after the other."""
    current = caches["default"]
    if not isinstance(current, TolerantRedisCache):
        current.set(key, value, timeout=timeout)
        if also is not None:
            also(None)
        return current.get(read)
    backend = current._cache
    client = backend.get_client(write=True)
    pipeline = client.pipeline(transaction=False)
    ttl = current.get_backend_timeout(timeout)
    pipeline.set(current.make_and_validate_key(key), backend._serializer.dumps(value), ex=ttl)
    pipeline.get(current.make_and_validate_key(read))
    joined = also is not None and (also_on is None or _same_server(client, also_on))
    if joined:
        also(pipeline)
    try:
        answer = pipeline.execute()[1]
    except UNREACHABLE as exc:
        _warn("set_and_get", exc)
        answer = None
    else:
        answer = None if answer is None else backend._serializer.loads(answer)
    if also is not None and not joined:
        also(None)
    return answer


def _same_server(one, other) -> bool:
    keys = ("host", "port", "path", "db")
    mine, theirs = one.connection_pool.connection_kwargs, other.connection_pool.connection_kwargs
    return all(mine.get(k) == theirs.get(k) for k in keys)
