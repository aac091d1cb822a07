"""Retention (watch/retention.py): old scan results, deliveries and document versions are pruned in
batches; each repository's latest result, the history and every document's latest version stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from repositories.models import Source
from scans.models import ScanJob, ScanResult
from watch import retention
from watch.models import Delivery, Subscription

pytestmark = pytest.mark.django_db


def test_retention_prunes_old_results_but_keeps_each_repositorys_latest_and_the_history(owner, catalog, settings):
    settings.RETENTION_DAYS, settings.RETENTION_BATCH = 90, 100
    _, repos = catalog
    scan = ScanJob.objects.create(requested_by=owner, status=ScanJob.Status.COMPLETED)
    old, recent = timezone.now() - timedelta(days=100), timezone.now() - timedelta(days=10)
    rows = []
    for repo in repos[:3]:
        rows += [ScanResult(scan=scan, repository=repo, full_name=repo.full_name, outcome="healthy", checked_at=old)
                 for _ in range(150)]
    rows += [ScanResult(scan=scan, repository=repos[1], full_name="acme/r1", outcome="healthy", checked_at=recent)]
    rows += [ScanResult(scan=scan, repository=None, full_name="gone/x", outcome="healthy", checked_at=old)]
    ScanResult.objects.bulk_create(rows)
    subscription = Subscription.objects.create(owner=owner, channel="email", events=["dead"])
    Delivery.objects.create(subscription=subscription, body="{}", status="delivered", created_at=old)
    Delivery.objects.create(subscription=subscription, body="{}", status="delivered")

    Source.objects.create(label="l", filename="list.md", format="markdown", text="v1", version=1, created_at=old)
    Source.objects.create(label="l", filename="list.md", format="markdown", text="v2", version=2, created_at=old)
    Source.objects.create(label="other", filename="", format="text", text="only", version=1, created_at=old)

    assert retention.prune() == {"scan_results": 150 * 3 - 2 + 1, "deliveries": 1, "source_versions": 1}

    left = ScanResult.objects.values_list("repository_id", "checked_at")
    assert sorted(r for r, _ in left) == sorted([repos[0].id, repos[1].id, repos[2].id])
    latest_of_1 = ScanResult.objects.get(repository=repos[1])
    assert latest_of_1.checked_at == recent
    assert Delivery.objects.count() == 1
    assert sorted(Source.objects.values_list("text", flat=True)) == ["only", "v2"], "every document's latest stays"
    assert retention.prune() == {"scan_results": 0, "deliveries": 0, "source_versions": 0}
