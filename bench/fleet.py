"""Rows 9 and 10, several workers on one scan: `workers` (a REST scan shared by 1, 2 and
4 workers) and `pacing` (4 workers and one token under GitHub's secondary limit). bench/README.md
explains them."""

from __future__ import annotations

import math
import time
from typing import Any

from django.test import override_settings

from bench import catalog, scanning
from bench.harness import PACING_TOKENS, UNPACED_PER_MINUTE, Bench
from bench.report import Line, Row, ratio
from bench.scanning import Ours
from bench.sizes import BULK_LATENCY_MS, PACING_PER_MINUTE, PACING_WORKERS, WORKERS_LATENCY_MS

SHORT_WINDOW_SECONDS = 15  # the `pacing` row's second variant: the same rate over a 15 s window


def workers(bench: Bench) -> Row:
    """The same REST scan (fresh catalog each time) on 1, 2 and 4 workers; ratio = 4 ÷ 1."""
    ids = bench.ids(bench.sizes.workers_repos)
    shard = bench.sizes.workers_shard_size
    runner = Ours("rest", bench.user)
    figures: dict[int, dict[str, Any]] = {}
    for count in bench.sizes.worker_counts:
        with bench.workers(count, env={"SCAN_SHARD_SIZE": str(shard)}) as started, \
                override_settings(SCAN_SHARD_SIZE=shard):  # the bench process splits the scan it starts
            bench.say(f"  {count} worker{'s' if count > 1 else ''}: {len(ids):,} repositories at "
                      f"{WORKERS_LATENCY_MS} ms, shards of {shard}")
            catalog.reset(full_metadata_due=False)  # health scans: the signals are not due
            figures[count] = scanning.on_worker(bench.fake, runner, ids, latency_ms=WORKERS_LATENCY_MS,
                                                worker=started).figures()
    one, most = min(figures), max(figures)
    data: dict[str, Any] = {
        "repositories": len(ids), "latency_ms": WORKERS_LATENCY_MS, "mode": runner.mode, "shard_size": shard,
        "shards": math.ceil(len(ids) / shard),
        "pacing": f"GITHUB_REST_POINTS_PER_MINUTE={UNPACED_PER_MINUTE}: does not bind",
    }
    lines = []
    for count, measured in figures.items():
        measured["ratio"] = ratio(measured["repos_per_s"], figures[one]["repos_per_s"])
        data[str(count)] = measured
        note = "" if measured["status"] == "completed" else f"[red]{measured['status']}[/]"
        lines.append(Line(f"{count} worker{'s' if count > 1 else ''}",
                          {k: measured[k] for k in ("repos_per_s", "seconds", "requests_per_repo")},
                          measured["ratio"], note))
    data["ratio"] = ratio(figures[most]["repos_per_s"], figures[one]["repos_per_s"])
    return Row("workers", "9. one scan, several workers", data, lines, f"repos/s ÷ {one} worker's")


def pacing(bench: Bench) -> Row:
    """4 workers, one token, the fake refusing more than PACING_PER_MINUTE requests a minute from it
    and the app paced to the same figure. Two variants, each with a token of its own: GitHub's
    60 s window (1,000 repositories are about 1,050 requests, under the limit), and the same rate
    over a 15 s window (300 requests), where the pacing must hold back the workers for most of
    the scan."""
    ids = bench.ids(bench.sizes.pacing_repos)
    variants = {"minute": (60, PACING_TOKENS[0]), "short_window": (SHORT_WINDOW_SECONDS, PACING_TOKENS[1])}
    data: dict[str, Any] = {"repositories": len(ids), "workers": PACING_WORKERS, "mode": "rest",
                            "limit_per_minute": PACING_PER_MINUTE, "shard_size": bench.sizes.pacing_shard_size,
                            "latency_ms": BULK_LATENCY_MS}
    lines = []
    try:
        for name, (window, token) in variants.items():
            data[name] = measured = _paced_scan(bench, ids, window=window, token=token)
            note = ("[green]no secondary-limit answer[/]" if measured["secondary_answers"] == 0
                    else f"[red]{measured['secondary_answers']} secondary-limit answers[/]")
            if measured["status"] != "completed":
                note += f" [red]{measured['status']}[/]"
            lines.append(Line(f"{window} s window, {measured['per_window']}/window",
                              {k: measured[k] for k in ("secondary_answers", "max_per_minute", "max_per_window",
                                                        "requests", "seconds")}, note=note))
    finally:
        bench.fake.configure(secondary_rest_per_window=None, secondary_window_seconds=60)
    data["secondary_answers"] = sum(data[name]["secondary_answers"] for name in variants)
    data["max_per_minute"] = max(data[name]["max_per_minute"] for name in variants)
    return Row("pacing", "10. pacing, 4 workers, 1 token", data, lines)


def _paced_scan(bench: Bench, ids: list[int], *, window: int, token: str) -> dict[str, Any]:
    per_window = PACING_PER_MINUTE * window // 60
    shard = bench.sizes.pacing_shard_size
    bench.fake.configure(secondary_rest_per_window=per_window, secondary_window_seconds=window)
    env = {"GITHUB_TOKEN": token, "GITHUB_REST_POINTS_PER_MINUTE": str(per_window),
           "GITHUB_PACING_WINDOW_SECONDS": str(window), "SCAN_SHARD_SIZE": str(shard)}
    with bench.workers(PACING_WORKERS, env=env) as started, override_settings(SCAN_SHARD_SIZE=shard):
        bench.say(f"  {PACING_WORKERS} workers, token {token}: {len(ids):,} repositories, the fake refusing "
                  f"more than {per_window} requests in {window} s")
        catalog.reset(full_metadata_due=False)  # health scans: the signals are not due
        since = time.time()
        measure = scanning.on_worker(bench.fake, Ours("rest", bench.user), ids, latency_ms=BULK_LATENCY_MS,
                                     worker=started)
    stats = bench.fake.stats()
    sent = sorted(entry["time"] for entry in bench.fake.requests(since) if entry.get("token") == token)
    figures = measure.figures()
    return {**figures, "token": token, "window_seconds": window, "per_window": per_window,
            "secondary_answers": stats["secondary_answers"],
            "max_per_window": stats["max_per_window"].get(f"{token} rest", 0),  # as the fake counts, on arrival
            "max_per_minute": _most_in_any(sent, 60.0),  # from the fake's log of answers
            "fastest_allowed_seconds": round(max(0, figures["requests"] - per_window) / per_window * window, 1)}


def _most_in_any(times: list[float], window: float) -> int:
    """The most of these (sorted) times in any span of `window` seconds, wherever it starts."""
    most, first = 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - window:
            first += 1
        most = max(most, last - first + 1)
    return most
