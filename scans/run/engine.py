"""Running a scan: each shard of it (an RQ job, `run_shard`; `runscan` runs them all in its own
process with `scan_run`) drives a fetcher over its slice of the scan's repositories in chunks,
applies each answer to the catalog, and hands the rows to a writer thread, so the next chunk's
requests are in flight while this one is written. The shards of one scan add their counts to the
one ScanJob row (atomic increments); the last shard to end settles the scan's status. Starting,
cancelling and resuming scans are `scans.services`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from repohealth.runtime.cache import redis_available
from repohealth.runtime.times import parse_iso
from repositories import history
from repositories.health import COUNTER_OF, COUNTERS
from repositories.maintenance import Thresholds
from repositories.models import Repository
from repositories.selectors import names_held, old_names
from scans.fetch.common import Fetcher, FetchResult, Kind, RepoRef, wants_full_metadata
from scans.github.client import GitHubClient
from scans.github.errors import BadCredentials, Cancelled, GitHubUnreachable
from scans.models import ScanJob, ScanResult, ScanShard
from scans.run import passes
from scans.run.apply import apply_failed_check, apply_result
from scans.run.connect import github_client, make_fetcher
from scans.run.progress import ProgressReporter, cancel_key, progress_payload, publish
from scans.run.writer import Batch, Writer

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0
Health = Repository.Health
Status = ScanJob.Status
LIVE = ScanJob.LIVE


class RedisOutage(Exception):
    """Redis stayed away longer than REDIS_OUTAGE_TIMEOUT; str() says so."""


class ScanStopped(Exception):
    """The scan ended elsewhere (another shard failed it): this shard stops."""


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


MOVES_AT_ONCE = 200  # moves applied together, with one query for their new names
GONE = (Kind.NOT_FOUND, Kind.BLOCKED)  # no metadata to fetch: not counted in `metadata_due`


class _ShardRun:
    """The state of one running shard; `run_shard` drives it.

    Two threads share it. The fetch thread (the one that runs the shard) records answers; the
    writer's thread (scans/run/writer.py) calls `_written` once a batch is saved. Both change the
    counts (`unsaved` goes up per answer and down per saved batch; `counted` is replaced by what
    the row says), so both hold `_counts_lock` for them: `+= 1` on a Counter is a read and a write,
    and one thread's could fall between the other's. `scan_status`, `scan.points_spent` and
    `scan.total` are each set by the writer in one assignment and only read by the fetch thread,
    which acts on the old value or the new one, both of them true a moment ago; no lock there.
    """

    def __init__(self, scan: ScanJob, shard: ScanShard, reporter: ProgressReporter) -> None:
        self.scan = scan
        self.shard = shard
        self.reporter = reporter
        self.client: GitHubClient | None = None  # set once made: it calls back on_wait
        self.writer = Writer(scan.id)
        self.thresholds = Thresholds.from_settings()  # the maintenance verdict's
        self.batch = Batch()
        self.counted = {name: getattr(scan, name) for name in ("current", "name_reused", "metadata_due", *COUNTERS)}
        self.owners: dict[str, int | None] = {}  # old names of this shard's moved repositories -> who holds them
        self.moves: list[tuple[Repository, FetchResult, str]] = []  # answers of moves not yet applied
        self.unsaved: Counter = Counter()  # counts not yet in the row (this batch and those being written)
        self._counts_lock = threading.Lock()  # `counted` and `unsaved`: see the class's docstring
        self.points_saved = 0
        self.last_flush = time.monotonic()
        self.wait_message, self.wait_until = "", 0.0

    def on_wait(self, message: str, until: float | None) -> None:
        """Called by a request thread that must wait (a rate limit, the breaker, pacing): the
        payload says so until then, whatever else completes meanwhile."""
        self.wait_message, self.wait_until = message, until or 0.0
        self.scan.message = message
        self.reporter.waiting = (message, self.wait_until)
        self.reporter.rate_limit = self.client_pool_snapshot()
        self.publish()

    def client_pool_snapshot(self) -> dict[str, Any]:
        pool = self.client.graphql_pool if self.scan.mode == ScanJob.Mode.GRAPHQL else self.client.core
        return pool.snapshot()

    def record(self, repo: Repository, result: FetchResult) -> None:
        """Apply one answer to its repository and count it. A move waits (see `record_moves`)."""
        new_name = (result.metadata or {}).get("full_name") or ""
        if result.kind == Kind.FOUND and new_name and new_name.lower() != repo.full_name.lower():
            self.moves.append((repo, result, new_name.lower()))
            if len(self.moves) >= MOVES_AT_ONCE:
                self.record_moves()
            return
        self.apply(repo, result)

    def record_moves(self) -> None:
        """The moves seen since the last call, with one query for which of their new names another
        repository of the catalog holds (a query apiece cost a GraphQL scan a third of its time)."""
        moves, self.moves = self.moves, []
        if moves:
            holders = names_held([name for _, _, name in moves])
            for repo, result, name in moves:
                self.apply(repo, result, taken={name} if holders.get(name, repo.id) != repo.id else set())

    def apply(self, repo: Repository, result: FetchResult, *, taken: set[str] | None = None) -> None:
        if result.kind == Kind.ERROR:
            outcome = apply_failed_check(repo, result, now=timezone.now())
            self.batch.failed.append(repo)
        else:
            self.batch.before[repo.id] = history.capture(repo)  # before the answer is applied
            outcome = apply_result(repo, result, now=timezone.now(), thresholds=self.thresholds, taken_names=taken,
                                   owners=self.owners)
            self.batch.checked.append(repo)
        counted = [COUNTER_OF[outcome], "current"]
        if result.kind != Kind.ERROR and repo.name_reused:
            counted.append("name_reused")
        self.count(*counted)
        waiting = time.time() < self.wait_until
        self.scan.message = self.wait_message if waiting else f"Checking {repo.full_name}..."
        self.batch.results.append(ScanResult(  # by id: the relation descriptors cost more than the rest
            scan_id=self.scan.id, repository_id=repo.id, full_name=result.ref.full_name, outcome=outcome,
            http_status=result.http_status,
            detail=(result.detail if outcome == Health.ERROR else repo.health_detail or result.detail)[:300],
            duration_ms=result.duration_ms,
        ))

    def count(self, *names: str) -> None:
        with self._counts_lock:
            for name in names:
                self.batch.counts[name] += 1
                self.unsaved[name] += 1

    def totals(self) -> dict[str, int]:
        """The scan's counts as this shard knows them: the row's, plus what it has not saved yet."""
        with self._counts_lock:
            return {name: self.counted[name] + self.unsaved[name] for name in self.counted}

    def publish(self) -> None:
        """The progress payload as this shard knows it now (moves not applied yet are counted at
        the next flush; request threads call this too, through on_wait)."""
        for name, value in self.totals().items():
            setattr(self.scan, name, value)
        if self.reporter.rq_job is not None:  # each shard's job carries its part
            self.reporter.rq_job.meta["shard"] = {"index": self.shard.index, "start": self.shard.start,
                                                  "end": self.shard.end, "attempt": self.shard.attempts}
        self.reporter.publish()

    def flush(self, *, final: bool = False) -> None:
        """Hand this batch to the writer with the row's counts, heartbeat and rate limit; the
        writer reads the counts back once written (every shard's, added up)."""
        self.record_moves()
        batch, self.batch = self.batch, Batch()
        self.reporter.rate_limit = self.client_pool_snapshot() if self.client else self.reporter.rate_limit
        snapshot = self.reporter.rate_limit or {}
        points = self.client.points_spent if self.client else self.points_saved
        batch.counts["points_spent"] += points - self.points_saved
        self.points_saved = points
        now = timezone.now()
        batch.row_fields = {"heartbeat_at": now, "message": self.scan.message[:300],
                            "rate_limit_remaining": snapshot.get("remaining"),
                            "rate_limit_reset_at": parse_iso(snapshot.get("reset_at"))}
        sent = Counter({k: v for k, v in batch.counts.items() if k in self.counted})
        batch.after = lambda: self._written(sent, now)
        self.writer.put(batch)
        if final:
            self.writer.close()
        self.last_flush = time.monotonic()
        self.check_still_running()

    def _written(self, sent: Counter, beat) -> None:
        """In the writer's thread: what the row now says (every shard's counts), and our heartbeat."""
        ScanShard.objects.filter(id=self.shard.id).update(heartbeat_at=beat)
        row = ScanJob.objects.filter(id=self.scan.id).values("status", "cancel_requested", "points_spent", "total",
                                                               *self.counted).first() or {}
        with self._counts_lock:
            self.unsaved.subtract(sent)
            self.counted.update({name: row.get(name, self.counted[name]) for name in self.counted})
        self.scan_status = row.get("status", Status.RUNNING)
        self.scan.points_spent = row.get("points_spent", self.scan.points_spent)
        self.scan.total = row.get("total", self.scan.total)
        if row.get("cancel_requested"):
            self.reporter.cancelled_in_row()

    scan_status = Status.RUNNING

    def check_still_running(self) -> None:
        if self.scan_status not in LIVE:
            raise ScanStopped()

    def wait_for_redis(self) -> None:
        """Redis holds the queue, the progress copies and the shared GitHub budget: while it is
        away the shard keeps its heartbeat in the row and waits, rather than work blind; an outage
        longer than REDIS_OUTAGE_TIMEOUT fails the scan (resumable)."""
        if redis_available():
            return
        reason, started = "Redis is unavailable", time.monotonic()
        logger.warning("scan %s: Redis is unavailable; waiting for it", self.scan.id)
        while not redis_available():
            if time.monotonic() - started > settings.REDIS_OUTAGE_TIMEOUT:
                raise RedisOutage(f"Redis was unavailable for more than {settings.REDIS_OUTAGE_TIMEOUT} s; the "
                                  "results so far are saved and the scan can be resumed")
            self.reporter.waiting = (reason, time.time() + 2)
            self.scan.message = f"{reason}; waiting for it to come back"
            self.flush()  # the heartbeat lives in the row meanwhile
            if self.reporter.cancel_requested():
                raise Cancelled()
            time.sleep(1)
        logger.info("scan %s: Redis is back", self.scan.id)
        self.reporter.waiting = None

    def run(self, fetcher: Fetcher, ids: list[int]) -> None:
        self.owners = self.old_name_owners(fetcher, ids)
        chunks = _chunks(ids, fetcher.batch_size)
        current = self.start_chunk(fetcher, next(chunks, None))
        while current is not None:
            # The next chunk's requests are queued behind this one's before its results are
            # recorded, so the pool never idles between chunks (fetcher.close() cancels what is
            # still queued when the shard stops).
            upcoming = self.start_chunk(fetcher, next(chunks, None))
            self.record_chunk(current)
            current = upcoming

    def old_name_owners(self, fetcher: Fetcher, ids: list[int]) -> dict[str, int | None]:
        """Who holds each old name of the moved repositories this shard covers, asked on every scan
        (a name someone else took points the lists that still link it at a stranger's code) and
        once for the whole shard, so that GraphQL's queries are full (1 point a query of up to 250)."""
        names = old_names(ids)
        if not names:
            return {}
        self.scan.message = f"Checking whether {len(names):,} old names of moved repositories were taken..."
        self.publish()
        return fetcher.owners(names)

    def start_chunk(self, fetcher: Fetcher, chunk: list[int] | None) -> _Chunk | None:
        """Read the chunk's rows and send its requests (their results are read by record_chunk)."""
        if chunk is None:
            return None
        self.wait_for_redis()
        if self.reporter.cancel_requested():
            raise Cancelled()
        repos = Repository.objects.in_bulk(chunk)
        if missing := len(chunk) - len(repos):  # deleted since the scan started: no longer part of it
            self.batch.counts["total"] -= missing
            self.scan.total -= missing
        # The full metadata where it is due (or the scan asks it of all): GraphQL's full query,
        # REST's maintenance-signal requests; the lean query, or REST's one request, elsewhere.
        # A health pass asks the lean one of all, and counts where it was due (scans/run/passes.py).
        now, max_age = timezone.now(), timedelta(hours=settings.SCAN_FULL_METADATA_HOURS)
        due = {r.id for r in repos.values()
               if self.scan.full_metadata or wants_full_metadata(r.metadata_fetched_at, now=now, max_age=max_age)}
        refs = [RepoRef(r.id, r.full_name, r.etag, r.github_id, full=passes.asks_full(self.scan, due=r.id in due),
                        default_branch=r.default_branch, signal_etags=tuple((r.signal_etags or {}).items()))
                for i in chunk if (r := repos.get(i))]
        return _Chunk(repos, fetcher.fetch(refs), due)

    def record_chunk(self, chunk: _Chunk) -> None:
        for result in chunk.results:
            if result is not None:
                if result.ref.id in chunk.due and result.kind not in GONE:  # a metadata pass would ask it
                    self.count("metadata_due")
                self.record(chunk.repos[result.ref.id], result)
            if self.reporter.cancel_requested():
                raise Cancelled()
            if time.monotonic() - self.last_flush >= FLUSH_SECONDS:
                self.flush()
                self.wait_for_redis()
            elif self.reporter.due():
                self.publish()
        self.flush()
        if self.reporter.due():  # the chunk's end, on the clock too: at 0 ms a chunk ends 10 times a second
            self.publish()


@dataclass
class _Chunk:
    repos: dict[int, Repository]
    results: Iterator[FetchResult | None]
    due: set[int]  # the repositories whose full metadata was due


def _claim(scan_id, index: int) -> tuple[ScanJob, ScanShard] | None:
    """Start the scan if it is queued, then this shard if it is queued: atomically, so a cancel
    that lands first wins and a shard runs once at a time."""
    now = timezone.now()
    ScanJob.objects.filter(id=scan_id, status=Status.QUEUED).update(status=Status.RUNNING, started_at=now,
                                                                    heartbeat_at=now)
    scan = ScanJob.objects.get(id=scan_id)
    shard = ScanShard.objects.filter(scan_id=scan_id, index=index).first()
    if shard is None:
        return None
    if scan.status != Status.RUNNING:
        ScanShard.objects.filter(id=shard.id, status=Status.QUEUED).update(status=Status.CANCELLED)
        logger.info("scan %s is %s; shard %s not run", scan.id, scan.status, index)
        return None
    claimed = ScanShard.objects.filter(id=shard.id, status=Status.QUEUED).update(
        status=Status.RUNNING, heartbeat_at=now, attempts=shard.attempts + 1)
    if not claimed:
        logger.info("shard %s of scan %s is %s; not run", index, scan.id, shard.status)
        return None
    shard.refresh_from_db()
    return scan, shard


def run_shard(*, scan_id, index: int = 0, rq_job=None, progress: bool = True,
              enqueue_metadata_pass: bool = True) -> ScanJob:
    """Run one shard to its end. Never raises for GitHub's answers: the outcome is recorded on the
    shard and, once every shard has ended, on the ScanJob (and a health pass's metadata pass is
    started: on the queue, or left queued for `scan_run` to run here)."""
    claimed = _claim(scan_id, index)
    if claimed is None:
        return ScanJob.objects.get(id=scan_id)
    scan, shard = claimed
    reporter = ProgressReporter(scan, rq_job=rq_job, enabled=progress)
    if shard.attempts == 1 and index == 0:
        scan.message = f"Starting: {scan.total:,} repositories"
    run: _ShardRun | None = None
    client = fetcher = None
    status, error = Status.COMPLETED, ""
    try:  # everything after the claim: whatever fails, the shard ends and the scan can settle
        run = _ShardRun(scan, shard, reporter)
        run.publish()
        done = set(ScanResult.objects.filter(scan_id=scan.id).exclude(repository=None)
                   .values_list("repository_id", flat=True)) if shard.attempts > 1 else set()
        ids = [i for i in scan.repository_ids[shard.start:shard.end] if i not in done]  # a retry goes on
        client = run.client = github_client(concurrency=scan.concurrency, should_stop=reporter.cancel_requested,
                                            on_wait=run.on_wait, budget_share=scan.budget_share / 100)
        fetcher = make_fetcher(scan, client)
        run.run(fetcher, ids)
    except (Cancelled, ScanStopped):
        status = Status.CANCELLED
    except (BadCredentials, GitHubUnreachable, RedisOutage) as exc:  # said plainly; resumable but for a bad token
        status, error = Status.FAILED, str(exc)
    except Exception as exc:  # the scan records any failure; the worker stays up
        logger.exception("scan %s shard %s failed", scan.id, index)
        status, error = Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        if fetcher is not None:
            fetcher.close()
        if client is not None:
            client.close()
    if run is not None:
        try:
            run.flush(final=True)
        except Exception:  # a database failure must not hide the scan's own outcome
            logger.exception("scan %s: saving the last results failed", scan.id)
    ScanShard.objects.filter(id=shard.id).update(status=status, error=error, heartbeat_at=timezone.now())
    if status == Status.FAILED:
        fail_scan(scan.id, error)
    return settle(scan.id, reporter=reporter, run=run, enqueue_metadata_pass=enqueue_metadata_pass)


def fail_scan(scan_id, error: str) -> None:
    """A shard's failure fails the scan at once; its other shards see it and stop."""
    ScanJob.objects.filter(id=scan_id, status__in=LIVE).update(
        status=Status.FAILED, message="Health check failed", error=error, finished_at=timezone.now())


def settle(scan_id, *, reporter: ProgressReporter | None = None, run: _ShardRun | None = None,
           enqueue_metadata_pass: bool = True) -> ScanJob:
    """Once no shard is queued or running, the scan ends: failed (already, by a shard), cancelled
    when a shard was cancelled, completed otherwise. Run by whichever shard ends last; a health
    pass that completes starts its metadata pass in the same transaction, so exactly once."""
    with transaction.atomic():
        scan = ScanJob.objects.select_for_update().get(id=scan_id)
        shards = list(scan.shards.values_list("status", flat=True))
        if scan.status == Status.RUNNING and not any(s in LIVE for s in shards):
            cancelled = Status.CANCELLED in shards or scan.cancel_requested
            scan.status = Status.CANCELLED if cancelled else Status.COMPLETED
            scan.message = "Scan cancelled" if cancelled else "Scan complete"
            scan.finished_at = timezone.now()
            if scan.status == Status.COMPLETED and scan.scan_pass == ScanJob.Pass.HEALTH:
                scan.message = _start_metadata_pass(scan, enqueue=enqueue_metadata_pass)
            scan.save(update_fields=["status", "message", "finished_at"])
    if scan.is_finished:
        if reporter is not None:
            reporter.waiting = None
            reporter.scan = scan
            reporter.publish()
        else:
            publish(scan, progress_payload(scan))
        cache.delete(cancel_key(scan.id))
    elif run is not None:
        run.publish()
    return scan


def _start_metadata_pass(health: ScanJob, *, enqueue: bool) -> str:
    """The metadata pass after this health pass (scans/run/passes.py); what the health pass's
    message then says. A failure to start it leaves the health pass complete, saying so."""
    from scans.services import metadata_pass_start

    try:
        with transaction.atomic():
            follow = metadata_pass_start(health, enqueue=enqueue)
    except Exception as exc:  # the health pass stands; its repositories stay due for the next scan
        logger.exception("scan %s: the metadata pass could not start", health.id)
        return f"Health pass complete; the metadata pass could not start: {exc}"[:300]
    if follow is None:
        return "Health pass complete; no full metadata is left to fetch"
    return (f"Health pass complete; the metadata pass of {follow.total:,} repositories follows "
            f"at {follow.budget_share} % of the rate limit")


def scan_run(*, scan_id, progress: bool = True) -> ScanJob:
    """Every shard of a queued scan, one after another, in this process (`runscan`, tests), and
    then a health pass's metadata pass the same way."""
    scan = ScanJob.objects.get(id=scan_id)
    for index in scan.shards.order_by("index").values_list("index", flat=True):
        scan = run_shard(scan_id=scan_id, index=index, progress=progress, enqueue_metadata_pass=False)
        if scan.is_finished:
            break
    if scan.scan_pass == ScanJob.Pass.HEALTH and (follow := scan.metadata_passes.filter(status=Status.QUEUED).first()):
        scan_run(scan_id=follow.id, progress=progress)
    return ScanJob.objects.get(id=scan_id)
