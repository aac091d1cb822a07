"""Scan services: start, run, cancel, resume and reap scans.

`scan_start` records what to scan and enqueues the RQ job after commit; it does no
per-repository work. `scan_run` is what the RQ job (and `runscan` in-process) calls.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from repositories.bulk import update_fields
from repositories.health import COUNTER_OF
from repositories.models import Repository
from repositories.services import ImportReport, repositories_import
from scans.fetchers import Fetcher, FetchResult, Kind, RepoRef, RestFetcher, wants_full_metadata
from scans.github import BadCredentials, Cancelled, GitHubApp, GitHubClient, parse_time
from scans.health import SCANNED_FIELDS, apply_result
from scans.models import ScanJob, ScanResult
from scans.progress import ProgressReporter, cancel_key, progress_payload, publish
from scans.selection import describe_import, describe_resume, select

logger = logging.getLogger(__name__)

QUEUE_NAME = "default"
FLUSH_SECONDS = 2.0
WORKER_STOPPED = "the worker stopped responding"


class ScanError(Exception):
    """A request about a scan that cannot be carried out; str() says why."""


class ScanAlreadyFinished(ScanError):
    pass


# --- starting ---------------------------------------------------------------------------------
def resolve_mode(mode: str | None = None) -> str:
    """`auto` means GraphQL when a token or a GitHub App is set (GraphQL requires one), else REST."""
    mode = (mode or settings.SCAN_MODE or "auto").lower()
    authenticated = bool(settings.GITHUB_TOKENS) or settings.GITHUB_APP_CONFIGURED
    if mode == "auto":
        return ScanJob.Mode.GRAPHQL if authenticated else ScanJob.Mode.REST
    if mode == ScanJob.Mode.GRAPHQL and not authenticated:
        raise ScanError("GraphQL scans need a GitHub token (set GITHUB_TOKEN, or the GITHUB_APP_* settings) "
                        "or SCAN_MODE=rest")
    return ScanJob.Mode(mode)


def scan_start(*, repositories: QuerySet | Iterable[int], requested_by=None, mode: str | None = None,
               concurrency: int | None = None, enqueue: bool = True, resumed_from: ScanJob | None = None,
               full: bool = False, trigger: str = "", scope: str = "", budget_share: int = 100) -> ScanJob:
    """Create a queued ScanJob for these repositories and enqueue its job once committed. `full`:
    GraphQL asks every repository's full metadata, however recently it was fetched. `trigger`
    (a ScanJob.Trigger) and `scope` (what it covers, in words: `selection.describe`) are shown
    in the scans list."""
    if isinstance(repositories, QuerySet):
        ids = list(repositories.order_by("id").values_list("id", flat=True))
    else:
        ids = list(dict.fromkeys(int(i) for i in repositories))
    if len(ids) > settings.SCAN_MAX_REPOSITORIES:
        raise ScanError(f"{len(ids):,} repositories is more than the limit of {settings.SCAN_MAX_REPOSITORIES:,} "
                        "(SCAN_MAX_REPOSITORIES)")
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
    )
    publish(scan, progress_payload(scan))
    if enqueue:
        transaction.on_commit(lambda: enqueue_scan(scan))
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
                                     requested_by=requested_by)  # issue 15: the source is kept
        job = None
        if scan and report.repository_ids:
            ids = select({"repository_ids": report.repository_ids, **narrow}) if narrow else report.repository_ids
            scan_options.setdefault("scope", describe_import(label=report.label, filename=filename))
            job = scan_start(repositories=ids, requested_by=requested_by, **scan_options)
    return ImportStarted(report=report, scan=job)


def enqueue_scan(scan: ScanJob) -> None:
    import django_rq

    queue = django_rq.get_queue(QUEUE_NAME, commit_mode="auto")
    queue.enqueue(
        "scans.jobs.run_scan",
        str(scan.id),
        job_id=str(scan.id),
        job_timeout=7 * 24 * 3600,
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
        description=f"Health scan of {scan.total} repositories",
    )


# --- running ----------------------------------------------------------------------------------
def github_app() -> GitHubApp | None:
    """The GitHub App the settings name (GITHUB_APP_*), if any: its installation token joins the pool."""
    if not settings.GITHUB_APP_CONFIGURED:
        return None
    return GitHubApp(settings.GITHUB_APP_ID, settings.GITHUB_APP_PRIVATE_KEY, settings.GITHUB_APP_INSTALLATION_ID)


def github_client(*, concurrency: int, should_stop: Callable[[], bool] = lambda: False,
                  on_wait=lambda message, until: None) -> GitHubClient:
    return GitHubClient(
        api_url=settings.GITHUB_API_URL,
        graphql_url=settings.GITHUB_GRAPHQL_URL,
        tokens=settings.GITHUB_TOKENS,
        app=github_app(),
        timeout=settings.GITHUB_TIMEOUT_SECONDS,
        pool_size=concurrency,
        max_retries=settings.GITHUB_MAX_RETRIES,
        backoff=settings.GITHUB_RETRY_BACKOFF_MS / 1000,
        secondary_backoff=settings.GITHUB_SECONDARY_BACKOFF_SECONDS,
        should_stop=should_stop,
        on_wait=on_wait,
    )


def make_fetcher(scan: ScanJob, client: GitHubClient) -> Fetcher:
    if scan.mode == ScanJob.Mode.GRAPHQL:
        from scans.graphql import GraphQLFetcher

        return GraphQLFetcher(client, batch_size=settings.SCAN_GRAPHQL_BATCH, concurrency=scan.concurrency)
    return RestFetcher(client, concurrency=scan.concurrency)


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _ScanRun:
    """The state of one running scan; `scan_run` drives it."""

    def __init__(self, scan: ScanJob, reporter: ProgressReporter) -> None:
        self.scan = scan
        self.reporter = reporter
        self.client: GitHubClient | None = None  # set once made: it calls back on_wait
        self.stale_days = settings.SCAN_STALE_DAYS
        self.dirty: dict[int, Repository] = {}
        self.rows: list[ScanResult] = []
        self.last_flush = time.monotonic()
        self.wait_message, self.wait_until = "", 0.0

    def on_wait(self, message: str, until: float | None) -> None:
        """Called by a request thread that must wait for a rate limit's reset: the message
        says so until then, whatever else completes meanwhile."""
        self.wait_message, self.wait_until = message, until or 0.0
        self.scan.message = message
        self.reporter.waiting = (message, self.wait_until)
        self.reporter.rate_limit = self.client_pool_snapshot()
        self.reporter.publish()

    def client_pool_snapshot(self) -> dict[str, Any]:
        pool = self.client.graphql_pool if self.scan.mode == ScanJob.Mode.GRAPHQL else self.client.core
        return pool.snapshot()

    def record(self, repo: Repository, result: FetchResult) -> None:
        taken = None
        new_name = (result.metadata or {}).get("full_name") or ""
        if result.kind == Kind.FOUND and new_name and new_name.lower() != repo.full_name.lower():
            exists = Repository.objects.filter(full_name__iexact=new_name).exclude(id=repo.id).exists()
            taken = {new_name.lower()} if exists else set()
        outcome = apply_result(repo, result, now=timezone.now(), stale_days=self.stale_days, taken_names=taken)
        counter = COUNTER_OF[outcome]
        setattr(self.scan, counter, getattr(self.scan, counter) + 1)
        self.scan.current += 1
        self.scan.points_spent = self.client.points_spent  # what GitHub charged so far, all threads
        waiting = time.time() < self.wait_until
        self.scan.message = self.wait_message if waiting else f"Checking {repo.full_name}..."
        self.dirty[repo.id] = repo
        self.rows.append(ScanResult(
            scan=self.scan, repository=repo, full_name=result.ref.full_name, outcome=outcome,
            http_status=result.http_status, detail=(repo.health_detail or result.detail)[:300],
            duration_ms=result.duration_ms,
        ))

    def flush(self) -> None:
        """Write pending repository rows and results in bulk, then the ScanJob's counts."""
        if self.dirty:
            repos = list(self.dirty.values())
            try:
                with transaction.atomic():
                    update_fields(repos, SCANNED_FIELDS)
            except IntegrityError:
                # A rename raced with another scan or an import: save one by one, keeping the
                # old name where the new one is now taken.
                for repo in repos:
                    try:
                        with transaction.atomic():
                            Repository.objects.filter(id=repo.id).update(
                                **{f: getattr(repo, f) for f in SCANNED_FIELDS})
                    except IntegrityError:
                        fields = [f for f in SCANNED_FIELDS if f not in ("full_name", "previous_names")]
                        Repository.objects.filter(id=repo.id).update(**{f: getattr(repo, f) for f in fields})
            self.dirty.clear()
        if self.rows:
            ScanResult.objects.bulk_create(self.rows, batch_size=500)
            self.rows.clear()
        self.reporter.rate_limit = self.client_pool_snapshot()
        self._store_rate_limit()
        self.scan.points_spent = self.client.points_spent
        self.reporter.save_row()
        self.last_flush = time.monotonic()

    def _store_rate_limit(self) -> None:
        snapshot = self.reporter.rate_limit or {}
        self.scan.rate_limit_remaining = snapshot.get("remaining")
        self.scan.rate_limit_reset_at = parse_time(snapshot.get("reset_at"))

    def run(self, fetcher: Fetcher) -> None:
        for chunk in _chunks(list(self.scan.repository_ids), fetcher.batch_size):
            if self.reporter.cancel_requested():
                raise Cancelled()
            repos = Repository.objects.in_bulk(chunk)
            missing = len(chunk) - len(repos)
            if missing:  # deleted since the scan started: no longer part of it
                self.scan.total -= missing
                self.scan.save(update_fields=["total"])
            # GraphQL's full query where a repository's full metadata is due (or the scan asks it
            # of all), the lean one elsewhere; REST always gets everything.
            now, max_age = timezone.now(), timedelta(hours=settings.SCAN_FULL_METADATA_HOURS)
            refs = [RepoRef(r.id, r.full_name, r.etag, r.github_id,
                            full=self.scan.full_metadata or wants_full_metadata(r.metadata_fetched_at, now=now,
                                                                                max_age=max_age))
                    for i in chunk if (r := repos.get(i))]
            for result in fetcher.fetch(refs):
                if result is not None:
                    self.record(repos[result.ref.id], result)
                if self.reporter.cancel_requested():
                    raise Cancelled()
                if time.monotonic() - self.last_flush >= FLUSH_SECONDS:
                    self.flush()
                else:
                    self.reporter.step()
            self.flush()


