"""Progress: one function builds the payload; the reporter publishes it while a scan runs.

The ScanJob row is the durable record. The cache key `health_check:{job_id}` and the RQ
`job.meta["progress"]` are fast copies that may expire.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any, Callable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from repohealth.runtime.cache import UNREACHABLE, set_and_get
from repohealth.runtime.times import format_iso
from scans.models import ScanJob
from scans.run import passes


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
    live = scan.status in ScanJob.LIVE
    eta = eta_seconds(scan, now)
    rate_limit = rate_limit or {"remaining": scan.rate_limit_remaining,
                                "reset_at": format_iso(scan.rate_limit_reset_at)}
    metadata_pass_id = _metadata_pass_id(scan)
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
        "eta_seconds": eta,
        "mode": str(scan.mode),
        "points_spent": scan.points_spent,
        "requested_by_id": scan.requested_by_id,
        "name_reused": scan.name_reused,
        "cancel_requested": bool(scan.cancel_requested) and live,
        "waiting_reason": waiting[0] if waiting_until else None,
        "waiting_until": format_iso(waiting_until),
        "rate_limit": rate_limit,
        # Health first (scans/run/passes.py): which pass this is, the other pass, and when each is
        # expected to finish at the current budget.
        "pass": scan.scan_pass or None,
        "health_pass_id": str(scan.health_pass_id) if scan.health_pass_id else None,
        "metadata_pass_id": metadata_pass_id,
        "metadata_due": scan.metadata_due,
        "budget_share": scan.budget_share,
        "points_per_hour": round(passes.hourly_limit(rate_limit) * scan.budget_share / 100),
        "expected_finish": passes.expected_finish(scan, rate_limit=rate_limit, eta_seconds=eta, now=now,
                                                  metadata_pass_id=metadata_pass_id),
    }
    if scan.status == ScanJob.Status.FAILED:
        payload["error"] = scan.error
    return payload


def _metadata_pass_id(scan: ScanJob) -> str | None:
    """A completed health pass's metadata pass (one query; a running scan has none yet)."""
    if scan.scan_pass != ScanJob.Pass.HEALTH or scan.status != ScanJob.Status.COMPLETED:
        return None
    found = scan.metadata_passes.order_by("created_at").values_list("id", flat=True).first()
    return str(found) if found else None


def publish(scan: ScanJob, payload: dict[str, Any], rq_job=None) -> bool:
    """The fast copies, the cache key and job.meta, in one round trip to Redis that also reads
    the scan's cancel flag back (returned). Both may fail while Redis is away (the cache says
    nothing; job.meta is skipped; the flag reads False): the row stays the record."""
    def save_meta(pipeline) -> None:
        rq_job.meta["progress"] = payload
        if pipeline is not None:
            pipeline.hset(rq_job.key, "meta", rq_job.serializer.dumps(rq_job.meta))  # what save_meta() sends
            return
        with contextlib.suppress(UNREACHABLE):
            rq_job.save_meta()

    return bool(set_and_get(progress_key(scan.id), payload, timeout=settings.SCAN_PROGRESS_TTL,
                            read=cancel_key(scan.id), also=save_meta if rq_job is not None else None,
                            also_on=getattr(rq_job, "connection", None)))


class ProgressReporter:
    """Keeps a running scan's fast copies fresh on a clock, never on every repository or batch.

    The cache and job.meta are written when `due()` (`interval` seconds since the last write:
    4 a second), at the end of a chunk when due, on a wait and at the end, in one round trip each
    that also reads the cancel flag. The ScanJob row is written by the scan's writer
    (scans/run/writer.py) with its counts and heartbeat. `clock` is time.monotonic unless a test
    gives its own.
    """

    def __init__(self, scan: ScanJob, *, rq_job=None, interval: float = 0.25, enabled: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.scan = scan
        self.rq_job = rq_job
        self.interval = interval
        self.enabled = enabled
        self.rate_limit: dict[str, Any] | None = None
        self.waiting: tuple[str, float] | None = None  # (reason, until epoch) while the scan waits
        self.clock = clock
        self._last_publish = -interval
        self._last_cancel_check = 0.0
        self._cancelled = False

    def due(self) -> bool:
        return self.enabled and self.clock() - self._last_publish >= self.interval

    def publish(self) -> dict[str, Any]:
        self.scan.cancel_requested = self._cancelled
        payload = progress_payload(self.scan, rate_limit=self.rate_limit, waiting=self.waiting)
        flag = publish(self.scan, payload, self.rq_job)
        self._last_publish = self._last_cancel_check = self.clock()
        if flag and not self._cancelled:  # asked since the last write: the payload says "cancelling" at once
            self._cancelled = True
            return self.publish()
        return payload

    def cancel_requested(self) -> bool:
        """Checked between repositories; asks Redis at most twice a second, and not at all while
        the progress writes read the flag (the row's flag comes with every write of the row:
        `cancelled_in_row`)."""
        if self._cancelled:
            return True
        if self.clock() - self._last_cancel_check >= 0.5:
            self._read_cancel_flag()
        return self._cancelled

    def cancelled_in_row(self) -> None:
        """The row says a cancel was asked (perhaps while Redis was away)."""
        self._cancelled = True

    def _read_cancel_flag(self) -> None:
        if not self._cancelled:
            self._last_cancel_check = self.clock()
            self._cancelled = bool(cache.get(cancel_key(self.scan.id)))
        self.scan.cancel_requested = self._cancelled
