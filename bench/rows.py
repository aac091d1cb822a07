"""Rows 1 to 7, row 8, `graphql_cost` (bench/cost.py), and rows 9 and 10, `workers` and `pacing`
(bench/fleet.py), and the registry of every row (the scale rows are bench/scale.py's). Each takes
the `Bench` and returns a `Row`; bench/README.md explains them."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import requests

from bench import catalog, load, scanning
from bench.cost import graphql_cost
from bench.dependencies import dependencies
from bench.fleet import pacing, workers
from bench.harness import WEB_THREADS, WEB_WORKERS, Bench
from bench.health_first import health_first
from bench.memory import MB, RssSampler, sample
from bench.pages import pages_load
from bench.report import Line, Row, ratio
from bench.scale import SCALE_ROWS, scale_api_walk, scale_export, scale_import, scale_pages
from bench.scanning import Baseline, Ours, Runner, ScanMeasure
from bench.sizes import BULK_LATENCY_MS, IMPORT_TARGET_SECONDS, SCAN_LATENCY_MS
from bench.watch import history_bytes, pruning
from devserver.processes import Child

START_REPEATS = {"small": 5, "largest": 3}
GOALS = {"start_ms": 200.0, "progress_ratio": 1.5, "queries_per_poll": 0}


# --- rows 1 and 2: the baseline against our two modes, on the queue --------------------------------
# The variant that asks REST's maintenance-signal requests too (3 a repository, when the full
# metadata is due); plain `rest` measures the health check every scan makes. At 4 requests a
# repository it scans only what one token's hour (5,000 points) holds: more waits for the reset.
SIGNALS_DUE = "rest, signals due"
SIGNALS_DUE_REPOS = 1_000


def _runners(bench: Bench, *, signals: bool = False) -> list[tuple[str, Runner | str]]:
    """Each variant with its runner, or the reason it cannot run yet."""
    pending = scanning.graphql_pending()
    rest = [("rest", Ours("rest", bench.user))] + ([(SIGNALS_DUE, Ours("rest", bench.user))] if signals else [])
    return [("baseline", Baseline()), *rest, ("graphql", pending or Ours("graphql", bench.user))]


def _compare(bench: Bench, key: str, title: str, ratio_means: str, *, headline: str, shown: tuple[str, ...],
             scan: Callable[[Runner, list[int], Child], ScanMeasure], signals: bool = False) -> Row:
    """Run `scan(runner, ids, worker)` for every variant; ratio = variant's headline ÷ the baseline's."""
    ids = bench.ids(bench.sizes.throughput_repos)
    measures: dict[str, ScanMeasure | str] = {}
    with bench.worker() as worker:
        for name, runner in _runners(bench, signals=signals):
            if isinstance(runner, str):
                measures[name] = runner
                continue
            scanned = ids[:SIGNALS_DUE_REPOS] if name == SIGNALS_DUE else ids
            bench.say(f"  {name}: {len(scanned):,} repositories at {SCAN_LATENCY_MS} ms")
            catalog.reset(full_metadata_due=name != "rest")
            measures[name] = scan(runner, scanned, worker)
    data: dict[str, Any] = {"repositories": len(ids), "latency_ms": SCAN_LATENCY_MS}
    reference = measures["baseline"].figures()[headline] if isinstance(measures["baseline"], ScanMeasure) else None
    lines = []
    for name, measure in measures.items():
        if isinstance(measure, str):
            data[name] = {"status": "pending", "reason": measure}
            lines.append(Line(name, {}, note=f"[yellow]pending: {measure}[/]"))
            continue
        figures = measure.figures()
        if name != "baseline":
            figures["ratio"] = ratio(figures[headline], reference)
        data[name] = figures
        note = "" if figures["status"] == "completed" else f"[red]{figures['status']}[/]"
        lines.append(Line(name, {k: figures[k] for k in shown}, figures.get("ratio"), note))
    return Row(key, title, data, lines, ratio_means)


def scan_throughput(bench: Bench) -> Row:
    def scan(runner: Runner, ids: list[int], worker: Child) -> ScanMeasure:
        return scanning.on_worker(bench.fake, runner, ids, latency_ms=SCAN_LATENCY_MS, worker=worker)

    return _compare(bench, "scan_throughput", "1. scan throughput", "repos/s ÷ baseline's",
                    headline="repos_per_s", shown=("repos_per_s", "seconds", "requests_per_repo", "points_per_repo"),
                    scan=scan, signals=True)


def rescan_cost(bench: Bench) -> Row:
    def scan(runner: Runner, ids: list[int], worker: Child) -> ScanMeasure:
        # The first scan stores the ETags; its latency changes nothing it stores, so it runs at 0 ms.
        scanning.on_worker(bench.fake, runner, ids, latency_ms=BULK_LATENCY_MS, worker=worker)
        return scanning.on_worker(bench.fake, runner, ids, latency_ms=SCAN_LATENCY_MS, worker=worker)

    return _compare(bench, "rescan_cost", "2. rescan, nothing changed", "points ÷ baseline's",
                    headline="points", shown=("points", "points_per_repo", "requests_per_repo", "seconds"), scan=scan)


# --- row 3: the progress endpoint under load, beside a trivial view --------------------------------
def progress_load(bench: Bench) -> Row:
    web = bench.web()
    ids = bench.ids(bench.sizes.catalog)
    headers = {"Authorization": f"Token {bench.api_token}"}
    clients, seconds = bench.sizes.pollers, bench.sizes.poll_seconds
    runner = Ours("rest", bench.user)
    catalog.reset(full_metadata_due=False)  # health scans: the signals are not due
    bench.fake.configure(latency_ms=SCAN_LATENCY_MS)
    with bench.worker() as worker:
        job_id = runner.start(ids)
        try:
            scanning.wait_running(job_id)
            bench.say(f"  {clients} pollers for {seconds:g} s on the progress endpoint, then on /bench/ping")
            progress = load.poll(f"{web.url}/api/bulk/health-check/{job_id}/progress", clients=clients,
                                 seconds=seconds, headers=headers)
            ping = load.poll(f"{web.url}/bench/ping", clients=clients, seconds=seconds, headers=headers)
            status, _ = runner.result(job_id)
            checked = scanning.scan_row(job_id).current
        finally:
            scanning.cancel(job_id)
            scanning.wait_for_job(job_id, worker, timeout=120)  # a cancelled scan ends within seconds
    figures = {"progress": progress.figures(), "ping": ping.figures()}
    figures["progress"]["ratio"] = ratio(figures["progress"]["p99_ms"], figures["ping"]["p99_ms"])
    shown = ("requests_per_s", "p50_ms", "p99_ms", "queries_per_request")
    data = {"pollers": clients, "seconds_each": seconds, **figures, "ratio": figures["progress"]["ratio"],
            "server": f"gunicorn bench.wsgi, {WEB_WORKERS} workers x {WEB_THREADS} threads",
            "scan": {"mode": runner.mode, "latency_ms": SCAN_LATENCY_MS, "repositories": len(ids),
                     "status_after_load": status, "checked_by_then": checked}}
    data["queries_per_poll"] = figures["progress"]["queries_per_request"]
    data["within_goal"] = (data["ratio"] is not None and data["ratio"] <= GOALS["progress_ratio"]
                           and data["queries_per_poll"] <= GOALS["queries_per_poll"])
    note = ("[green]within[/]" if data["within_goal"] else "[red]outside[/]") + (
        f" the goal (≤ {GOALS['progress_ratio']:g}×, {GOALS['queries_per_poll']} queries a poll)")
    if status != "running":
        note += f" [red]the scan was {status} before the load ended[/]"
    lines = [Line("progress", {k: figures["progress"][k] for k in shown}, figures["progress"]["ratio"], note),
             Line("/bench/ping", {k: figures["ping"][k] for k in shown})]
    return Row("progress_load", "3. progress under load", data, lines, "p99 ÷ trivial view's")


# --- row 4: starting a scan over HTTP ------------------------------------------------------------------
def start_latency(bench: Bench) -> Row:
    """No worker runs: each started scan waits on the queue and is cancelled (untimed) at once."""
    web = bench.web()
    sizes = bench.sizes.start_ids
    ids = bench.ids(max(sizes))
    session = requests.Session()
    session.headers.update({"Authorization": f"Token {bench.api_token}", "Content-Type": "application/json"})

    def post(count: int) -> float:
        body = json.dumps({"repository_ids": ids[:count]})  # serialised before the clock starts
        started = time.perf_counter()
        response = session.post(f"{web.url}/api/bulk/health-check", data=body, timeout=300)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 202:
            raise RuntimeError(f"POST with {count} ids answered {response.status_code}: {response.text[:300]}")
        scanning.cancel(response.json()["job_id"])
        return elapsed

    for _ in range(2 * WEB_WORKERS):  # warm every gunicorn worker
        post(min(sizes))
    timings = {count: [post(count) for _ in range(START_REPEATS["largest" if count == max(sizes) else "small"])]
               for count in sizes}
    medians = {count: statistics.median(ms) for count, ms in timings.items()}
    overall = ratio(medians[max(sizes)], medians[min(sizes)])
    data: dict[str, Any] = {
        str(count): {"ids": count, "median_ms": round(medians[count], 1), "max_ms": round(max(ms), 1),
                     "samples_ms": [round(v, 1) for v in ms]}
        for count, ms in timings.items()
    }
    data["ratio"] = overall
    data["goal_ms"] = GOALS["start_ms"]
    data["within_goal"] = medians[max(sizes)] < GOALS["start_ms"]
    verdict = f"{'[green]under[/]' if data['within_goal'] else '[red]over[/]'} the {GOALS['start_ms']:g} ms goal"
    lines = [Line(f"{count:,} ids", {"median_ms": data[str(count)]["median_ms"], "max_ms": data[str(count)]["max_ms"]},
                  overall if count == max(sizes) else None, verdict if count == max(sizes) else "")
             for count in sizes]
    return Row("start_latency", "4. start latency (POST)", data, lines, "largest ÷ smallest")


# --- row 5: import ----------------------------------------------------------------------------------
def import_file(bench: Bench) -> Row:
    from repositories.models import Repository
    from repositories.services import repositories_import

    source = bench.catalog.import_file()
    lines = len(bench.catalog.names)
    tracked_before = Repository.objects.count()
    started = time.perf_counter()
    report = repositories_import(source=source, filename="bench-import.txt")
    seconds = time.perf_counter() - started
    data = {"lines": lines, "bytes": len(source), "seconds": round(seconds, 3), "lines_per_s": round(lines / seconds),
            "created": report.created, "existing": report.existing, "invalid": len(report.invalid),
            "tracked_before": tracked_before, "target_seconds": IMPORT_TARGET_SECONDS,
            "within_target": seconds < IMPORT_TARGET_SECONDS}
    verdict = "[green]under[/]" if data["within_target"] else "[red]over[/]"
    return Row("import", "5. import", data, [
        Line(f"{lines:,} lines", {"seconds": data["seconds"], "lines_per_s": data["lines_per_s"],
                                  "created": report.created},
             note=f"{verdict} the {IMPORT_TARGET_SECONDS:g} s target")])


# --- row 6: worker memory ---------------------------------------------------------------------------
def worker_rss(bench: Bench) -> Row:
    mode = scanning.bulk_mode()
    ids = bench.ids(bench.sizes.rss_repos)
    catalog.reset(full_metadata_due=False)  # health scans: the signals are not due
    with bench.worker() as worker:
        idle = sample(worker)
        bench.say(f"  {mode} scan of {len(ids):,} repositories at {BULK_LATENCY_MS} ms, sampling memory")
        with RssSampler(worker) as peak:
            measure = scanning.on_worker(bench.fake, Ours(mode, bench.user), ids, latency_ms=BULK_LATENCY_MS,
                                         worker=worker)
    scan = measure.figures()
    data = {"mode": mode, "repositories": len(ids), "latency_ms": BULK_LATENCY_MS,
            "peak_mb": round(peak.tree_rss / MB, 1), "idle_mb": round(idle.tree_rss / MB, 1),
            "peak_process_mb": round(peak.process_rss / MB, 1), "peak_pss_mb": round(peak.tree_pss / MB, 1),
            "samples": peak.samples, "status": scan["status"], "seconds": scan["seconds"],
            "repos_per_s": scan["repos_per_s"]}
    note = f"(tree RSS sum; largest process {data['peak_process_mb']} MB, tree PSS {data['peak_pss_mb']} MB)"
    if scan["status"] != "completed":
        note += f" [red]{scan['status']}[/]"
    return Row("worker_rss", "6. worker peak RSS", data, [
        Line(f"{mode}, {len(ids):,} repos", {"peak_mb": data["peak_mb"], "idle_mb": data["idle_mb"],
                                              "seconds": data["seconds"], "repos_per_s": data["repos_per_s"]},
             note=note)])


# --- row 7: the cost of progress reporting ------------------------------------------------------------
def progress_overhead(bench: Bench) -> Row:
    """scan_run in this process with progress writes on and off, alternating which goes first;
    the fastest of each is compared."""
    mode = scanning.bulk_mode()
    ids = bench.ids(bench.sizes.overhead_repos)
    runs: dict[bool, list[ScanMeasure]] = {True: [], False: []}
    for round_ in range(bench.sizes.overhead_rounds):
        for progress in ((False, True) if round_ % 2 == 0 else (True, False)):
            bench.say(f"  progress {'on' if progress else 'off'}: {mode} scan of {len(ids):,} repositories in-process")
            catalog.reset(full_metadata_due=False)  # health scans: the signals are not due
            runs[progress].append(scanning.in_process(bench.fake, ids, mode=mode, user=bench.user,
                                                      latency_ms=BULK_LATENCY_MS, progress=progress))
    best = {progress: min(measures, key=lambda m: m.seconds) for progress, measures in runs.items()}
    on, off = best[True].figures(), best[False].figures()
    overhead = round((on["seconds"] - off["seconds"]) / off["seconds"] * 100, 1)
    cpu_on, cpu_off = on["bench_process_cpu_seconds"], off["bench_process_cpu_seconds"]
    shown = ("seconds", "repos_per_s", "bench_process_cpu_seconds")
    data = {"mode": mode, "latency_ms": BULK_LATENCY_MS, "repositories": len(ids),
            "rounds": bench.sizes.overhead_rounds, "on": on, "off": off,
            "on_seconds_all": [round(m.seconds, 2) for m in runs[True]],
            "off_seconds_all": [round(m.seconds, 2) for m in runs[False]],
            "overhead_percent": overhead, "ratio": ratio(on["seconds"], off["seconds"]),
            "cpu_overhead_percent": round((cpu_on - cpu_off) / cpu_off * 100, 1)}
    return Row("progress_overhead", "7. progress reporting cost", data, [
        Line(f"{mode}, progress on", {**{k: on[k] for k in shown}, "overhead_percent": overhead,
                             "cpu_overhead_percent": data["cpu_overhead_percent"]}, data["ratio"]),
        Line(f"{mode}, progress off", {k: off[k] for k in shown})], "time on ÷ time off")


# In the order of the table and latest.json. They run in RUN_ORDER: the import first, so that it
# measures an import into an empty catalog; the scale rows next (`scale_import` empties the catalog
# first, and at the bench's size imports the same names again).
ROWS: dict[str, Callable[[Bench], Row]] = {
    "scan_throughput": scan_throughput,
    "rescan_cost": rescan_cost,
    "progress_load": progress_load,
    "start_latency": start_latency,
    "import": import_file,
    "worker_rss": worker_rss,
    "progress_overhead": progress_overhead,
    "graphql_cost": graphql_cost,
    "workers": workers,
    "pacing": pacing,
    "history": history_bytes,  # bench/watch.py
    "pruning": pruning,
    "pages_load": pages_load,  # bench/pages.py
    "dependencies": dependencies,  # bench/dependencies.py
    # bench/scale.py: at Sizes.scale repositories (`--scale N`, make bench-scale)
    "scale_import": scale_import,
    "scale_pages": scale_pages,
    "scale_api_walk": scale_api_walk,
    "scale_export": scale_export,
    "health_first": health_first,  # bench/health_first.py
}
RUN_ORDER = ("import", *SCALE_ROWS, "dependencies", "scan_throughput", "rescan_cost", "graphql_cost",
             "progress_overhead", "worker_rss", "start_latency", "progress_load", "pages_load", "workers", "pacing",
             "history", "pruning")
