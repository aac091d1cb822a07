"""RQ jobs: parse the arguments, call one service."""

from rq import get_current_job

from scans.run import engine


def run_shard(scan_id: str, index: int) -> str:
    """One shard of a scan (`scans.run.shards.enqueue_shards` queues them)."""
    scan = engine.run_shard(scan_id=scan_id, index=int(index), rq_job=get_current_job())
    return str(scan.status)
