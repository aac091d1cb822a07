"""Scan services: start, cancel, resume and reap scans, and import then scan.

`scan_start` records what to scan and enqueues the RQ job after commit; it does no
per-repository work. Running a scan is `scans.run.engine.scan_run`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from redis.exceptions import RedisError

from repohealth.runtime.http import github_authenticated
from repositories.services import ImportReport, repositories_import
from scans.models import ScanJob, ScanShard
from scans.run import passes
from scans.run.progress import cancel_key, progress_payload, publish
from scans.run.shards import QUEUE_NAME, cut_shards, enqueue_shards, remove_from_queue
from scans.selection import describe_import, describe_metadata_pass, describe_resume, select

logger = logging.getLogger(__name__)

WORKER_STOPPED = "the worker stopped responding"
NEVER_QUEUED = "the scan never reached the queue"


class ScanError(Exception):
    """A request about a scan that cannot be carried out; str() says why."""


class ScanAlreadyFinished(ScanError):
    pass


class QueueUnavailable(ScanError):
    """The queue (Redis) cannot be reached: no scan can start now; nothing was saved."""


class AlreadyResumed(ScanError):
    """A scan has at most one resume; `resumed_by` is the scan that resumed it."""

    def __init__(self, message: str, resumed_by: ScanJob) -> None:
        super().__init__(message)
        self.resumed_by = resumed_by


# --- starting ---------------------------------------------------------------------------------
def resolve_mode(mode: str | None = None) -> str:
    """`auto` means GraphQL when a token or a GitHub App is set (GraphQL requires one), else REST."""
    mode = (mode or settings.SCAN_MODE or "auto").lower()
    authenticated = github_authenticated()
    if mode == "auto":
        return ScanJob.Mode.GRAPHQL if authenticated else ScanJob.Mode.REST
    if mode == ScanJob.Mode.GRAPHQL and not authenticated:
        raise ScanError("GraphQL scans need a GitHub token (set GITHUB_TOKEN, or the GITHUB_APP_* settings) "
                        "or SCAN_MODE=rest")
    return ScanJob.Mode(mode)


def scan_start(*, repositories: QuerySet | Iterable[int], requested_by=None, mode: str | None = None,
               concurrency: int | None = None, enqueue: bool = True, resumed_from: ScanJob | None = None,
               full: bool = False, trigger: str = "", scope: str = "", budget_share: int = 100,
               health_pass: ScanJob | None = None) -> ScanJob:
    """Create a queued ScanJob for these repositories and enqueue its job once committed. `full`:
    GraphQL asks every repository's full metadata, however recently it was fetched. `trigger`
    (a ScanJob.Trigger) and `scope` (what it covers, in words: `selection.describe`) are shown
    in the scans list. Over SCAN_HEALTH_FIRST_OVER repositories it is a health pass; with
    `health_pass`, the metadata pass that follows it (scans/run/passes.py)."""
    if isinstance(repositories, QuerySet):
        ids = list(repositories.order_by("id").values_list("id", flat=True))
    else:
        ids = list(repositories)
        if not {int}.issuperset(map(type, ids)):  # each test at C speed: a selection is already plain ints,
            ids = [int(i) for i in ids]
        if len(set(ids)) != len(ids):  # and distinct
            ids = list(dict.fromkeys(ids))
    if len(ids) > settings.SCAN_MAX_REPOSITORIES:
        raise ScanError(f"{len(ids):,} repositories is more than the limit of {settings.SCAN_MAX_REPOSITORIES:,} "
                        "(SCAN_MAX_REPOSITORIES)")
    if enqueue:
        _check_queue()
    scan = ScanJob.objects.create(
        total=len(ids),
        repository_ids=ids,
        requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
        mode=resolve_mode(mode),
        concurrency=concurrency or settings.SCAN_CONCURRENCY,
        message=f"Queued: {len(ids):,} repositories",
        resumed_from=resumed_from,
        full_metadata=full,
        trigger=trigger,
        scope=scope[:200],
        budget_share=budget_share,  # percent of each token's rate limit it may spend (a schedule's share)
        scan_pass=passes.first_pass(len(ids), health_pass=health_pass),
        health_pass=health_pass,
    )
    cut_shards(scan)
    publish(scan, progress_payload(scan))
    if enqueue:
        transaction.on_commit(lambda: _enqueue_or_fail(scan))
    return scan


def metadata_pass_start(health: ScanJob, *, enqueue: bool = True) -> ScanJob | None:
    """The metadata pass of a health pass that has just completed, over the repositories whose
    full metadata is due, oldest first, at the metadata share of the rate limit; None when none
    is due. Enqueued once committed (a queue that is away fails it, saying so: resumable)."""
    ids = passes.metadata_pass_ids(health)
    if not ids:
        return None
    scan = scan_start(repositories=ids, requested_by=health.requested_by, mode=health.mode,
                      concurrency=health.concurrency, enqueue=False, full=health.full_metadata,
                      trigger=ScanJob.Trigger.METADATA_PASS, scope=describe_metadata_pass(health),
                      budget_share=passes.metadata_share(health), health_pass=health)
    if enqueue:
        transaction.on_commit(lambda: _enqueue_or_fail(scan))
    return scan


@dataclass
class ImportStarted:
    """What `import_and_scan` did: the import's report and the scan it started (None when the
    import held nothing or `scan` was off)."""

    report: ImportReport
    scan: ScanJob | None


def import_and_scan(*, source: bytes | str, label: str | None = None, requested_by=None, scan: bool = True,
                    format: str | None = None, filename: str | None = None, narrow: dict | None = None,
                    **scan_options) -> ImportStarted:
    """Import a list into the catalog and start a scan of what it holds (narrowed by catalog
    filters when `narrow` is given, as `runscan --file --health ...` does), in one transaction: the
    scan is enqueued once both are committed. Raises ImportRefused like the import, and
    BadSelection when `narrow` leaves nothing or names a bad filter."""
    with transaction.atomic():
        report = repositories_import(source=source, label=label, format=format, filename=filename,
                                     requested_by=requested_by)  # the source is kept
        job = None
        if scan and report.repository_ids:
            ids = select({"repository_ids": report.repository_ids, **narrow}) if narrow else report.repository_ids
            scan_options.setdefault("scope", describe_import(label=report.label, filename=filename))
            job = scan_start(repositories=ids, requested_by=requested_by, **scan_options)
    return ImportStarted(report=report, scan=job)


def _check_queue() -> None:
    import django_rq

    try:
        django_rq.get_connection(QUEUE_NAME).ping()
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(f"The scan queue (Redis) is unavailable, so no scan can start now: {exc}. "
                               "Nothing was saved; try again once Redis is back.") from None


def _enqueue_or_fail(scan: ScanJob) -> None:
    """Enqueue once the row is committed; if the queue went away since the check, the row says so
    at once instead of waiting in `queued` for a job that will never come."""
    try:
        enqueue_shards(scan)
    except (RedisError, OSError) as exc:
        logger.warning("scan %s could not be queued: %s", scan.id, exc)
        ScanJob.objects.filter(id=scan.id, status=ScanJob.Status.QUEUED).update(
            status=ScanJob.Status.FAILED, message="Health check failed", finished_at=timezone.now(),
            error=f"{NEVER_QUEUED} (the queue was unavailable: {exc}); start it again")


# --- cancel, resume, reap -----------------------------------------------------------------------
def scan_cancel(*, scan: ScanJob) -> ScanJob:
    """Queued shards leave the queue at once; running ones stop between repositories. The scan
    is cancelled once none runs."""
    from scans.run.engine import settle

    scan.refresh_from_db()
    if scan.is_finished:
        raise ScanAlreadyFinished(f"This scan already ended ({scan.status}); there is nothing to cancel.")
    cache.set(cancel_key(scan.id), 1, timeout=settings.SCAN_PROGRESS_TTL)
    ScanJob.objects.filter(id=scan.id).update(cancel_requested=True)
    scan.cancel_requested = True
    publish(scan, progress_payload(scan))  # pollers see "cancelling" at once; the workers agree
    queued = list(scan.shards.filter(status=ScanJob.Status.QUEUED))
    remove_from_queue(queued)
    scan.shards.filter(id__in=[s.id for s in queued], status=ScanJob.Status.QUEUED).update(
        status=ScanJob.Status.CANCELLED)
    updated = ScanJob.objects.filter(id=scan.id, status=ScanJob.Status.QUEUED).update(
        status=ScanJob.Status.CANCELLED, message="Scan cancelled", finished_at=timezone.now())
    if updated:
        scan.refresh_from_db()
        publish(scan, progress_payload(scan))
        return scan
    return settle(scan.id)  # nothing may be running (its shards were all queued or done)


def scan_remaining_ids(scan: ScanJob) -> list[int]:
    checked = set(scan.results.exclude(repository=None).values_list("repository_id", flat=True))
    return [i for i in scan.repository_ids if i not in checked]


def scan_resume(*, scan: ScanJob, requested_by=None, enqueue: bool = True, trigger: str = "") -> ScanJob:
    """A new scan of just the repositories that a failed or cancelled scan did not reach. A scan
    is resumed at most once: asking again raises AlreadyResumed naming the resume."""
    scan_reap_lost(scan=scan)
    with transaction.atomic():
        locked = ScanJob.objects.select_for_update().get(id=scan.id)  # two requests at once: one resume
        if existing := locked.resumes.order_by("created_at").first():
            raise AlreadyResumed(f"This scan was already resumed by scan {existing.id}.", resumed_by=existing)
        if locked.status not in (ScanJob.Status.FAILED, ScanJob.Status.CANCELLED):
            raise ScanError(f"Only a failed or cancelled scan can be resumed; this one is {locked.status}.")
        remaining = scan_remaining_ids(locked)
        if not remaining:
            raise ScanError("Every repository of this scan was already checked; there is nothing to resume.")
        # Repositories deleted since are dropped by the run itself.
        return scan_start(repositories=remaining, requested_by=requested_by, mode=locked.mode,
                          concurrency=locked.concurrency, enqueue=enqueue, resumed_from=locked,
                          full=locked.full_metadata, trigger=trigger, scope=describe_resume(locked),
                          budget_share=locked.budget_share, health_pass=locked.health_pass)


def scan_reap_lost(*, scan: ScanJob | None = None) -> int:
    """Shards whose heartbeat is older than SCAN_HEARTBEAT_TIMEOUT lost their worker: the first
    time, the shard goes back on the queue (another worker goes on from where it stopped); the
    second time the scan fails, resumable. Returns how many shards were found dead."""
    from scans.run.engine import fail_scan, settle

    cutoff = timezone.now() - timedelta(seconds=settings.SCAN_HEARTBEAT_TIMEOUT)
    dead = ScanShard.objects.filter(status=ScanJob.Status.RUNNING, heartbeat_at__lt=cutoff,
                                    scan__status=ScanJob.Status.RUNNING).select_related("scan")
    if scan is not None:
        dead = dead.filter(scan_id=scan.id)
    reaped = 0
    for shard in dead:
        if shard.attempts < ScanShard.MAX_ATTEMPTS:
            requeued = ScanShard.objects.filter(id=shard.id, status=ScanJob.Status.RUNNING,
                                                heartbeat_at__lt=cutoff).update(status=ScanJob.Status.QUEUED)
            if requeued:
                logger.warning("scan %s: shard %s lost its worker; queued again", shard.scan_id, shard.index)
                ScanJob.objects.filter(id=shard.scan_id).update(heartbeat_at=timezone.now())
                enqueue_shards(shard.scan, [shard])
                reaped += 1
            continue
        failed = ScanShard.objects.filter(id=shard.id, status=ScanJob.Status.RUNNING,
                                          heartbeat_at__lt=cutoff).update(status=ScanJob.Status.FAILED)
        if failed:
            fail_scan(shard.scan_id, f"{WORKER_STOPPED} (no heartbeat for {settings.SCAN_HEARTBEAT_TIMEOUT} s, "
                                     "twice); the results so far are saved and the scan can be resumed")
            settle(shard.scan_id)
            reaped += 1
    if scan is not None and reaped:
        scan.refresh_from_db()
    return reaped


def scan_fail_unqueued() -> int:
    """Fail queued scans that have no job on the queue after SCAN_UNQUEUED_TIMEOUT seconds (Redis
    was away when they were started, or lost its data): a queued row always has a job."""
    import django_rq
    from rq.job import Job

    cutoff = timezone.now() - timedelta(seconds=settings.SCAN_UNQUEUED_TIMEOUT)
    connection = django_rq.get_connection(QUEUE_NAME)
    failed = 0
    for scan in ScanJob.objects.filter(status=ScanJob.Status.QUEUED, created_at__lt=cutoff).only("id"):
        if any(Job.exists(shard.job_id, connection=connection) for shard in scan.shards.all()):
            continue
        updated = ScanJob.objects.filter(id=scan.id, status=ScanJob.Status.QUEUED).update(
            status=ScanJob.Status.FAILED, message="Health check failed", finished_at=timezone.now(),
            error=f"{NEVER_QUEUED}: no job for it on the queue after {settings.SCAN_UNQUEUED_TIMEOUT} s "
                  "(Redis was unavailable or lost its data); start it again")
        if updated:
            scan.refresh_from_db()
            publish(scan, progress_payload(scan))
            failed += 1
    return failed
