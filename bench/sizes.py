"""How big each row is: the issue's sizes, and the smaller ones of `--quick` (a smoke run)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

SCAN_LATENCY_MS = 25    # rows 1-3: simulated GitHub latency
BULK_LATENCY_MS = 0     # rows 6-7: the scan itself is what is measured
IMPORT_TARGET_SECONDS = 10.0


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

    def as_dict(self) -> dict:
        return asdict(self)


FULL = Sizes()
QUICK = Sizes(catalog=5_000, throughput_repos=200, pollers=20, poll_seconds=3.0, start_ids=(10, 100, 5_000),
              rss_repos=5_000, overhead_repos=2_000)
