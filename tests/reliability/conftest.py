"""Fault tests bring their own victims: a redis-server of their own that they may kill and start
again on the same socket, and (through tests/conftest.py) workers of their own. The machine's
shared Redis and database are never touched."""

from __future__ import annotations

import tempfile
from pathlib import Path

import django_rq.settings
import pytest

from devserver.embedded_redis import is_up, wait_until_up
from devserver.processes import Child, start_redis


class VictimRedis:
    def __init__(self, folder: Path) -> None:
        self.socket = folder / "redis.sock"
        self.log = folder / "redis.log"
        self.url = f"unix://{self.socket}?db=0"
        self.child: Child | None = None

    def start(self) -> None:
        self.child = start_redis(self.socket, persist=False, log=self.log, name="victim-redis")
        wait_until_up(self.socket)

    def kill(self) -> None:
        self.child.kill()
        assert not is_up(self.socket)

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()


@pytest.fixture
def victim_redis():
    # A short folder name: a unix socket path may not be longer than about 100 bytes.
    with tempfile.TemporaryDirectory(prefix="rh-victim-") as folder:
        redis = VictimRedis(Path(folder))
        redis.start()
        yield redis
        redis.stop()


@pytest.fixture
def on_victim_redis(victim_redis, settings, monkeypatch):
    """This test process's cache and queue point at the victim Redis (workers get its URL)."""
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": victim_redis.url}}
    for name in django_rq.settings.QUEUES:
        monkeypatch.setitem(django_rq.settings.QUEUES, name,
                            {**django_rq.settings.QUEUES[name], "URL": victim_redis.url})
    settings.REDIS_URL = victim_redis.url
    return victim_redis