def scan_run(*, scan_id, rq_job=None, progress: bool = True) -> ScanJob:
    """Run a queued scan to its end: completed, failed or cancelled. Never raises for GitHub's
    answers; the outcome is recorded on the ScanJob."""
    # Only a queued scan starts, atomically: a cancel that lands first keeps it cancelled.
    started = ScanJob.objects.filter(id=scan_id, status=ScanJob.Status.QUEUED).update(
        status=ScanJob.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now())
    scan = ScanJob.objects.get(id=scan_id)
    if not started:
        logger.info("scan %s is %s; nothing to run", scan.id, scan.status)
        return scan
    reporter = ProgressReporter(scan, rq_job=rq_job, enabled=progress)
    scan.message = f"Starting: {scan.total} repositories"
    reporter.save_row()
    reporter.publish()

    run = _ScanRun(scan, reporter)
    client = run.client = github_client(concurrency=scan.concurrency, should_stop=reporter.cancel_requested,
                                        on_wait=run.on_wait)
    fetcher = make_fetcher(scan, client)
    try:
        run.run(fetcher)
        scan.status, scan.message = ScanJob.Status.COMPLETED, "Scan complete"
    except Cancelled:
        scan.status, scan.message = ScanJob.Status.CANCELLED, "Scan cancelled"
    except BadCredentials as exc:
        scan.status, scan.message, scan.error = ScanJob.Status.FAILED, "Health check failed", str(exc)
    except Exception as exc:  # the scan records any failure; the worker stays up
        logger.exception("scan %s failed", scan.id)
        scan.status, scan.message = ScanJob.Status.FAILED, "Health check failed"
        scan.error = f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        fetcher.close()
        client.close()
    try:
        run.flush()
    except Exception:  # a database failure must not hide the scan's own outcome
        logger.exception("scan %s: saving the last results failed", scan.id)
    scan.finished_at = timezone.now()
    reporter.save_row("status", "finished_at", "error", "total")
    reporter.publish()
    cache.delete(cancel_key(scan.id))
    return scan


