"""Concurrent pollers: N threads, each with its own keep-alive `requests.Session`, GET one URL in
a loop for a fixed time. Each thread makes one untimed request first (connection set-up);
then all start together.
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
    ready = threading.Barrier(clients + 1)
    go = threading.Event()
    window: dict[str, float] = {}
    results: list[LoadResult] = []
    lock = threading.Lock()

    def client() -> None:
        mine = LoadResult(seconds=seconds)
        with requests.Session() as session:
            session.headers.update(headers)
            try:
                session.get(url, timeout=30)  # warm: connect, and the server's lazy imports
            finally:
                ready.wait()
            go.wait()
            while (now := time.perf_counter()) < window["end"]:
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
            results.append(mine)

    threads = [threading.Thread(target=client, name=f"poller-{i}", daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    window["start"] = time.perf_counter()
    window["end"] = window["start"] + seconds
    go.set()
    for thread in threads:
        thread.join(seconds + 60)
    total = LoadResult(seconds=time.perf_counter() - window["start"])
    for part in results:
        total.latencies_ms.extend(part.latencies_ms)
        total.errors += part.errors
        total.queries += part.queries
    return total
