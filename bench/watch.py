"""Rows `history` and `pruning`: what the history costs to keep, and how fast retention
removes old scan results.

`history`: the catalog's first `throughput_repos` repositories are scanned once on the worker
(REST, with the bench token, at 0 ms: the first check writes each repository's first metric
snapshot, the baseline), then rescanned twice: with nothing changed on the fake GitHub, and after
5 % of them changed (their stars and their description, so each writes a change row and a
snapshot); each rescan is made "the next day" (the snapshots so far are moved a day back first).
For each rescan: the rows the history gained and the bytes they take in the database (SQLite: the
used bytes of the history tables' and their indexes' pages, from `dbstat`; PostgreSQL:
`pg_total_relation_size`), per 1,000 repository-checks.

`pruning`: `100 × throughput_repos` scan results older than RETENTION_DAYS (a hundred checks of
each repository) are pruned by `watch.retention.prune` in this process, in batches of
RETENTION_BATCH: rows removed per second, and the latest result of each repository kept.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from bench import catalog, scanning
from bench.harness import Bench
from bench.report import Line, Row
from bench.scanning import Ours
from bench.sizes import BULK_LATENCY_MS

CHANGING_SHARE = 0.05
RESULTS_PER_REPOSITORY = 100
HISTORY_TABLES = ("repositories_repositorychange", "repositories_metricsnapshot")


def history_size() -> dict[str, int]:
    """Rows and bytes of the history tables (with their indexes) as the database stores them."""
    from django.db import connection

    from repositories.models import MetricSnapshot, RepositoryChange

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE tbl_name IN (%s, %s)", HISTORY_TABLES)
            names = [row[0] for row in cursor.fetchall()]
            marks = ", ".join(["%s"] * len(names))
            cursor.execute(f"SELECT COALESCE(SUM(pgsize - unused), 0) FROM dbstat WHERE name IN ({marks})", names)
        else:
            cursor.execute("SELECT pg_total_relation_size(%s) + pg_total_relation_size(%s)", HISTORY_TABLES)
        size = int(cursor.fetchone()[0])
    return {"changes": RepositoryChange.objects.count(), "snapshots": MetricSnapshot.objects.count(), "bytes": size}


def _clear_history() -> None:
    from repositories.models import MetricSnapshot, Repository, RepositoryChange

    RepositoryChange.objects.all().delete()
    MetricSnapshot.objects.all().delete()
    Repository.objects.update(suspected=False, suspected_since=None, suspect_checks=0, health_before_suspicion="")


def _next_day() -> None:
    """Each rescan is "the next day": the snapshots so far move a day back, so a count that changed
    writes its own row, as it would a day later (on the same day it would update the day's row)."""
    from django.db.models import F

    from repositories.models import MetricSnapshot

    MetricSnapshot.objects.update(day=F("day") - timedelta(days=1))


def _change_some(bench: Bench, ids: list[int]) -> int:
    """Stars and description of 5 % of these repositories (ones GitHub answers for), on the fake."""
    from repositories.models import Repository

    found = list(Repository.objects.filter(id__in=ids, health__in=["healthy", "stale", "archived"])
                 .order_by("id").values_list("full_name", "stars", "description")[:int(len(ids) * CHANGING_SHARE)])
    for name, stars, description in found:
        response = bench.fake.session.post(f"{bench.fake.url}/_fake/repos/{name}", timeout=30,
                                           json={"stars": stars + 7, "description": f"{description} (changed)"})
        response.raise_for_status()
    return len(found)


def history_bytes(bench: Bench) -> Row:
    ids = bench.ids(bench.sizes.throughput_repos)
    runner = Ours("rest", bench.user)
    catalog.reset(full_metadata_due=False)  # health scans: the signals are not due
    _clear_history()
    measured: dict[str, dict[str, Any]] = {}
    with bench.worker() as worker:
        bench.say(f"  first scan of {len(ids):,} (the baseline: first snapshots)")
        scanning.on_worker(bench.fake, runner, ids, latency_ms=BULK_LATENCY_MS, worker=worker)
        for variant in ("unchanged", "5% changing"):
            changed = _change_some(bench, ids) if variant != "unchanged" else 0
            _next_day()
            before = history_size()
            bench.say(f"  rescan, {variant}: {len(ids):,} repositories")
            scan = scanning.on_worker(bench.fake, runner, ids, latency_ms=BULK_LATENCY_MS, worker=worker)
            after = history_size()
            grown = {k: after[k] - before[k] for k in after}
            measured[variant] = {
                "repositories": len(ids), "changed_on_github": changed, "status": scan.status,
                "change_rows": grown["changes"], "snapshot_rows": grown["snapshots"], "bytes": grown["bytes"],
                "bytes_per_1000_checks": round(grown["bytes"] * 1000 / len(ids)),
                "rows_per_1000_checks": round((grown["changes"] + grown["snapshots"]) * 1000 / len(ids), 1),
            }
    lines = [Line(variant, {k: figures[k] for k in ("bytes_per_1000_checks", "rows_per_1000_checks", "change_rows",
                                                     "snapshot_rows")},
                  note="" if figures["status"] == "completed" else f"[red]{figures['status']}[/]")
             for variant, figures in measured.items()]
    data = {"how": "bytes the history tables gained (SQLite: used page bytes from dbstat) per rescan",
            **measured}
    return Row("history", "11. history kept per 1,000 checks", data, lines)


def pruning(bench: Bench) -> Row:
    from django.conf import settings
    from django.utils import timezone

    from scans.models import ScanJob, ScanResult
    from watch import retention

    ids = bench.ids(bench.sizes.throughput_repos)
    names = dict(catalog_names(ids))
    old = timezone.now() - timedelta(days=settings.RETENTION_DAYS + 10)
    ScanResult.objects.all().delete()
    scan = ScanJob.objects.create(requested_by=bench.user, status=ScanJob.Status.COMPLETED, total=len(ids))
    total = len(ids) * RESULTS_PER_REPOSITORY
    bench.say(f"  writing {total:,} results {settings.RETENTION_DAYS + 10} days old")
    for start in range(0, RESULTS_PER_REPOSITORY):
        ScanResult.objects.bulk_create([ScanResult(scan=scan, repository_id=i, full_name=names[i], outcome="healthy",
                                                   checked_at=old + timedelta(seconds=start)) for i in ids],
                                       batch_size=5000)
    started = time.perf_counter()
    removed = retention.prune(max_seconds=3600)["scan_results"]
    seconds = time.perf_counter() - started
    kept = ScanResult.objects.count()
    figures = {"rows_removed": removed, "seconds": round(seconds, 3),
               "rows_removed_per_s": round(removed / seconds) if seconds else None, "rows_kept": kept,
               "batch": settings.RETENTION_BATCH}
    ScanResult.objects.filter(scan=scan).delete()
    scan.delete()
    note = "" if kept == len(ids) and removed == total - len(ids) else "[red]kept the wrong rows[/]"
    return Row("pruning", "12. retention pruning", {"results": total, **figures},
               [Line(f"{total:,} old results", {k: figures[k] for k in ("rows_removed_per_s", "rows_removed",
                                                                        "seconds", "rows_kept")}, note=note)])


def catalog_names(ids: list[int]):
    from repositories.models import Repository

    return Repository.objects.filter(id__in=ids).values_list("id", "full_name")
