"""Django admin for scans and repositories: lists, a scan's page, actions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from repositories.models import Repository
from scans import services
from scans.models import ScanJob, ScanResult
from tests.counting import recounted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counts_hold")]  # the kept counts follow
Health = Repository.Health
Status = ScanJob.Status


@pytest.fixture
def admin_client_with_scan(admin_client, admin_user):
    repos = Repository.objects.bulk_create([Repository(imported_name=f"a/r{i}", full_name=f"a/r{i}")
                                            for i in range(3)])
    recounted()
    scan = services.scan_start(repositories=[r.id for r in repos], requested_by=admin_user, enqueue=False)
    return admin_client, scan, repos


def test_the_scan_list_shows_progress_counts_and_heartbeat(admin_client_with_scan):
    client, scan, _ = admin_client_with_scan
    ScanJob.objects.filter(id=scan.id).update(status=Status.RUNNING, current=1, not_found=1,
                                             heartbeat_at=timezone.now() - timedelta(seconds=5))
    page = client.get("/admin/scans/scanjob/").content.decode()
    assert "33% (1/3)" in page
    assert "1 not found" in page
    assert re.search(r"\b([5-9]|[1-5]\d) s\b", page), "the heartbeat's age (5 s, more on a loaded machine)"
    assert client.get("/admin/scans/scanjob/?status__exact=running").status_code == 200


def test_reading_the_scan_list_writes_nothing(admin_client_with_scan):
    client, scan, _ = admin_client_with_scan
    ScanJob.objects.filter(id=scan.id).update(status=Status.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1))
    client.get("/admin/scans/scanjob/")
    assert ScanJob.objects.get(id=scan.id).status == Status.RUNNING  # reaping is the upkeep job's


def test_a_scan_page_shows_its_payload_results_and_the_queue_dashboard(admin_client_with_scan):
    client, scan, repos = admin_client_with_scan
    ScanResult.objects.create(scan=scan, repository=repos[0], full_name="a/r0", outcome=Health.NOT_FOUND,
                              http_status=404)
    page = client.get(f"/admin/scans/scanjob/{scan.id}/change/").content.decode()
    assert "&quot;status&quot;: &quot;queued&quot;" in page
    assert f"/admin/scans/scanresult/?scan__id__exact={scan.id}" in page
    assert "/admin/django_rq/dashboard/" in page
    results = client.get(f"/admin/scans/scanresult/?scan__id__exact={scan.id}&outcome__exact=not_found")
    assert "a/r0" in results.content.decode()
    assert client.get("/admin/django_rq/dashboard/").status_code == 200


def test_the_cancel_and_resume_actions_stop_a_scan_and_go_on_with_what_it_did_not_reach(admin_client_with_scan):
    client, scan, repos = admin_client_with_scan
    ScanResult.objects.create(scan=scan, repository=repos[0], full_name="a/r0", outcome=Health.NOT_FOUND,
                              http_status=404)
    client.post("/admin/scans/scanjob/", {"action": "cancel_scans", "_selected_action": [str(scan.id)]})
    assert ScanJob.objects.get(id=scan.id).status == Status.CANCELLED

    client.post("/admin/scans/scanjob/", {"action": "resume_scans", "_selected_action": [str(scan.id)]})
    resumed = ScanJob.objects.get(resumed_from=scan)
    assert resumed.total == 2
    assert resumed.repository_ids == [r.id for r in repos[1:]]


def test_the_repository_actions_scan_and_accept_new_names(admin_client_with_scan):
    client, existing, repos = admin_client_with_scan
    Repository.objects.filter(id=repos[1].id).update(full_name="b/moved", health=Health.MOVED)
    recounted()
    client.post("/admin/repositories/repository/", {"action": "scan_selected",
                                                    "_selected_action": [str(r.id) for r in repos]})
    started = ScanJob.objects.exclude(id=existing.id).get()
    assert started.total == 3
    assert sorted(started.repository_ids) == [r.id for r in repos]

    client.post("/admin/repositories/repository/", {"action": "accept_new_name",
                                                    "_selected_action": [str(repos[1].id)]})
    moved = Repository.objects.get(id=repos[1].id)
    assert moved.imported_name == "b/moved"
    assert moved.health == Health.HEALTHY
    assert client.get(f"/admin/repositories/repository/{repos[1].id}/change/").status_code == 200


def test_a_scan_page_links_to_the_scan_shows_its_bar_and_its_first_results_read_only(admin_client_with_scan):
    client, scan, repos = admin_client_with_scan
    ScanJob.objects.filter(id=scan.id).update(status=Status.RUNNING, current=2, healthy=1, not_found=1)
    ScanResult.objects.create(scan=scan, repository=repos[0], full_name="a/r0", outcome=Health.HEALTHY,
                              duration_ms=1234)
    ScanResult.objects.bulk_create([ScanResult(scan=scan, full_name=f"gone/r{i}", outcome=Health.NOT_FOUND)
                                    for i in range(60)])

    page = client.get(f"/admin/scans/scanjob/{scan.id}/change/").content.decode()

    assert f'href="/scans/{scan.id}/"' in page
    assert 'role="progressbar"' in page
    assert 'aria-valuenow="66"' in page
    assert "2 of 3 completed (66%)" in page
    assert f'<a href="/repositories/{repos[0].id}/">a/r0</a>' in page
    assert "1,234 ms" in page
    assert "gone/r48" in page, "the first 50 results, the rest a link away"
    assert "gone/r49" not in page, "the first 50 results, the rest a link away"
    assert 'name="healthy"' not in page, "read-only: no field to edit, no save"
    assert 'name="_save"' not in page, "read-only: no field to edit, no save"


def test_the_admins_actions_record_where_a_scan_was_started(admin_client_with_scan):
    client, _, repos = admin_client_with_scan
    client.post("/admin/repositories/repository/", {"action": "scan_selected",
                                                    "_selected_action": [str(r.id) for r in repos[:2]]})
    started = ScanJob.objects.order_by("-created_at").first()
    assert (started.trigger, started.scope, started.total) == (ScanJob.Trigger.ADMIN, "2 selected in the admin", 2)
