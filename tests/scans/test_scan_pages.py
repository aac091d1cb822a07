"""The scans list and a scan's page: what each scan covered, its mode and where it was started;
the panel on a scan's own page (no link to itself, a Resume button); GraphQL results without a
time per repository; counts written 1,225."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from repositories.models import Repository
from scans import services
from scans.models import ScanJob, ScanResult
from scans.run.progress import progress_payload, publish

pytestmark = pytest.mark.django_db
Status = ScanJob.Status
Health = Repository.Health


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def repos(count: int) -> list[Repository]:
    return [Repository.objects.create(full_name=f"acme/r{i}", imported_name=f"acme/r{i}") for i in range(count)]


def finished(scan: ScanJob, status=Status.CANCELLED, **fields) -> ScanJob:
    ScanJob.objects.filter(id=scan.id).update(status=status, started_at=timezone.now(), finished_at=timezone.now(),
                                              **fields)
    scan.refresh_from_db()
    publish(scan, progress_payload(scan))
    return scan


def test_the_list_says_what_each_scan_covered_its_mode_and_where_it_was_started(logged_in, owner):
    ids = [r.id for r in repos(12)]
    services.scan_start(repositories=ids, requested_by=owner, enqueue=False, trigger=ScanJob.Trigger.PAGE,
                        scope="12 selected")
    services.scan_start(repositories=ids[:2], requested_by=owner, enqueue=False, trigger=ScanJob.Trigger.RUNSCAN,
                        scope="label demo")

    html = logged_in.get(reverse("scans:list")).content.decode()

    assert 'data-label="What">12 selected<' in html
    assert 'data-label="What">label demo<' in html
    assert 'data-label="Mode">REST<' in html
    assert 'data-label="Started from">a page<' in html
    assert 'data-label="Started from">runscan<' in html
    assert 'data-label="Checked">0 / 12<' in html


def test_staff_watching_another_users_running_scan_get_a_history_that_polls_itself(owner, staff_user):
    services.scan_start(repositories=[r.id for r in repos(2)], requested_by=owner, enqueue=False)
    client = Client()
    client.force_login(staff_user)
    assert 'hx-trigger="scanFinished from:body, every 2s"' in client.get(reverse("scans:list")).content.decode()
    client.force_login(owner)  # the owner's own panel polls it, and refreshes the row
    assert 'hx-trigger="scanFinished from:body"' in client.get(reverse("scans:list")).content.decode()


def test_on_its_own_page_the_panel_has_no_link_to_itself_and_offers_resume(logged_in, owner):
    scan = finished(services.scan_start(repositories=[r.id for r in repos(3)], requested_by=owner, enqueue=False),
                    current=1)

    html = logged_in.get(reverse("scans:detail", args=[scan.id])).content.decode()

    assert "Scan details" not in html
    assert "Resume it" not in html
    assert f'action="{reverse("scans:resume", args=[scan.id])}"' in html
    assert ">Resume</button>" in html
    elsewhere = logged_in.get(reverse("scans:panel", args=[scan.id]), headers={"HX-Request": "true"}).content.decode()
    assert "Scan details" in elsewhere
    assert ">Resume</button>" in elsewhere
    here = logged_in.get(reverse("scans:panel", args=[scan.id]), {"here": "1"}, headers={"HX-Request": "true"})
    assert "Scan details" not in here.content.decode()


@pytest.mark.parametrize(("mode", "per_row"), [(ScanJob.Mode.REST, True), (ScanJob.Mode.GRAPHQL, False)])
def test_graphql_results_show_no_time_per_repository(logged_in, owner, mode, per_row):
    (repository,) = repos(1)
    scan = finished(services.scan_start(repositories=[repository.id], requested_by=owner, enqueue=False),
                    status=Status.COMPLETED, mode=mode, current=1, healthy=1)
    ScanResult.objects.create(scan=scan, repository=repository, full_name=repository.full_name,
                              outcome=Health.HEALTHY, duration_ms=1234)

    html = logged_in.get(reverse("scans:detail", args=[scan.id])).content.decode()

    assert ("1,234 ms" in html) is per_row
    assert ("there is no time per repository" in html) is not per_row


def test_counts_are_written_one_way_everywhere(logged_in, owner):
    ids = [r.id for r in repos(3)]
    scan = services.scan_start(repositories=ids, requested_by=owner, enqueue=False)
    ScanJob.objects.filter(id=scan.id).update(total=1225, current=1001, healthy=1001, status=Status.RUNNING,
                                              started_at=timezone.now())
    scan.refresh_from_db()
    publish(scan, progress_payload(scan))

    panel = logged_in.get(reverse("scans:panel", args=[scan.id]), headers={"HX-Request": "true"}).content.decode()
    history = logged_in.get(reverse("scans:list")).content.decode()

    assert "Scan of 1,225 repositories" in panel
    assert "1,001 of 1,225 completed" in panel
    assert "<strong>1,001</strong>" in panel
    assert "1,001 / 1,225" in history
    assert "1,001 healthy" in history
