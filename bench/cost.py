"""Row `graphql_cost`: what GraphQL scans cost by GitHub's formula, first scan and rescan.

The fake GitHub scores every query with GitHub's documented formula (fakegithub/cost.py) and
charges it. A first scan of the catalog has no full metadata yet, so it asks the full query
(topics, watchers, open issues and pull requests, and the default branch's commits of the last year
for the maintenance verdict: 5 connections a repository, with the latest release, an object); a rescan within
SCAN_FULL_METADATA_HOURS asks the lean one (no connections). Points per repository come from the
fake's counters; the scan's own record (`ScanJob.points_spent`, what GitHub reported in
`rateLimit.cost`) is shown beside them and must agree.

Every scan also asks who holds the old names of the moved repositories it covers (`{ databaseId }`
per name, 1 point per 100 names): the rescan has the moves the first scan found. Those queries are
counted apart (`old_names`, the fake's `graphql_id_lookups`), per moved repository, so that a
variant's `points_per_repo` is its repository query's alone.
"""

from __future__ import annotations

from typing import Any

from bench import catalog, scanning
from bench.harness import Bench
from bench.report import Line, Row
from bench.scanning import Ours, ScanMeasure
from bench.sizes import BULK_LATENCY_MS

GOALS = {"full": 0.06, "lean": 0.011}  # points per repository (the full query with the maintenance signals)
OLD_NAMES_GOAL = 0.011  # points per moved repository


def _scan(bench: Bench, runner: Ours, ids: list[int], worker) -> tuple[ScanMeasure, dict[str, Any]]:
    """One scan on the worker; the fake's measure, and what the scan itself recorded."""
    from scans.models import ScanJob

    started: list[str] = []

    def run() -> tuple[str, dict[str, int]]:
        started.append(runner.start(ids))
        scanning.wait_for_job(started[-1], worker)
        return runner.result(started[-1])

    moved = _moved(ids)  # before the scan: its old-names queries are asked first
    measure = scanning.measure(bench.fake, latency_ms=BULK_LATENCY_MS, repositories=len(ids), run=run)
    stats = bench.fake.stats()
    recorded = ScanJob.objects.get(id=started[-1]).points_spent
    return measure, {"recorded_points": recorded, "queries_by_cost": stats.get("graphql_queries_by_cost", {}),
                     "old_names": _old_names(stats["graphql_id_lookups"], moved)}


def _moved(ids: list[int]) -> int:
    """How many of these repositories moved (and have a known GitHub id): their old names are asked."""
    from repositories.models import Repository

    return Repository.objects.filter(id__in=ids, github_id__isnull=False).exclude(previous_names=[]).count()


def _old_names(lookups: dict[str, int], moved: int) -> dict[str, Any]:
    per_moved = round(lookups["points"] / moved, 4) if moved else None
    return {**lookups, "moved_repos": moved, "points_per_moved_repo": per_moved,
            "goal_points_per_moved_repo": OLD_NAMES_GOAL,
            "within_goal": per_moved is None or per_moved <= OLD_NAMES_GOAL}


def graphql_cost(bench: Bench) -> Row:
    ids = bench.ids(bench.sizes.throughput_repos)
    runner = Ours("graphql", bench.user)
    catalog.reset()  # nothing fetched yet: the first scan asks the full query
    measures: dict[str, tuple[ScanMeasure, dict[str, Any]]] = {}
    with bench.worker() as worker:
        for variant in ("full", "lean"):
            bench.say(f"  {'first scan' if variant == 'full' else 'rescan within the day'}: "
                      f"{len(ids):,} repositories, GraphQL")
            measures[variant] = _scan(bench, runner, ids, worker)
    data: dict[str, Any] = {"repositories": len(ids), "latency_ms": BULK_LATENCY_MS,
                            "formula": "GitHub's: connection requests / 100, rounded, at least 1"}
    lines = []
    for variant, (measure, extra) in measures.items():
        old_names = extra["old_names"]
        points = measure.points - old_names["points"]  # the repository query's alone
        figures = {**measure.figures(), **extra, "points": points, "points_with_old_names": measure.points,
                   "points_per_repo": round(points / measure.repositories, 4), "goal_points_per_repo": GOALS[variant]}
        figures["within_goal"] = figures["points_per_repo"] <= GOALS[variant]
        data[variant] = figures
        verdict = "[green]within[/]" if figures["within_goal"] else "[red]over[/]"
        note = f"{verdict} the goal of {GOALS[variant]:g}; queries by cost {extra['queries_by_cost']}"
        if old_names["queries"]:
            verdict = "[green]within[/]" if old_names["within_goal"] else "[red]over[/]"
            note += (f"; old names of {old_names['moved_repos']} moved: {old_names['points']} points in "
                     f"{old_names['queries']} queries, {old_names['points_per_moved_repo']} per moved repository, "
                     f"{verdict} the goal of {OLD_NAMES_GOAL:g}")
        if figures["status"] != "completed":
            note += f" [red]{figures['status']}[/]"
        if extra["recorded_points"] != measure.points:
            note += f" [red]the scan recorded {extra['recorded_points']} points[/]"
        lines.append(Line("full (first scan)" if variant == "full" else "lean (rescan)",
                          {"points": points, "points_per_repo": figures["points_per_repo"],
                           "old_names_points_per_moved_repo": old_names["points_per_moved_repo"],
                           "scan_recorded": extra["recorded_points"], "seconds": figures["seconds"]},
                          note=note))
    return Row("graphql_cost", "8. GraphQL cost (GitHub's formula)", data, lines)