# --- cancel, resume, reap -----------------------------------------------------------------------
def scan_cancel(*, scan: ScanJob) -> ScanJob:
    """A queued scan leaves the queue at once; a running one stops between repositories."""
    scan.refresh_from_db()
    if scan.is_finished:
        raise ScanAlreadyFinished(f"This scan already ended ({scan.status}); there is nothing to cancel.")
    cache.set(cancel_key(scan.id), 1, timeout=settings.SCAN_PROGRESS_TTL)
    ScanJob.objects.filter(id=scan.id).update(cancel_requested=True)
    scan.cancel_requested = True
    publish(scan, progress_payload(scan))  # pollers see "cancelling" at once; the worker agrees
    if scan.status == ScanJob.Status.QUEUED:
        _remove_from_queue(scan)
        updated = ScanJob.objects.filter(id=scan.id, status=ScanJob.Status.QUEUED).update(
            status=ScanJob.Status.CANCELLED, message="Scan cancelled", finished_at=timezone.now())
        scan.refresh_from_db()
        if updated:
            publish(scan, progress_payload(scan))
    return scan


def _remove_from_queue(scan: ScanJob) -> None:
    import django_rq
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    connection = django_rq.get_connection(QUEUE_NAME)
    try:
        Job.fetch(str(scan.id), connection=connection).cancel()
    except NoSuchJobError:
        pass
    except Exception:  # the row is the record; the worker skips a cancelled scan anyway
        logger.warning("could not remove scan %s from the queue", scan.id, exc_info=True)


