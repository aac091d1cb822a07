"""The progress payload (scans/run/progress.py) as a scan publishes it."""

from __future__ import annotations

import functools

import django_rq
import pytest
import redis
from django.core.cache import cache
from rq.job import Job

from scans import services
from scans.models import ScanJob
from scans.run import engine
from scans.run import progress as progress_module
from scans.run.progress import ProgressReporter, cancel_key, progress_key
from tests.scans.scanning import run, track

pytestmark = pytest.mark.django_db


def test_the_progress_counts_always_add_up_to_current(fake_github):
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:40]], "nobody/nothing")
    scan = run(repos)
    payload = cache.get(progress_key(scan.id))
    outcomes = ("healthy", "stale", "archived", "moved", "not_found", "blocked", "errors")
    assert sum(payload[k] for k in outcomes) == payload["current"] == payload["total"] == 41
    assert payload["status"] == ScanJob.Status.COMPLETED
    assert payload["message"] == "Scan complete"
    assert payload["percent"] == 100
    assert payload["finished_at"]


def test_the_payload_says_a_running_scan_is_being_cancelled(fake_github):
    repos = track("acme/a")
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    ScanJob.objects.filter(id=scan.id).update(status=ScanJob.Status.RUNNING)
    scan.shards.update(status=ScanJob.Status.RUNNING, attempts=1)  # a worker holds its shard
    assert cache.get(progress_key(scan.id))["cancel_requested"] is False

    services.scan_cancel(scan=scan)

    payload = cache.get(progress_key(scan.id))
    assert payload["status"] == ScanJob.Status.RUNNING
    assert payload["cancel_requested"] is True


class Clock:
    """A monotonic clock the test moves: `step` seconds a reading (0: frozen)."""

    def __init__(self, step: float = 0.0) -> None:
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def round_trips(monkeypatch) -> list[bytes]:
    """What this process sends to Redis from now on, one entry per write to a connection."""
    sent: list[bytes] = []
    real = redis.connection.AbstractConnection.send_packed_command

    def send(self, command, check_health=True):
        sent.append(command if isinstance(command, bytes) else b"".join(command))
        return real(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send)
    return sent


def test_the_reporter_writes_on_its_clock_in_one_round_trip_with_job_meta_and_the_cancel_flag(monkeypatch):
    repos = track("acme/a")
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False)
    queue = django_rq.get_queue("default")
    job = Job.create(print, id=f"{scan.id}_0", connection=queue.connection)
    job.save()
    clock = Clock()
    reporter = ProgressReporter(scan, rq_job=job, clock=clock)
    assert reporter.due()
    sent = round_trips(monkeypatch)

    scan.current, scan.message = 1, "Checking acme/a..."
    reporter.publish()

    assert len(sent) == 1, "the payload, job.meta and the cancel flag: one round trip"
    key = progress_key(scan.id)
    assert cache.get(key)["current"] == 1
    assert cache.get(key)["message"] == "Checking acme/a..."
    assert 3590 < cache._cache.get_client().ttl(key) <= 3600
    assert Job.fetch(job.id, connection=queue.connection).meta["progress"]["current"] == 1
    assert not reporter.due()
    clock.now += 0.24
    assert not reporter.due()
    clock.now += 0.02
    assert reporter.due()

    cache.set(cancel_key(scan.id), 1)
    sent.clear()
    assert reporter.publish()["cancel_requested"] is True, "the write that reads the flag says so at once"
    assert reporter.cancel_requested()
    assert len(sent) == 2, "one more write, and no read of its own after"


def test_a_scan_reports_on_the_clock_not_per_batch(fake_github, settings, monkeypatch):
    settings.GITHUB_TOKENS = ["tok-a"]
    settings.SCAN_GRAPHQL_BATCH = 2  # chunks of 8: 5 chunks, 20 batches
    repos = track(*[r["full_name"] for r in fake_github.repositories()[:40] if not r.get("flaky")])
    written: list[dict] = []
    real_publish = progress_module.publish
    monkeypatch.setattr(progress_module, "publish",
                        lambda scan, payload, rq_job=None: written.append(payload) or real_publish(scan, payload))

    def scan_with(clock: Clock) -> ScanJob:
        written.clear()
        monkeypatch.setattr(engine, "ProgressReporter", functools.partial(ProgressReporter, clock=clock))
        return run(repos, mode="graphql")

    scan = scan_with(Clock(step=0.0))  # the clock never reaches the interval
    assert [p["status"] for p in written] == ["running", "completed"], "the start and the end, never per batch"
    assert written[-1]["current"] == len(repos) == scan.current

    scan_with(Clock(step=0.3))  # every reading is past the interval
    running = [p for p in written if p["status"] == "running"]
    assert len(running) > 5, "on the clock, within each chunk"
    currents = [p["current"] for p in running]
    assert currents == sorted(currents), "current moves"
    assert currents[-1] > currents[0], "current moves"
    assert any(p["message"].startswith("Checking ") for p in running), "the message says what is checked"
