"""Running one scan and measuring it: the baseline and our scan modes behind one interface.

A scan on the queue is timed from the moment it is started (enqueued) until it ends (our scans:
their ScanJob row, however many shards and workers ran it; the baseline: its RQ job);
the fake GitHub's counters are zeroed first and read after, so requests and rate-limit points
are exactly this scan's.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bench.harness import QUEUE, FakeGitHubControl
from devserver.processes import Child

FINISHED_JOB_STATES = {"finished", "failed", "stopped", "canceled"}


@dataclass
class ScanMeasure:
    repositories: int
    seconds: float
    status: str
    requests: int
    points: int
    answers: dict[str, int]
    outcomes: dict[str, int]
    cpu_seconds: float = 0.0  # of this process: the scan's own CPU when it runs in-process

    def figures(self) -> dict[str, Any]:
        n = self.repositories
        return {
            "status": self.status,
            "repositories": n,
            "seconds": round(self.seconds, 3),
            "repos_per_s": round(n / self.seconds, 1) if self.seconds else None,
            "requests": self.requests,
            "requests_per_repo": round(self.requests / n, 3),
            "points": self.points,
            "points_per_repo": round(self.points / n, 4),
            "answers_by_status": self.answers,
            "outcomes": self.outcomes,
            "bench_process_cpu_seconds": round(self.cpu_seconds, 3),
        }


class Runner(Protocol):
    name: str

    def start(self, ids: list[int]) -> str:
        """Put the scan on the queue; returns its RQ job id."""

    def result(self, job_id: str) -> tuple[str, dict[str, int]]:
        """The scan's final status and its outcome counts."""


class Baseline:
    name = "baseline"

    def start(self, ids: list[int]) -> str:
        import django_rq

        job = django_rq.get_queue(QUEUE).enqueue("bench.baseline.health_check", ids, job_timeout=24 * 3600,
                                                 result_ttl=3600)
        return job.id

    def result(self, job_id: str) -> tuple[str, dict[str, int]]:
        job = _job(job_id)
        payload = job.return_value() or {}
        counts = {k: v for k, v in payload.items() if k in ("healthy", "archived", "not_found", "errors")}
        status = _status(job)
        return ("completed" if status == "finished" else status), counts


class Ours:
    """RepoHealth's scan in one mode (`rest` or `graphql`), as a user starts it."""

    def __init__(self, mode: str, user: Any) -> None:
        self.mode = mode
        self.name = mode
        self.user = user

    def create(self, ids: list[int]):
        from scans.services import scan_start

        return scan_start(repositories=ids, mode=self.mode, requested_by=self.user, enqueue=False)

    def start(self, ids: list[int]) -> str:
        from scans.run.shards import enqueue_shards

        scan = self.create(ids)
        enqueue_shards(scan)
        return str(scan.id)

    def result(self, job_id: str) -> tuple[str, dict[str, int]]:
        from scans.models import ScanJob

        scan = ScanJob.objects.get(id=job_id)
        status = str(scan.status) if not scan.error else f"{scan.status}: {scan.error[:200]}"
        return status, {k: v for k, v in scan.counts().items() if v}


def graphql_pending() -> str | None:
    """Why GraphQL mode cannot run yet, or None when scans/fetch/graphql.py has its GraphQLFetcher."""
    try:
        module = importlib.import_module("scans.fetch.graphql")
    except ModuleNotFoundError:
        return "scans/fetch/graphql.py (GraphQLFetcher) is not there yet"
    if not hasattr(module, "GraphQLFetcher"):
        return "scans/fetch/graphql.py has no GraphQLFetcher yet"
    return None


def bulk_mode() -> str:
    """The mode for the rows that scan many repositories at 0 ms (6 and 7): GraphQL when its fetcher
    is there (the fastest, and what SCAN_MODE=auto runs with a token), REST otherwise."""
    return "graphql" if graphql_pending() is None else "rest"


