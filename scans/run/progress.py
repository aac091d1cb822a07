"""Progress: one function builds the payload; the reporter publishes it while a scan runs.

The ScanJob row is the durable record. The cache key `health_check:{job_id}` and the RQ
`job.meta["progress"]` are fast copies that may expire.
"""

from __future__ import annotations

import time
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from repohealth.runtime.cache import UNREACHABLE
from repohealth.runtime.times import format_iso
from scans.models import ScanJob
import contextlib


def progress_key(job_id) -> str:
    return f"health_check:{job_id}"


def cancel_key(job_id) -> str:
    return f"health_check:{job_id}:cancel"


def eta_seconds(scan: ScanJob, now: datetime) -> int | None:
    if scan.status != ScanJob.Status.RUNNING or not scan.started_at or not scan.current or not scan.total:
        return None
    elapsed = (now - scan.started_at).total_seconds()
    return max(0, round(elapsed / scan.current * (scan.total - scan.current)))


def progress_payload(scan: ScanJob, *, rate_limit: dict[str, Any] | None = None,
                     waiting: tuple[str, float] | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The progress payload: the API contract keys plus RepoHealth's own (`ProgressSerializer`
    lists every key). `waiting` is (reason, until as epoch seconds) while the scan waits for
    something (a rate limit's reset); the payload carries it as `waiting_reason`/`waiting_until`
    until then, and nulls otherwise."""
    now = now or timezone.now()
    live = scan.status in (ScanJob.Status.QUEUED, ScanJob.Status.RUNNING)
    waiting_until = None
    if waiting and live and waiting[1] > now.timestamp():
        waiting_until = datetime.fromtimestamp(waiting[1], tz=dt_timezone.utc)
    payload: dict[str, Any] = {
        "job_id": str(scan.id),
        "status": str(scan.status),
        "current": scan.current,
        "total": scan.total,
        **scan.counts(),
        "message": scan.message,
        "percent": scan.percent,
        "started_at": format_iso(scan.started_at),
        "updated_at": format_iso(now),
        "finished_at": format_iso(scan.finished_at),
        "heartbeat_at": format_iso(scan.heartbeat_at),
        "eta_seconds": eta_seconds(scan, now),
        "mode": str(scan.mode),
        "points_spent": scan.points_spent,
        "requested_by_id": scan.requested_by_id,
        "name_reused": scan.name_reused,
        "cancel_requested": bool(scan.cancel_requested) and live,
        "waiting_reason": waiting[0] if waiting_until else None,
        "waiting_until": format_iso(waiting_until),
        "rate_limit": rate_limit
        or {
            "remaining": scan.rate_limit_remaining,
            "reset_at": format_iso(scan.rate_limit_reset_at),
        },
    }
    if scan.status == ScanJob.Status.FAILED:
        payload["error"] = scan.error
    return payload


def publish(scan: ScanJob, payload: dict[str, Any], rq_job=None) -> None:
    """The fast copies: the cache key and job.meta. Both may fail while Redis is away (the
    cache says nothing; job.meta is skipped): the row stays the record."""
    cache.set(progress_key(scan.id), payload, timeout=settings.SCAN_PROGRESS_TTL)
    if rq_job is not None:
        rq_job.meta["progress"] = payload
        with contextlib.suppress(UNREACHABLE):
            rq_job.save_meta()


class ProgressReporter:
    """Keeps a running scan's fast copies fresh without writing on every repository.

    The cache and job.meta are written at most every `interval` seconds (about 5 a second, when
    `due()`), and always on a status change and at the end. The ScanJob row is written by the
    scan's writer (scans/run/writer.py) with its counts and heartbeat.
    """

    def __init__(self, scan: ScanJob, *, rq_job=None, interval: float = 0.2, enabled: bool = True) -> None:
        self.scan = scan
        self.rq_job = rq_job
        self.interval = interval
        self.enabled = enabled
        self.rate_limit: dict[str, Any] | None = None
        self.waiting: tuple[str, float] | None = None  # (reason, until epoch) while the scan waits
        self._last_publish = 0.0
        self._last_cancel_check = 0.0
        self._cancelled = False

    def due(self) -> bool:
        return self.enabled and time.monotonic() - self._last_publish >= self.interval

    def publish(self) -> dict[str, Any]:
        self._read_cancel_flag()  # so the payload says "cancelling" from the moment it was asked
        payload = progress_payload(self.scan, rate_limit=self.rate_limit, waiting=self.waiting)
        publish(self.scan, payload, self.rq_job)
        self._last_publish = time.monotonic()
        return payload

    def cancel_requested(self) -> bool:
        """Checked between repositories; asks Redis at most twice a second (the row's flag comes
        with every write: `cancelled_in_row`)."""
        if self._cancelled:
            return True
        now = time.monotonic()
        if now - self._last_cancel_check >= 0.5:
            self._read_cancel_flag()
        return self._cancelled

    def cancelled_in_row(self) -> None:
        """The row says a cancel was asked (perhaps while Redis was away)."""
        self._cancelled = True

    def _read_cancel_flag(self) -> None:
        if not self._cancelled:
            self._last_cancel_check = time.monotonic()
            self._cancelled = bool(cache.get(cancel_key(self.scan.id)))
        self.scan.cancel_requested = self._cancelled
