"""Resident memory of a process tree (an RQ worker and its work horse), sampled in a thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import psutil

from devserver.processes import Child

MB = 1024 * 1024


@dataclass
class Sample:
    tree_rss: int = 0      # RSS summed over the tree (pages a fork shares are counted in each)
    process_rss: int = 0   # the largest single process
    tree_pss: int = 0      # PSS summed over the tree: shared pages counted once, split between sharers

    def peak(self, other: Sample) -> None:
        self.tree_rss = max(self.tree_rss, other.tree_rss)
        self.process_rss = max(self.process_rss, other.process_rss)
        self.tree_pss = max(self.tree_pss, other.tree_pss)


def sample(child: Child) -> Sample:
    """The tree's memory now, in bytes."""
    now = Sample()
    for process in child.tree():
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        now.tree_rss += info.rss
        now.process_rss = max(now.process_rss, info.rss)
        now.tree_pss += getattr(info, "pss", info.rss)
    return now


@dataclass
class Peak(Sample):
    samples: int = 0


class RssSampler:
    """`with RssSampler(worker) as peak:` samples every `interval` seconds until the block ends.

    The RSS sum counts pages a forked horse still shares with its parent twice, so it is an
    upper bound; the largest single process (the horse, during a scan) and the PSS sum (each
    shared page counted once) are kept beside it.
    """

    def __init__(self, child: Child, interval: float = 0.1) -> None:
        self.child = child
        self.interval = interval
        self.peak = Peak()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak.peak(sample(self.child))
            self.peak.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self.peak

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)