def scan_remaining_ids(scan: ScanJob) -> list[int]:
    checked = set(scan.results.exclude(repository=None).values_list("repository_id", flat=True))
    return [i for i in scan.repository_ids if i not in checked]


def scan_resume(*, scan: ScanJob, requested_by=None, enqueue: bool = True, trigger: str = "") -> ScanJob:
    """A new scan of just the repositories that a failed or cancelled scan did not reach."""
    scan_reap_stale(scan=scan)
    if scan.status not in (ScanJob.Status.FAILED, ScanJob.Status.CANCELLED):
        raise ScanError(f"Only a failed or cancelled scan can be resumed; this one is {scan.status}.")
    remaining = scan_remaining_ids(scan)
    if not remaining:
        raise ScanError("Every repository of this scan was already checked; there is nothing to resume.")
    # Repositories deleted since are dropped by the run itself.
    return scan_start(repositories=remaining, requested_by=requested_by, mode=scan.mode, concurrency=scan.concurrency,
                      enqueue=enqueue, resumed_from=scan, full=scan.full_metadata, trigger=trigger,
                      scope=describe_resume(scan))


def scan_reap_stale(*, scan: ScanJob | None = None) -> int:
    """Mark running scans whose heartbeat is older than SCAN_HEARTBEAT_TIMEOUT as failed."""
    cutoff = timezone.now() - timedelta(seconds=settings.SCAN_HEARTBEAT_TIMEOUT)
    stale = ScanJob.objects.filter(status=ScanJob.Status.RUNNING, heartbeat_at__lt=cutoff)
    if scan is not None:
        stale = stale.filter(id=scan.id)
    reaped = 0
    for job in stale:
        updated = ScanJob.objects.filter(id=job.id, status=ScanJob.Status.RUNNING, heartbeat_at__lt=cutoff).update(
            status=ScanJob.Status.FAILED, message="Health check failed", finished_at=timezone.now(),
            error=f"{WORKER_STOPPED} (no heartbeat for {settings.SCAN_HEARTBEAT_TIMEOUT} s); "
                  "the results so far are saved and the scan can be resumed",
        )
        if updated:
            job.refresh_from_db()
            publish(job, progress_payload(job))
            reaped += 1
    if scan is not None and reaped:
        scan.refresh_from_db()
    return reaped
