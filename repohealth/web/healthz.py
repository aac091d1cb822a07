"""GET /healthz: is RepoHealth able to work? For load balancers and monitoring; no login.

200 when the database and Redis answer and at least one RQ worker is alive; 503 otherwise
(never a 500: every check catches its own failure). It also reports the queue lengths, the
periodic upkeep job's last run and whether the GitHub tokens were accepted, as far as the
cache knows: GitHub itself is not called (`null` until something has written the answer).
Nothing secret is in it: no URL, host, token or exception message, only exception class names.
"""

from __future__ import annotations

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rq import Queue, Worker

from repohealth.runtime.upkeep import LAST_RUN_KEY as UPKEEP_LAST_RUN_KEY

GITHUB_TOKENS_OK_KEY = "repohealth:github:tokens_ok"
REDIS_TIMEOUT_SECONDS = 2

_clients: dict[str, redis.Redis] = {}


def _redis(url: str) -> redis.Redis:
    """A client with short timeouts (the web's own may wait much longer), one per URL."""
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                             socket_timeout=REDIS_TIMEOUT_SECONDS)
    return _clients[url]


def _failed(exc: Exception) -> dict:
    return {"ok": False, "error": exc.__class__.__name__}


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure is "not ok", never a 500
        return _failed(exc)
    return {"ok": True}


def check_redis_and_queues() -> tuple[dict, dict, dict]:
    """(redis, queues, workers): the connection, each queue's length, the live workers."""
    queues, workers, seen = {}, set(), set()
    try:
        for name, config in sorted(settings.RQ_QUEUES.items()):
            url = config.get("URL") or settings.REDIS_URL
            client = _redis(url)
            if url not in seen:
                client.ping()
                seen.add(url)
                workers.update(worker.name for worker in Worker.all(connection=client))
            queues[name] = Queue(name, connection=client).count
    except Exception as exc:
        return _failed(exc), {"ok": False, "lengths": None}, {"ok": False, "alive": None}
    return {"ok": True}, {"ok": True, "lengths": queues}, {"ok": bool(workers), "alive": len(workers)}


def cached(key: str):
    try:
        return cache.get(key)
    except Exception:  # Redis down: reported by the Redis check
        return None


def report() -> tuple[bool, dict]:
    database = check_database()
    redis_check, queues, workers = check_redis_and_queues()
    last_run = cached(UPKEEP_LAST_RUN_KEY)
    upkeep = {"last_run": last_run if isinstance(last_run, str) else None}
    tokens_ok = cached(GITHUB_TOKENS_OK_KEY)
    healthy = database["ok"] and redis_check["ok"] and workers["ok"]
    return healthy, {
        "status": "ok" if healthy else "unhealthy",
        "database": database,
        "redis": redis_check,
        "queues": queues,
        "workers": workers,
        # Written by the periodic upkeep job; absent is not (yet) unhealthy.
        "upkeep": upkeep,
        "maintenance": upkeep,  # deprecated: the same as "upkeep", under the job's former name
        "github": {
            "tokens_configured": len(settings.GITHUB_TOKENS),
            "tokens_ok": tokens_ok if isinstance(tokens_ok, bool) else None,
        },
    }


@never_cache
@require_GET
def healthz(request):
    healthy, body = report()
    return JsonResponse(body, status=200 if healthy else 503)
