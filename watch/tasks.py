"""The watch app's upkeep tasks (listed in UPKEEP_TASKS; repohealth.runtime.upkeep runs
them in this order on every pass): start due schedules, start rechecks of dead answers, digest
finished scans, enqueue due deliveries, prune what is past RETENTION_DAYS (at most once every
PRUNE_EVERY seconds)."""

from __future__ import annotations

from django.core.cache import cache

from watch import deliveries, digests, retention, schedules

PRUNED_KEY = "watch:retention:last"
PRUNE_EVERY = 3600


def start_due_schedules() -> int:
    return schedules.start_due_schedules()


def start_dead_rechecks() -> int:
    return schedules.start_dead_rechecks()


def digest_finished_scans() -> int:
    return digests.digest_finished_scans()


def send_due_deliveries() -> int:
    return deliveries.send_due_deliveries()


def prune() -> dict[str, int] | str:
    if not cache.add(PRUNED_KEY, 1, timeout=PRUNE_EVERY):
        return "pruned within the hour"
    return retention.prune()
