"""Retention: scan results, deliveries and old versions of imported documents older than
RETENTION_DAYS are deleted, in batches of RETENTION_BATCH, by the upkeep job. The latest
result of every repository is kept however old (its page still says how its last check went), and
so is the latest version of every document (schedules and subscriptions over an older one move to
it), every change row and every snapshot (the history is the point). Scans themselves are kept: a
row each, and their digests' markers."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from repositories.models import Source
from repositories.sources import latest_version_id, source_latest
from scans.models import ScanResult
from watch.models import Delivery, Schedule, Subscription

MAX_SECONDS = 20.0  # one upkeep pass prunes at most this long; the next goes on


def prune(*, now: datetime | None = None, max_seconds: float = MAX_SECONDS) -> dict[str, int]:
    cutoff = (now or timezone.now()) - timedelta(days=settings.RETENTION_DAYS)
    deadline = time.monotonic() + max_seconds
    return {"scan_results": prune_results(cutoff, deadline), "deliveries": prune_deliveries(cutoff, deadline),
            "source_versions": prune_sources(cutoff, deadline)}


def prune_results(cutoff: datetime, deadline: float) -> int:
    """Results checked before `cutoff`, but for each repository's latest; walks the old rows by id."""
    removed, after = 0, 0
    while time.monotonic() < deadline:
        batch = list(ScanResult.objects.filter(checked_at__lt=cutoff, id__gt=after).order_by("id")
                     .values_list("id", "repository_id")[:settings.RETENTION_BATCH])
        if not batch:
            break
        after = batch[-1][0]
        repositories = {repository for _, repository in batch if repository is not None}
        latest = set(ScanResult.objects.filter(repository_id__in=repositories).values("repository_id")
                     .annotate(latest=Max("id")).values_list("latest", flat=True))
        doomed = [row for row, _ in batch if row not in latest]
        if doomed:
            removed += ScanResult.objects.filter(id__in=doomed).delete()[0]
    return removed


def prune_deliveries(cutoff: datetime, deadline: float) -> int:
    removed = 0
    while time.monotonic() < deadline:
        ids = list(Delivery.objects.filter(created_at__lt=cutoff).exclude(status=Delivery.Status.PENDING)
                   .order_by("id").values_list("id", flat=True)[:settings.RETENTION_BATCH])
        if not ids:
            break
        removed += Delivery.objects.filter(id__in=ids).delete()[0]
    return removed


def prune_sources(cutoff: datetime, deadline: float) -> int:
    """Versions of an imported document (same label and file name) made before `cutoff`, but for
    its latest version, whatever its age; their entries and packages go with them, and the
    schedules and subscriptions over one move to the latest version (which they follow already)."""
    old = Source.objects.filter(created_at__lt=cutoff).exclude(id=latest_version_id())
    removed = 0
    while time.monotonic() < deadline:
        ids = list(old.order_by("id").values_list("id", flat=True)[:max(1, settings.RETENTION_BATCH // 100)])
        if not ids:
            break
        _follow_latest(ids)
        Source.objects.filter(id__in=ids).delete()  # with their entries and packages (a cascade)
        removed += len(ids)
    return removed


def _follow_latest(source_ids: list[int]) -> None:
    """Point what covers one of these versions at its document's latest version, so that pruning
    an old version never deletes a schedule or a subscription with it."""
    for model in (Schedule, Subscription):
        for row in model.objects.filter(source_id__in=source_ids).select_related("source"):
            model.objects.filter(id=row.id).update(source=source_latest(row.source))
