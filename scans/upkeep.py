"""The scans' maintenance tasks (listed in MAINTENANCE_TASKS; repohealth.runtime.upkeep runs them):
a running scan whose worker stopped beating is failed, resumable; a queued scan that never
reached the queue is failed, saying why."""

from __future__ import annotations

from scans.services import scan_fail_unqueued, scan_reap_stale


def reap_dead_scans() -> int:
    return scan_reap_stale()


def fail_unqueued_scans() -> int:
    return scan_fail_unqueued()