def measure(fake: FakeGitHubControl, *, latency_ms: float, repositories: int,
            run: Callable[[], tuple[str, dict[str, int]]]) -> ScanMeasure:
    """Zero the fake's counters at this latency, time `run()` (status, outcomes), read the counters."""
    fake.configure(latency_ms=latency_ms)
    fake.reset()
    started, cpu_started = time.perf_counter(), time.process_time()
    status, outcomes = run()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    stats = fake.stats()
    answers: Counter[str] = Counter()
    for counts in stats["by_endpoint"].values():
        answers.update(counts)
    return ScanMeasure(repositories=repositories, seconds=seconds, status=status, requests=stats["requests_total"],
                       points=sum(stats["points_spent"].values()), answers=dict(sorted(answers.items())),
                       outcomes=outcomes, cpu_seconds=cpu_seconds)


def on_worker(fake: FakeGitHubControl, runner: Runner, ids: list[int], *, latency_ms: float,
              worker: Child | Sequence[Child]) -> ScanMeasure:
    """A scan run by the real worker(s): from enqueue to the end of the scan."""

    def run() -> tuple[str, dict[str, int]]:
        job_id = runner.start(ids)
        wait_for_job(job_id, worker)
        return runner.result(job_id)

    return measure(fake, latency_ms=latency_ms, repositories=len(ids), run=run)


def in_process(fake: FakeGitHubControl, ids: list[int], *, mode: str, user: Any, latency_ms: float,
               progress: bool) -> ScanMeasure:
    """`scan_run` called here (no queue), with progress writes on or off; times scan_run only."""
    from scans.run.engine import scan_run

    scan = Ours(mode, user).create(ids)

    def run() -> tuple[str, dict[str, int]]:
        done = scan_run(scan_id=scan.id, progress=progress)
        return str(done.status), {k: v for k, v in done.counts().items() if v}

    return measure(fake, latency_ms=latency_ms, repositories=len(ids), run=run)


def wait_for_job(job_id: str, worker: Child | Sequence[Child], timeout: float = 900.0,
                 interval: float = 0.02) -> None:
    """Until our scan `job_id` has ended, as its ScanJob row says (a scan larger than
    SCAN_SHARD_SIZE runs as several RQ jobs, its shards), or the baseline's RQ job has. A scan
    that never ends fails the row after `timeout` (the whole bench has 15 minutes)."""
    workers = [worker] if isinstance(worker, Child) else list(worker)
    finished = _scan_finished if _is_scan(job_id) else _job_finished
    deadline = time.monotonic() + timeout
    while not finished(job_id):
        for child in workers:
            child.check()
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} did not finish within {timeout:.0f}s")
        time.sleep(interval)


def scan_row(job_id: str):
    from scans.models import ScanJob

    return ScanJob.objects.get(id=job_id)


def wait_running(job_id: str, timeout: float = 60.0) -> None:
    """Until our scan `job_id` runs and has checked its first repositories."""
    deadline = time.monotonic() + timeout
    while (scan := scan_row(job_id)).status != "running" or scan.current == 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"scan {job_id} did not start within {timeout:.0f}s")
        time.sleep(0.05)


def cancel(job_id: str) -> None:
    """Cancel our scan `job_id` unless it has already ended."""
    from scans.services import ScanAlreadyFinished, scan_cancel

    with contextlib.suppress(ScanAlreadyFinished):
        scan_cancel(scan=scan_row(job_id))


def _is_scan(job_id: str) -> bool:
    from scans.models import ScanJob

    return ScanJob.objects.filter(id=job_id).exists()


def _scan_finished(job_id: str) -> bool:
    from scans.models import ScanJob

    return ScanJob.objects.get(id=job_id).is_finished


def _job_finished(job_id: str) -> bool:
    return _status(_job(job_id)) in FINISHED_JOB_STATES


def _job(job_id: str):
    import django_rq
    from rq.job import Job

    return Job.fetch(job_id, connection=django_rq.get_connection(QUEUE))


def _status(job) -> str:
    status = job.get_status(refresh=True)
    return str(getattr(status, "value", status))
