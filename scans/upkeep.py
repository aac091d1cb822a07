"""The scans' upkeep tasks (listed in UPKEEP_TASKS; repohealth.runtime.upkeep runs them):
a running scan whose worker stopped beating is failed, resumable; a queued scan that never
reached the queue is failed, saying why."""

from __future__ import annotations

from scans.services import scan_fail_unqueued, scan_reap_lost


def reap_dead_scans() -> int:
    return scan_reap_lost()


def fail_unqueued_scans() -> int:
    return scan_fail_unqueued()
