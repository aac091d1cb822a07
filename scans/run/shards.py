"""A scan's shards: cut when the scan is created, queued as RQ jobs of one group (any worker on any
machine takes one), and taken off the queue when the scan is cancelled. `scans.jobs.run_shard`
runs one (`scans/run/engine.py`)."""

from __future__ import annotations

import logging

from django.conf import settings

from scans.models import ScanJob, ScanShard

logger = logging.getLogger(__name__)

QUEUE_NAME = "default"


def cut_shards(scan: ScanJob) -> None:
    """SCAN_SHARD_SIZE consecutive repositories of the scan's list a shard (one shard for an empty scan)."""
    size, total = settings.SCAN_SHARD_SIZE, scan.total
    ScanShard.objects.bulk_create([ScanShard(scan=scan, index=n, start=start, end=min(start + size, total))
                                   for n, start in enumerate(range(0, max(total, 1), size))])


def enqueue_shards(scan: ScanJob, shards=None) -> None:
    """Its shards as RQ jobs of one group (the scan's id), so any worker on any machine takes one."""
    import django_rq
    from rq import Queue
    from rq.group import Group

    queue = django_rq.get_queue(QUEUE_NAME, commit_mode="auto")
    shards = list(shards if shards is not None else scan.shards.filter(status=ScanJob.Status.QUEUED))
    jobs = [Queue.prepare_data(
        "scans.jobs.run_shard", (str(scan.id), shard.index), job_id=shard.job_id, timeout=7 * 24 * 3600,
        result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600,
        description=f"Health scan of {scan.total} repositories: shard {shard.index + 1} "
                    f"({shard.end - shard.start} repositories)",
    ) for shard in shards]
    Group(connection=queue.connection, name=str(scan.id)).enqueue_many(queue, jobs)


def remove_from_queue(shards) -> None:
    import django_rq
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    connection = django_rq.get_connection(QUEUE_NAME)
    for shard in shards:
        try:
            Job.fetch(shard.job_id, connection=connection).cancel()
        except NoSuchJobError:
            pass
        except Exception:  # the row is the record; a worker skips a cancelled shard anyway
            logger.warning("could not remove %s from the queue", shard.job_id, exc_info=True)
