"""Reads shared by the pages, the API, the admin and runscan."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from repohealth.times import parse_iso
from repositories.models import Repository
from scans.models import ScanJob
from scans.progress import progress_key, progress_payload


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


def _heartbeat_is_stale(payload: dict[str, Any]) -> bool:
    if payload.get("status") != ScanJob.Status.RUNNING:
        return False
    beat = parse_iso(payload.get("heartbeat_at") or payload.get("updated_at"))
    return beat is not None and timezone.now() - beat > timedelta(seconds=settings.SCAN_HEARTBEAT_TIMEOUT)


def progress_for(user, job_id) -> dict[str, Any] | None:
    """The progress payload for a poller: from the cache without touching the database while
    the key is there; from the ScanJob row once it has expired. None: unknown or not theirs."""
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        return None
    payload = cache.get(progress_key(key))
    if payload is not None and not _heartbeat_is_stale(payload):
        return payload if can_see(user, payload.get("requested_by_id")) else None
    scan = scan_get_for(user, key)
    if scan is None:
        return None
    return progress_payload(scan)


def running_scans_for(user) -> QuerySet[ScanJob]:
    return scans_visible_to(user).filter(
        status__in=[ScanJob.Status.QUEUED, ScanJob.Status.RUNNING], requested_by_id=user.id
    )


def scan_failed_repository_ids(scan: ScanJob) -> list[int]:
    """The repositories a scan could not check (outcome `error`), for "Rescan failed"."""
    return list(scan.results.filter(outcome=Repository.Health.ERROR).exclude(repository=None)
                .values_list("repository_id", flat=True).distinct())
