"""Schedules and rechecks of dead answers: the scans the upkeep job starts by itself.

A due schedule starts an ordinary ScanJob (trigger `schedule`, requested by the schedule's owner,
with its budget share), visible and cancellable like any other. A schedule never starts a second
run while its previous one is queued or running, and the next run is due an interval after a
run starts: a run missed while the machine was off runs once, not once per missed interval.
A deactivated owner's schedules do not run.

Suspected repositories (repositories.history) get a recheck of dead answers once
HEALTH_RECHECK_SECONDS have passed since a check first saw them dead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from repositories.filters import filter_repositories
from repositories.models import Repository
from repositories.sources import source_latest, source_repositories
from scans import services as scans
from scans.models import ScanJob
from watch.models import Schedule

logger = logging.getLogger(__name__)
Trigger = ScanJob.Trigger


class ScheduleBusy(scans.ScanError):
    """Its previous run is still queued or running."""


class ScheduleEmpty(scans.ScanError):
    """It covers no repository now."""


def interval(schedule: Schedule) -> timedelta:
    return timedelta(seconds=schedule.interval_minutes * settings.SCHEDULE_MINUTE_SECONDS)


def least_recently_checked_first(schedule: Schedule) -> list[int]:
    """What a run checks: its label, its source's repositories (those of the latest version of its
    document) or every repository, never-checked first, then the longest unchecked, at most
    `max_repositories` (and at most SCAN_MAX_REPOSITORIES)."""
    repositories = Repository.objects.all()
    if schedule.label_id:
        repositories = filter_repositories({"label": schedule.label.name}, repositories)
    elif schedule.source_id:
        repositories = source_repositories(source_latest(schedule.source))
    ordered = repositories.order_by(F("last_checked_at").asc(nulls_first=True), "id")
    cap = min(schedule.max_repositories or settings.SCAN_MAX_REPOSITORIES, settings.SCAN_MAX_REPOSITORIES)
    return list(ordered.values_list("id", flat=True)[:cap])


def schedule_run(*, schedule: Schedule, now: datetime | None = None) -> ScanJob:
    """Start one run of `schedule` now ("run now", or because it is due); the next is due an
    interval later. Raises ScheduleBusy, ScheduleEmpty or scans.ScanError (QueueUnavailable)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (Schedule.objects.select_for_update(of=("self",)).select_related("last_scan", "label", "source")
                  .get(id=schedule.id))
        if locked.running:
            raise ScheduleBusy(f"Schedule “{locked.name}” is still running (scan {locked.last_scan_id}); "
                               "a run starts only once the previous one has ended.")
        ids = least_recently_checked_first(locked)
        if ids:
            scan = scans.scan_start(repositories=ids, requested_by=locked.owner, trigger=Trigger.SCHEDULE,
                                    scope=f"schedule {locked.id} “{locked.name}” · {locked.covers}",
                                    budget_share=locked.budget_share)
            locked.last_scan, locked.last_run_at, locked.last_error = scan, now, ""
            locked.next_run_at = now + interval(locked)
            locked.save(update_fields=["last_scan", "last_run_at", "last_error", "next_run_at"])
    if not ids:
        Schedule.objects.filter(id=locked.id).update(next_run_at=now + interval(locked),
                                                     last_error=f"{locked.covers} holds no repository")
        raise ScheduleEmpty(f"Schedule “{locked.name}” covers no repository now ({locked.covers}).")
    schedule.refresh_from_db()
    return scan


def due(now: datetime | None = None) -> QuerySet[Schedule]:
    return Schedule.objects.filter(active=True, owner__is_active=True, next_run_at__lte=now or timezone.now())


def start_due_schedules(now: datetime | None = None) -> int:
    """Start every due schedule whose previous run has ended; how many started."""
    started = 0
    for schedule in due(now).select_related("last_scan").order_by("next_run_at", "id"):
        if schedule.running:
            continue  # due again the moment its run ends
        try:
            schedule_run(schedule=schedule, now=now)
            started += 1
        except ScheduleEmpty:
            continue
        except scans.ScanError as exc:  # the queue is away: it stays due and starts on a later pass
            logger.warning("schedule %s could not start: %s", schedule.id, exc)
            Schedule.objects.filter(id=schedule.id).update(last_error=str(exc)[:300])
    return started


def start_dead_rechecks(now: datetime | None = None) -> int:
    """One scan of every suspected repository whose first dead check is HEALTH_RECHECK_SECONDS
    old (while none is queued or running); how many repositories it covers."""
    now = now or timezone.now()
    if ScanJob.objects.filter(trigger=Trigger.RECHECK, status__in=ScanJob.LIVE).exists():
        return 0
    cutoff = now - timedelta(seconds=settings.HEALTH_RECHECK_SECONDS)
    ids = list(Repository.objects.filter(suspected=True, suspected_since__lte=cutoff)
               .order_by("suspected_since", "id").values_list("id", flat=True)[:settings.SCAN_MAX_REPOSITORIES])
    if not ids:
        return 0
    count = f"{len(ids):,} suspected repositor{'y' if len(ids) == 1 else 'ies'}"
    scans.scan_start(repositories=ids, requested_by=None, trigger=Trigger.RECHECK,
                     scope=f"recheck of {count}")
    return len(ids)
