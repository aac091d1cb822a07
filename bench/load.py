"""Concurrent clients: threads, each with its own keep-alive `requests.Session`, GET their URLs in
a loop for a fixed time (pollers: one URL each; browsers: the pages they go through). Each thread
makes one untimed request first (connection set-up); then all start together.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import requests

from bench import QUERIES_HEADER


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)  # answers with status 200
    errors: int = 0
    queries: int = 0

    def figures(self) -> dict[str, float | int]:
        ok = sorted(self.latencies_ms)
        return {
            "requests": len(ok) + self.errors,
            "errors": self.errors,
            "requests_per_s": round((len(ok) + self.errors) / self.seconds, 1),
            "p50_ms": round(percentile(ok, 50), 2),
            "p99_ms": round(percentile(ok, 99), 2),
            "max_ms": round(ok[-1], 2) if ok else 0.0,
            "queries_per_request": round(self.queries / len(ok), 3) if ok else 0.0,
        }


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def poll(url: str, *, clients: int, seconds: float, headers: dict[str, str]) -> LoadResult:
    """`clients` threads GET `url` back to back, each on a session of its own with `headers`."""
    return run({"poll": [(session(headers), [url]) for _ in range(clients)]}, seconds=seconds)["poll"]


def session(headers: dict[str, str]) -> requests.Session:
    """A keep-alive session that sends `headers` with every request."""
    opened = requests.Session()
    opened.headers.update(headers)
    return opened


def run(groups: dict[str, list[tuple[requests.Session, list[str]]]], *, seconds: float) -> dict[str, LoadResult]:
    """Every client of every group at once, for `seconds`: a client is a thread with its session
    (closed at the end), which GETs its URLs in turn, back to back. Each makes one untimed request
    first (connect, and the server's lazy imports); then all start together. The result of each
    group counts every request of its clients; one that failed (no answer, or not a 200) is an error."""
    clients = [(name, session, urls) for name, members in groups.items() for session, urls in members]
    ready = threading.Barrier(len(clients) + 1)
    go = threading.Event()
    window: dict[str, float] = {}
    results: dict[str, list[LoadResult]] = {name: [] for name in groups}
    lock = threading.Lock()

    def client(name: str, session: requests.Session, urls: list[str]) -> None:
        mine = LoadResult(seconds=seconds)
        with session:
            try:
                session.get(urls[0], timeout=30)  # warm: connect, and the server's lazy imports
            finally:
                ready.wait()
            go.wait()
            turn = 0
            while (now := time.perf_counter()) < window["end"]:
                url = urls[turn % len(urls)]
                turn += 1
                try:
                    response = session.get(url, timeout=30)
                except requests.RequestException:
                    mine.errors += 1
                    continue
                elapsed = (time.perf_counter() - now) * 1000
                if response.status_code == 200:
                    mine.latencies_ms.append(elapsed)
                    mine.queries += int(response.headers.get(QUERIES_HEADER, 0))
                else:
                    mine.errors += 1
        with lock:
            results[name].append(mine)

    threads = [threading.Thread(target=client, args=spec, name=f"{spec[0]}-{i}", daemon=True)
               for i, spec in enumerate(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    window["start"] = time.perf_counter()
    window["end"] = window["start"] + seconds
    go.set()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.perf_counter() - window["start"]
    totals = {}
    for name, parts in results.items():
        total = totals[name] = LoadResult(seconds=elapsed)
        for part in parts:
            total.latencies_ms.extend(part.latencies_ms)
            total.errors += part.errors
            total.queries += part.queries
    return totals
