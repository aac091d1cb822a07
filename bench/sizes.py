"""How big each row is: the full sizes, and the smaller ones of `--quick` (a smoke run)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

SCAN_LATENCY_MS = 25    # rows 1-3: simulated GitHub latency
BULK_LATENCY_MS = 0     # rows 6-7: the scan itself is what is measured
IMPORT_TARGET_SECONDS = 10.0
WORKERS_LATENCY_MS = 100  # row `workers`: latency-bound, so more workers should scale it
PACING_PER_MINUTE = 1_200  # row `pacing`: the fake's secondary limit and the app's pacing, per token
PACING_WORKERS = 4


@dataclass(frozen=True)
class Sizes:
    catalog: int = 100_000            # names imported (row 5) and known to the fake GitHub
    throughput_repos: int = 2_000     # rows 1 and 2
    pollers: int = 50                 # row 3
    poll_seconds: float = 20.0        # row 3, for each of the two endpoints
    start_ids: tuple[int, ...] = (10, 1_000, 100_000)  # row 4
    rss_repos: int = 100_000          # row 6
    overhead_repos: int = 20_000      # row 7
    overhead_rounds: int = 3          # row 7: on/off pairs (best of each)
    workers_repos: int = 4_000        # row `workers`
    worker_counts: tuple[int, ...] = (1, 2, 4)
    workers_shard_size: int = 500     # SCAN_SHARD_SIZE there: 8 shards
    pacing_repos: int = 1_000         # row `pacing`
    pacing_shard_size: int = 250      # 4 shards, so that all 4 workers send
    browsers: int = 40                # row `pages_load`: logged-in browsers
    page_pollers: int = 10            # row `pages_load`: progress pollers beside them
    page_seconds: float = 30.0        # row `pages_load`, for each of the two web servers
    page_scan_repos: int = 2_000      # row `pages_load`: the scan running meanwhile
    scale: int = 100_000              # the scale rows' catalog (bench/scale.py); `--scale N` sets it
    health_first_repos: int = 20_000  # row `health_first`: a first scan, one pass and health first

    def as_dict(self) -> dict:
        return asdict(self)


FULL = Sizes()
QUICK = Sizes(catalog=5_000, throughput_repos=200, pollers=20, poll_seconds=3.0, start_ids=(10, 100, 5_000),
              rss_repos=5_000, overhead_repos=2_000, workers_repos=800, workers_shard_size=100, pacing_repos=400,
              pacing_shard_size=100, browsers=8, page_pollers=2, page_seconds=5.0, page_scan_repos=200,
              scale=5_000, health_first_repos=2_000)


def at_scale(sizes: Sizes, count: int) -> Sizes:
    """`--scale N`: the scale rows at N repositories. The fake GitHub serves only what is scanned
    (the health-first sample): the other names are generated and never asked of it."""
    return replace(sizes, scale=count, catalog=min(count, sizes.health_first_repos))
