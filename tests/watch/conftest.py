"""Fixtures of the watch tests: a labelled catalog and finished scans with change rows (the
receiver and patched network of tests/receiver.py come from tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from repositories.models import Label, Repository, RepositoryChange
from scans import services
from scans.models import ScanJob

Event = RepositoryChange.Event


@pytest.fixture
def watched(db):
    """Label `watched` on acme/a and acme/b; acme/c carries no label."""
    label = Label.objects.create(name="watched")
    repos = [Repository.objects.create(imported_name=n, full_name=n, github_id=i, health=Repository.Health.HEALTHY)
             for i, n in enumerate(["acme/a", "acme/b", "acme/c"], start=1)]
    label.repositories.add(repos[0], repos[1])
    return repos


@pytest.fixture
def finished_scan(owner):
    """A finished scan (started by `owner` unless told) with these change rows:
    finished_scan((repo, field, old, new, event), ...)."""

    def make(*rows, requested_by=owner) -> ScanJob:
        scan = services.scan_start(repositories=[r[0].id for r in rows] or [], requested_by=requested_by,
                                   enqueue=False) if rows else ScanJob.objects.create(requested_by=requested_by)
        ScanJob.objects.filter(id=scan.id).update(status=ScanJob.Status.COMPLETED, finished_at=timezone.now())
        for repo, field, old, new, event in rows:
            RepositoryChange.objects.create(repository=repo, full_name=repo.full_name, scan_id=scan.id, field=field,
                                            old=old, new=new, event=event, at=timezone.now())
        scan.refresh_from_db()
        return scan

    return make
