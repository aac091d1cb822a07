"""The periodic upkeep job: the one home of work that runs on a clock (reaping dead scans,
starting due schedules and rechecks, digesting finished scans, sending deliveries, pruning).

RQ's cron scheduler (`manage.py rqcron repohealth.cron`, started by `make run`) enqueues `run`
every UPKEEP_INTERVAL_SECONDS on the `upkeep` queue, which has a worker of its own so a
long scan never holds it up. Each run takes a Redis lock with a TTL first, so exactly one run
does the work even when several machines run a scheduler. The tasks are the dotted paths in
UPKEEP_TASKS (each app adds its own; this module imports neither app). A task that fails is
logged and the others still run.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

from repohealth.runtime.times import format_iso

log = logging.getLogger(__name__)
QUEUE = "upkeep"
# Its worker also listens on the queue's former name, so jobs an older release queued there run.
WORKER_QUEUES = (QUEUE, "maintenance")
# The lock keeps the key name of the release that called this job "maintenance": a process of
# that release and one of this release then exclude each other during an upgrade.
LOCK_KEY = "repohealth:maintenance:lock"
LAST_RUN_KEY = "repohealth:upkeep:last_run"
# Released only by the run that took it: compare the token, then delete.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def _connection():
    import django_rq

    return django_rq.get_connection(QUEUE)


def run() -> dict:
    """One upkeep pass; what each task answered (or why nothing ran)."""
    connection = _connection()
    token = uuid.uuid4().hex
    if not connection.set(LOCK_KEY, token, nx=True, ex=settings.UPKEEP_LOCK_SECONDS):
        return {"skipped": "another upkeep run holds the lock"}
    outcome: dict[str, object] = {}
    try:
        for path in settings.UPKEEP_TASKS:
            try:
                outcome[path] = import_string(path)()
            except Exception as exc:  # one broken task must not stop the others
                log.exception("upkeep task %s failed", path)
                outcome[path] = f"failed: {type(exc).__name__}: {exc}"
    finally:
        connection.eval(_RELEASE, 1, LOCK_KEY, token)
    cache.set(LAST_RUN_KEY, format_iso(timezone.now()), timeout=None)
    return outcome
