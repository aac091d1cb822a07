"""RQ jobs: parse the arguments, call one service."""

from rq import get_current_job

from scans.services import scan_run


def run_scan(scan_id: str) -> str:
    scan = scan_run(scan_id=scan_id, rq_job=get_current_job())
    return str(scan.status)
