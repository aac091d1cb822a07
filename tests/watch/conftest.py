"""Fixtures of the watch tests: labelled catalogs, finished scans with change rows, a webhook target
that resolves to a public address, and `hook`, a webhook subscription (the receiver and patched
network of tests/receiver.py come from tests/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from repositories.models import Label, Repository, RepositoryChange
from scans import services
from scans.models import ScanJob
from tests.receiver import PUBLIC
from watch.models import Subscription

Event = RepositoryChange.Event
Channel = Subscription.Channel


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


@pytest.fixture
def public_hook(fake_net, settings):
    settings.ALERT_ALLOW_HTTP = True
    fake_net.resolve("hooks.example.test", PUBLIC)
    return fake_net


@pytest.fixture
def catalog(db):
    label = Label.objects.create(name="watched")
    now = timezone.now()
    repos = []
    for i, checked in enumerate([None, now - timedelta(days=3), now - timedelta(days=1), None, now]):
        repo = Repository.objects.create(imported_name=f"acme/r{i}", full_name=f"acme/r{i}", last_checked_at=checked)
        repos.append(repo)
    label.repositories.add(*repos[:4])
    return label, repos


def hook(owner, url="http://hooks.example.test/hook", **fields) -> Subscription:
    """A webhook subscription of `owner` to every event unless told."""
    return Subscription.objects.create(owner=owner, channel=Channel.WEBHOOK, target_url=url,
                                       events=fields.pop("events", list(Event.values)), **fields)
