"""Reads shared by the pages, the API, the admin and runscan."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from repohealth.runtime.times import parse_iso
from repositories import history
from repositories.charts import step_chart
from repositories.models import Repository
from repositories.selectors import maintenance_counts
from scans.models import ScanJob, ScanResult
from scans.run.progress import progress_key, progress_payload


def can_see(user, owner_id: int | None) -> bool:
    """A scan is visible to the user who started it and to staff."""
    return bool(user and user.is_authenticated and (user.is_staff or (owner_id is not None and owner_id == user.id)))


def scans_visible_to(user) -> QuerySet[ScanJob]:
    qs = ScanJob.objects.select_related("requested_by")
    return qs if user.is_staff else qs.filter(requested_by_id=user.id)


def scan_get_for(user, job_id) -> ScanJob | None:
    """The scan if it exists and this user may see it; None otherwise (the same for both)."""
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        return None
    scan = ScanJob.objects.filter(id=key).first()
    if scan is None or not can_see(user, scan.requested_by_id):
        return None
    return scan


def _heartbeat_is_lost(payload: dict[str, Any]) -> bool:
    if payload.get("status") != ScanJob.Status.RUNNING:
        return False
    beat = parse_iso(payload.get("heartbeat_at") or payload.get("updated_at"))
    return beat is not None and timezone.now() - beat > timedelta(seconds=settings.SCAN_HEARTBEAT_TIMEOUT)


def progress_for(user, job_id, *, read: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The progress payload for a poller: from the cache without touching the database while
    the key is there; from the ScanJob row once it has expired. None: unknown or not theirs.
    `read`: cache entries already fetched (a poll's token authentication reads the payload in its
    own round trip, repohealth.web.auth.read_with_token); the key is asked again only if absent there."""
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        return None
    cache_key = progress_key(key)
    payload = read[cache_key] if read and cache_key in read else cache.get(cache_key)
    if payload is not None and not _heartbeat_is_lost(payload):
        return payload if can_see(user, payload.get("requested_by_id")) else None
    scan = scan_get_for(user, key)
    if scan is None:
        return None
    return progress_payload(scan)


def running_scans_for(user) -> QuerySet[ScanJob]:
    return scans_visible_to(user).filter(
        status__in=ScanJob.LIVE, requested_by_id=user.id
    )


def scan_failed_repository_ids(scan: ScanJob) -> list[int]:
    """The repositories a scan could not check (outcome `error`), for "Rescan failed"."""
    return list(scan.results.filter(outcome=Repository.Health.ERROR).exclude(repository=None)
                .values_list("repository_id", flat=True).distinct())


def scan_maintenance_counts(scan_id) -> dict[str, int]:
    """The maintenance verdicts of the repositories a scan checked, as they stand now."""
    checked = ScanResult.objects.filter(scan_id=scan_id).exclude(repository=None).values("repository_id")
    return maintenance_counts(Repository.objects.filter(id__in=checked))


def visible_scan_ids(user, scan_ids) -> set:
    """Which of these scans the user may see (change rows and digests name only those)."""
    wanted = {i for i in scan_ids if i}
    if not wanted:
        return set()
    return set(scans_visible_to(user).filter(id__in=wanted).values_list("id", flat=True))


HISTORY_ROWS = 100


def repository_history(user, repository: Repository) -> dict[str, Any]:
    """The repository page's history: its latest changes (each marked `scan_visible`) and the
    stars chart of the last year."""
    rows = list(history.changes(repositories=Repository.objects.filter(id=repository.id))[:HISTORY_ROWS])
    visible = visible_scan_ids(user, {row.scan_id for row in rows})
    for row in rows:
        row.scan_visible = row.scan_id in visible
    series = [(s.day, s.stars) for s in history.metric_series(repository)]
    # The line runs on to today at the current count, unless GitHub no longer answers for it.
    today = timezone.now().date() if repository.metadata_known else (series[-1][0] if series else None)
    chart = step_chart(series, today=today, current=repository.stars)
    return {"changes": rows, "chart": chart}
