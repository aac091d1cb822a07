"""Row `health_first`: what a first GraphQL scan of many repositories costs before every one of them
has a health, in one pass and health first (scans/run/passes.py), by GitHub's formula.

In one pass a first scan asks every repository the full query (its full metadata is due). Health
first (a scan over SCAN_HEALTH_FIRST_OVER) asks every repository the lean query in a health pass;
the worker then starts the metadata pass, which asks the full query of those whose full metadata
is due at SCAN_METADATA_BUDGET_SHARE of the rate limit. Each pass's points are its own record
(`ScanJob.points_spent`, what GitHub reported); they must add up to the fake's counters. Each is
extrapolated to 1,000,000 repositories and to hours of one token's 5,000 points an hour (the
metadata pass's at its share).
"""

from __future__ import annotations

from typing import Any

from bench import catalog, scanning
from bench.harness import Bench
from bench.report import Line, Row
from bench.scanning import Ours, ScanMeasure
from bench.sizes import BULK_LATENCY_MS

MILLION = 1_000_000
POINTS_PER_HOUR = 5_000  # one token
GOAL_PER_MILLION = 10_500  # the health pass's points for 1,000,000 repositories


def _passes(job_id: str, worker) -> list:
    """The scan and, health first, the metadata pass its last shard started; both ended."""
    from scans.models import ScanJob

    scanning.wait_for_job(job_id, worker)
    found = [scanning.scan_row(job_id)]
    if follow := ScanJob.objects.filter(health_pass_id=job_id).first():
        scanning.wait_for_job(str(follow.id), worker)
        found.append(scanning.scan_row(str(follow.id)))
    return found


def _first_scan(bench: Bench, runner: Ours, ids: list[int], worker, *, over: int) -> tuple[ScanMeasure, list]:
    """A first scan of `ids` (nothing fetched yet) with SCAN_HEALTH_FIRST_OVER at `over`, to its
    end and its metadata pass's; the fake's measure and the passes."""
    from django.test import override_settings

    catalog.reset()
    passes: list = []

    def run() -> tuple[str, dict[str, int]]:
        job_id = runner.start(ids)
        passes.extend(_passes(job_id, worker))
        return runner.result(job_id)

    with override_settings(SCAN_HEALTH_FIRST_OVER=over):  # scan_start decides, in this process
        measure = scanning.measure(bench.fake, latency_ms=BULK_LATENCY_MS, repositories=len(ids), run=run)
    return measure, passes


def _figures(scan, scanned: int) -> dict[str, Any]:
    """A pass's figures; per million: for a first scan of a million repositories (`scanned` here),
    so the metadata pass's covers the same share of them as here."""
    per_million = scan.points_spent * MILLION / scanned
    return {"pass": scan.scan_pass or "one", "status": str(scan.status), "repositories": scan.total,
            "points": scan.points_spent, "points_per_repo": round(scan.points_spent / max(1, scan.total), 4),
            "points_per_million": round(per_million), "budget_share": scan.budget_share,
            "hours_per_million": round(per_million / (POINTS_PER_HOUR * scan.budget_share / 100), 1),
            "seconds": round((scan.finished_at - scan.started_at).total_seconds(), 1)}


def health_first(bench: Bench) -> Row:
    ids = bench.ids(bench.sizes.health_first_repos)
    runner = Ours("graphql", bench.user)
    data: dict[str, Any] = {"repositories": len(ids), "latency_ms": BULK_LATENCY_MS, "points_per_hour": POINTS_PER_HOUR,
                            "goal_health_pass_points_per_million": GOAL_PER_MILLION}
    lines = []
    with bench.worker() as worker:
        for variant, over in (("one pass", len(ids)), ("health first", len(ids) - 1)):
            bench.say(f"  first scan, {variant}: {len(ids):,} repositories, GraphQL")
            measure, passes = _first_scan(bench, runner, ids, worker, over=over)
            figures = [_figures(scan, len(ids)) for scan in passes]
            data[variant.replace(" ", "_")] = {"passes": figures, "fake_points": measure.points,
                                              "queries_by_cost": bench.fake.stats().get("graphql_queries_by_cost")}
            recorded = sum(f["points"] for f in figures)
            for shown in figures:
                note = f"{shown['repositories']:,} repositories, {shown['status']}, at {shown['budget_share']} %"
                if shown["pass"] == "health":
                    within = shown["points_per_million"] <= GOAL_PER_MILLION
                    verdict = "[green]within[/]" if within else "[red]over[/]"
                    note += f"; {verdict} the goal of {GOAL_PER_MILLION:,} points per million"
                    data["health_first"]["within_goal"] = within
                if recorded != measure.points:
                    note += f" [red]the passes recorded {recorded} points, the fake counted {measure.points}[/]"
                lines.append(Line(f"{variant}: {shown['pass']}", {
                    "points": shown["points"], "points_per_repo": shown["points_per_repo"],
                    "points_per_million": shown["points_per_million"], "hours_per_million": shown["hours_per_million"],
                    "seconds": shown["seconds"]}, note=note))
    return Row("health_first", "14. health first: a first scan's points", data, lines)
