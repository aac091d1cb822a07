"""`python -m bench [--rows a,b] [--quick] [--scale N]`: run the rows, print the table, write latest.json."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from bench.report import Row, print_table, write_json
from bench.sizes import FULL, QUICK, Sizes, at_scale

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from bench.rows import ROWS
    from bench.scale import SCALE_ROWS

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rows", help=f"comma-separated subset of: {', '.join(ROWS)} (default: all; "
                                       "with --scale, the scale rows)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run (not comparable)")
    parser.add_argument("--scale", type=_positive, metavar="N",
                        help="the scale rows alone, at a catalog of N repositories (make bench-scale: BENCH_SCALE, "
                             "1,000,000 unless set)")
    options = parser.parse_args(argv)
    allowed = SCALE_ROWS if options.scale else tuple(ROWS)
    options.rows = [r.strip() for r in (options.rows or ",".join(allowed)).split(",") if r.strip()]
    unknown = [r for r in options.rows if r not in allowed]
    if unknown or not options.rows:
        parser.error(f"unknown rows {', '.join(unknown)}; choose from {', '.join(allowed)}"
                     + (" (--scale runs the scale rows alone)" if options.scale else ""))
    return options


def _positive(text: str) -> int:
    value = int(text.replace(",", "").replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError("N is a number of repositories, at least 1")
    return value


def run(selected: list[str], sizes: Sizes, console: Console) -> list[Row]:
    from bench.harness import Bench
    from bench.rows import ROWS, RUN_ORDER

    done: dict[str, Row] = {}
    with Bench(sizes, RESULTS_DIR, say=console.print) as bench:
        for key in [k for k in RUN_ORDER if k in selected]:
            console.print(f"[bold]{key}[/] ...")
            started = time.monotonic()
            try:
                row = ROWS[key](bench)
            except Exception as exc:  # one broken row must not cost the others
                (RESULTS_DIR / "logs" / f"{key}.traceback.txt").write_text(traceback.format_exc())
                row = Row.failed(key, key, f"{type(exc).__name__}: {str(exc)[:500]}")
            row.seconds = time.monotonic() - started
            console.print(f"[bold]{key}[/] done in {row.seconds:.1f} s")
            done[key] = row
    return [done[key] for key in ROWS if key in done]


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    sizes = QUICK if options.quick else FULL
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    kind = ("QUICK smoke run (smaller sizes; figures are not comparable with a full run)" if options.quick
            else "full run")
    if options.scale:
        sizes = at_scale(sizes, options.scale)
        kind = f"scale run at {options.scale:,} repositories" + ("; QUICK sizes" if options.quick else "")
    console.print(f"RepoHealth bench: {kind}; rows: {', '.join(options.rows)}")
    started_at = datetime.now(UTC)
    started = time.monotonic()
    load_before = os.getloadavg()
    rows = run(options.rows, sizes, console)
    wall = time.monotonic() - started
    meta = _meta(options.quick, sizes, started_at, wall)
    meta["load_average_1_5_15"] = {"start": [round(v, 2) for v in load_before],
                                   "end": [round(v, 2) for v in os.getloadavg()]}
    title = (f"RepoHealth bench — {kind} — {wall / 60:.1f} min on {os.cpu_count()} cores "
             f"(load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after)")
    print_table(rows, title=title, console=console)
    path = RESULTS_DIR / "latest.json"
    write_json(path, rows, meta)
    console.print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 1 if any("error" in row.data for row in rows) else 0


def _meta(quick: bool, sizes: Sizes, started_at: datetime, wall: float) -> dict:
    from django.conf import settings

    return {
        "quick": quick,
        "sizes": sizes.as_dict(),
        "started_at": started_at.isoformat(),
        "wall_seconds": round(wall, 1),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "redis": "REDIS_URL" if os.environ.get("REDIS_URL") else "embedded, bench-only",
        "scan_concurrency": settings.SCAN_CONCURRENCY,
        "graphql_batch": settings.SCAN_GRAPHQL_BATCH,
    }


if __name__ == "__main__":
    sys.exit(main())
