"""Helpers shared by the tests that run the scan service in this process against fakegithub."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from repositories.models import Repository
from scans import services
from scans.engine import scan_run
from scans.models import ScanJob

RECENT = (timezone.now() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
OLD = (timezone.now() - timedelta(days=900)).strftime("%Y-%m-%dT%H:%M:%SZ")


def track(*names: str) -> list[Repository]:
    return [Repository.objects.create(imported_name=n, full_name=n) for n in names]


def run(repos, **kwargs) -> ScanJob:
    scan = services.scan_start(repositories=[r.id for r in repos], enqueue=False, **kwargs)
    return scan_run(scan_id=scan.id)
