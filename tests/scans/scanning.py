"""Helpers shared by the tests that run the scan service in this process against fakegithub."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from repositories.models import Repository
from scans import services
from scans.models import ScanJob
from scans.run import connect
from scans.run.engine import scan_run
from scans.run.progress import progress_key
from tests.conftest import wait_for
from tests.counting import recounted

RECENT = (timezone.now() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
OLD = (timezone.now() - timedelta(days=900)).strftime("%Y-%m-%dT%H:%M:%SZ")
CHUNK = 20  # repositories per chunk under the small_chunks fixture


def track(*names: str) -> list[Repository]:
    repos = [Repository.objects.create(imported_name=n, full_name=n) for n in names]
    recounted()
    return repos


def health_only(repos: list[Repository]) -> list[Repository]:
    """These repositories as if their full metadata had just been fetched: a REST scan asks one
    request each, not the maintenance signals' three more (for tests of what one request meets)."""
    Repository.objects.filter(id__in=[r.id for r in repos]).update(metadata_fetched_at=timezone.now())
    return repos


def run_cancelled_after(scan: ScanJob, checked: int) -> ScanJob:
    """Run `scan` here while another thread cancels it once its progress counts `checked`."""

    def cancel_soon():
        wait_for(lambda: (cache.get(progress_key(scan.id)) or {}).get("current", 0) >= checked,
                 interval=0.01, message=f"{checked} repositories checked")
        services.scan_cancel(scan=ScanJob.objects.get(id=scan.id))

    canceller = threading.Thread(target=cancel_soon)
    canceller.start()
    finished = scan_run(scan_id=scan.id)
    canceller.join()
    return finished


def run(repos, **kwargs) -> ScanJob:
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False, **kwargs)
    return scan_run(scan_id=scan.id)


@pytest.fixture
def small_chunks(monkeypatch):
    """Fetchers that ask CHUNK repositories at a time, so a scan of 150 is several chunks."""
    make = connect.make_fetcher

    def fetcher_in_small_chunks(scan, client):
        fetcher = make(scan, client)
        fetcher.batch_size = CHUNK
        return fetcher

    monkeypatch.setattr("scans.run.engine.make_fetcher", fetcher_in_small_chunks)


def repo_requests(fake) -> Counter:
    """How many times the fake was asked each repository (`/repos/{owner}/{name}`, not the
    maintenance signals' `/commits` and `/releases/latest` under it)."""
    paths = (r["path"].split("?")[0] for r in fake.request_log())
    return Counter(path for path in paths if path.startswith("/repos/") and path.count("/") == 3)
