"""The periodic upkeep job (repohealth.runtime.upkeep): its tasks run, exactly one run works at a
time (a Redis lock with a TTL), a failing task does not stop the others, and the run is recorded
where /healthz and the staff banner read it."""

from __future__ import annotations

from datetime import timedelta

import django_rq
import pytest
from django.core.cache import cache
from django.utils import timezone

from repohealth.runtime import upkeep
from repohealth.runtime.times import parse_iso
from repositories.models import Repository
from scans import services
from scans.models import ScanJob

pytestmark = pytest.mark.django_db
Status = ScanJob.Status


def boom():
    raise RuntimeError("a broken task")


def test_a_run_reaps_a_dead_scan_and_records_when_it_ran(owner, settings):
    settings.SCAN_HEARTBEAT_TIMEOUT = 5
    repo = Repository.objects.create(imported_name="a/b", full_name="a/b")
    scan = services.scan_start(repositories=[repo.id], requested_by=owner, enqueue=False)
    old = timezone.now() - timedelta(minutes=5)
    ScanJob.objects.filter(id=scan.id).update(status=Status.RUNNING, heartbeat_at=old)
    scan.shards.update(status=Status.RUNNING, heartbeat_at=old, attempts=2)  # its second worker died

    outcome = upkeep.run()

    scans_tasks = {name: outcome[name] for name in outcome if name.startswith("scans.")}  # watch adds its own
    assert scans_tasks == {"scans.upkeep.reap_dead_scans": 1, "scans.upkeep.fail_unqueued_scans": 0}
    scan.refresh_from_db()
    assert scan.status == Status.FAILED
    assert "the worker stopped responding" in scan.error
    assert timezone.now() - parse_iso(cache.get(upkeep.LAST_RUN_KEY)) < timedelta(minutes=1)


def test_only_one_run_works_while_another_holds_the_lock():
    connection = django_rq.get_connection(upkeep.QUEUE)
    connection.set(upkeep.LOCK_KEY, "another-machine", ex=30)
    try:
        assert upkeep.run() == {"skipped": "another upkeep run holds the lock"}
        assert cache.get(upkeep.LAST_RUN_KEY) is None
    finally:
        connection.delete(upkeep.LOCK_KEY)
    assert "skipped" not in upkeep.run()
    assert connection.get(upkeep.LOCK_KEY) is None, "a run releases its own lock"


def test_a_failing_task_is_reported_and_the_others_still_run(settings):
    settings.UPKEEP_TASKS = ["tests.test_upkeep.boom", "scans.upkeep.reap_dead_scans"]
    outcome = upkeep.run()
    assert outcome["tests.test_upkeep.boom"] == "failed: RuntimeError: a broken task"
    assert outcome["scans.upkeep.reap_dead_scans"] == 0


def test_the_cron_configuration_registers_the_job_on_its_own_queue(settings):
    import importlib

    from rq import cron

    import repohealth.cron

    cron._job_data_registry.clear()
    importlib.reload(repohealth.cron)  # registers again, as `rqcron repohealth.cron` does
    (job,) = cron._job_data_registry
    assert job["func"] is upkeep.run
    assert job["queue_name"] == "upkeep"
    assert job["interval"] == settings.UPKEEP_INTERVAL_SECONDS
    assert "upkeep" in settings.RQ_QUEUES


def test_the_upkeep_worker_also_takes_jobs_from_the_former_maintenance_queue(settings):
    """A job an older release put on `maintenance` still runs: the worker listens to both."""
    assert upkeep.WORKER_QUEUES == ("upkeep", "maintenance")
    assert set(upkeep.WORKER_QUEUES) <= set(settings.RQ_QUEUES)
