"""The cache's Redis client (repohealth/runtime/cache.py): one per connection pool, not one per operation."""

from __future__ import annotations

from django.core.cache import cache


def test_every_operation_uses_the_same_redis_client():
    backend = cache._cache

    assert backend.get_client("a") is backend.get_client("b")
    assert backend.get_client("a", write=True) is backend.get_client("b", write=True)


def test_the_reused_client_reads_what_was_written():
    cache.set("test-cache:reused", {"n": 1}, 30)
    assert [cache.get("test-cache:reused") for _ in range(3)] == [{"n": 1}] * 3
