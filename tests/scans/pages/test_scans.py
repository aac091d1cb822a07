"""The scan pages and the htmx progress panel through Django's test client."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from repositories.models import Repository
from scans import services
from scans.models import ScanJob
from scans.run.progress import progress_payload, publish

pytestmark = pytest.mark.django_db

Status = ScanJob.Status
Health = Repository.Health


def track(*names: str, **fields) -> list[Repository]:
    return [Repository.objects.create(imported_name=n, full_name=n, **fields) for n in names]


def scan_in(status, user, repos=None, **fields) -> ScanJob:
    """A scan in the given state, with its progress published the way the engine publishes it."""
    repos = repos if repos is not None else track(*[f"acme/r{i}" for i in range(4)])
    scan = services.scan_start(repositories=[r.id for r in repos], requested_by=user, enqueue=False)
    now = timezone.now()
    if status != Status.QUEUED:
        fields.setdefault("started_at", now - timedelta(seconds=30))
        fields.setdefault("heartbeat_at", now)
    if status in ScanJob.FINISHED:
        fields.setdefault("finished_at", now)
    ScanJob.objects.filter(id=scan.id).update(status=status, **fields)
    if status == Status.RUNNING:  # a worker holds its shard, as in a real running scan
        scan.shards.update(status=Status.RUNNING, heartbeat_at=now, attempts=1)
    scan.refresh_from_db()
    publish(scan, progress_payload(scan))
    return scan


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def panel(client, scan, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(reverse("scans:panel", args=[scan.id]), headers=headers)


def progressbar_value(html: str) -> str:
    return re.search(r'role="progressbar"[^>]*aria-valuenow="(\d+)"', html, re.S).group(1)


# --- the panel ------------------------------------------------------------------------------------------
def test_a_running_panel_polls_itself_and_shows_the_progress(logged_in, owner, settings):
    settings.SCAN_POLL_INTERVAL_MS = 500
    scan = scan_in(Status.RUNNING, owner, current=1, healthy=1, total=4, message="Checking acme/r0...")

    response = panel(logged_in, scan)

    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert f'hx-get="{reverse("scans:panel", args=[scan.id])}"' in html
    assert 'hx-trigger="every 500ms"' in html
    assert 'hx-swap="outerHTML"' in html
    assert progressbar_value(html) == "25"
    assert 'aria-valuemin="0"' in html
    assert 'aria-valuemax="100"' in html
    assert 'data-percent="25"' in html
    assert "1 of 4 completed" in html
    assert "Checking acme/r0..." in html
    assert "left" in html, "the ETA"
    assert f'hx-post="{reverse("scans:cancel", args=[scan.id])}"' in html
    assert "csrfmiddlewaretoken" in html


def test_a_queued_panel_polls_too(logged_in, owner):
    scan = scan_in(Status.QUEUED, owner)
    html = panel(logged_in, scan).content.decode()
    assert 'hx-trigger="every ' in html
    assert "Queued: 4 repositories" in html
    assert progressbar_value(html) == "0"


def test_a_finished_panel_has_no_trigger_and_the_poll_gets_the_completion_event(logged_in, owner):
    repos = track(*[f"acme/r{i}" for i in range(100)])
    scan = scan_in(Status.COMPLETED, owner, repos, current=100, healthy=95, archived=3, moved=1, not_found=1,
                   message="Scan complete")

    response = panel(logged_in, scan)

    html = response.content.decode()
    assert "hx-trigger" not in html
    assert "hx-get" not in html
    assert "Cancel" not in html
    assert progressbar_value(html) == "100"
    assert "100 of 100 completed" in html
    event = json.loads(response["HX-Trigger"])["scanFinished"]
    assert event["summary"] == "Scan complete: 95 healthy, 3 archived, 1 moved, 1 not found"
    assert event["status"] == "completed"
    assert event["job_id"] == str(scan.id)


def test_a_plain_get_of_a_finished_panel_sends_no_event(logged_in, owner):
    scan = scan_in(Status.COMPLETED, owner, current=4, healthy=4)
    assert "HX-Trigger" not in panel(logged_in, scan, htmx=False)


def test_a_failed_panel_is_red_with_the_error(logged_in, owner):
    scan = scan_in(Status.FAILED, owner, message="Health check failed",
                   error="The GitHub token was rejected (401): check GITHUB_TOKEN")
    response = panel(logged_in, scan)
    html = response.content.decode()
    assert "scan-panel--failed" in html
    assert "The GitHub token was rejected (401)" in html
    assert 'role="alert"' in html
    assert json.loads(response["HX-Trigger"])["scanFinished"]["summary"].startswith("Scan failed: The GitHub token")


def test_a_cancelled_panel_is_grey_and_says_what_was_done(logged_in, owner):
    scan = scan_in(Status.CANCELLED, owner, current=2, healthy=1, stale=1, message="Scan cancelled")
    response = panel(logged_in, scan)
    html = response.content.decode()
    assert "scan-panel--cancelled" in html
    assert "2 of 4 completed" in html
    assert "hx-trigger" not in html
    assert json.loads(response["HX-Trigger"])["scanFinished"]["summary"] == (
        "Scan cancelled: 2 of 4 checked (1 healthy, 1 stale)")


def test_a_wait_is_shown_from_the_payloads_waiting_fields(logged_in, owner):
    reset = timezone.now() + timedelta(minutes=5)
    scan = scan_in(Status.RUNNING, owner, current=1, healthy=1, message="Checking acme/r1...",
                   rate_limit_remaining=0, rate_limit_reset_at=reset)
    publish(scan, progress_payload(scan, waiting=("Rate limited by GitHub", reset.timestamp())))
    html = panel(logged_in, scan).content.decode()
    assert re.search(r"Waiting: Rate limited by GitHub \(in [45] minutes", html)
    assert "0 requests left" in html
    assert 'data-waiting="true"' in html


def test_a_message_that_speaks_of_a_rate_limit_is_not_a_wait(logged_in, owner):
    scan = scan_in(Status.RUNNING, owner, current=1, healthy=1,
                   message="Rate limited by GitHub; resuming at 12:00:00")
    html = panel(logged_in, scan).content.decode()
    assert "Waiting:" not in html
    assert "data-waiting" not in html


def test_the_panel_renders_the_payload_and_not_the_row(logged_in, owner):
    scan = scan_in(Status.RUNNING, owner, current=1, healthy=1)
    ScanJob.objects.filter(id=scan.id).update(current=3, healthy=3)  # the row moved on; the cache did not yet
    assert "1 of 4 completed" in panel(logged_in, scan).content.decode()


def test_text_in_the_panel_is_escaped(logged_in, owner):
    scan = scan_in(Status.RUNNING, owner, message="Checking <script>alert(1)</script>...")
    html = panel(logged_in, scan).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_another_users_panel_is_404_and_staff_may_see_it(client, owner, other_user, staff_user):
    scan = scan_in(Status.RUNNING, owner)
    client.force_login(other_user)
    assert panel(client, scan).status_code == 404
    assert client.get(reverse("scans:detail", args=[scan.id])).status_code == 404
    assert client.post(reverse("scans:cancel", args=[scan.id])).status_code == 404
    client.force_login(staff_user)
    assert panel(client, scan).status_code == 200


def test_an_anonymous_poll_sends_the_browser_to_the_login_page(client, owner):
    scan = scan_in(Status.RUNNING, owner)
    response = client.get(reverse("scans:panel", args=[scan.id]), headers={
        "HX-Request": "true", "HX-Current-URL": "http://testserver/import/"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next=%2Fimport%2F"


def test_the_repositories_and_import_pages_bring_back_the_panels_of_running_scans(logged_in, owner, other_user):
    mine = scan_in(Status.RUNNING, owner)
    second = scan_in(Status.QUEUED, owner, track("acme/x"))
    done = scan_in(Status.COMPLETED, owner, track("acme/y"))
    theirs = scan_in(Status.RUNNING, other_user, track("acme/z"))
    for name in ("catalog:list", "catalog:import", "scans:list"):
        html = logged_in.get(reverse(name)).content.decode()
        assert f'id="scan-{mine.id}"' in html, name
        assert f'id="scan-{second.id}"' in html, name
        assert f'id="scan-{done.id}"' not in html, name
        assert f'id="scan-{theirs.id}"' not in html, name


# --- cancel ---------------------------------------------------------------------------------------------------
def test_cancelling_a_running_scan_from_the_panel_asks_the_worker_to_stop(logged_in, owner):
    scan = scan_in(Status.RUNNING, owner, current=1, healthy=1)
    response = logged_in.post(reverse("scans:cancel", args=[scan.id]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Cancelling..." in html
    assert "hx-trigger=\"every" in html
    assert ScanJob.objects.get(id=scan.id).cancel_requested


def test_cancelling_a_queued_scan_ends_it_at_once_with_the_event(logged_in, owner):
    scan = scan_in(Status.QUEUED, owner)
    response = logged_in.post(reverse("scans:cancel", args=[scan.id]), headers={"HX-Request": "true"})
    assert "scan-panel--cancelled" in response.content.decode()
    assert json.loads(response["HX-Trigger"])["scanFinished"]["status"] == "cancelled"
    assert ScanJob.objects.get(id=scan.id).status == Status.CANCELLED


def test_cancelling_a_finished_scan_says_it_already_ended(logged_in, owner):
    scan = scan_in(Status.COMPLETED, owner, current=4, healthy=4)
    html = logged_in.post(reverse("scans:cancel", args=[scan.id]), headers={"HX-Request": "true"}).content.decode()
    assert "already ended" in html
    assert "scan-panel--completed" in html


def test_cancel_without_htmx_redirects_to_the_scan(logged_in, owner):
    scan = scan_in(Status.RUNNING, owner)
    response = logged_in.post(reverse("scans:cancel", args=[scan.id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("scans:detail", args=[scan.id])


def test_cancel_needs_the_csrf_token_that_the_body_sends(owner):
    scan = scan_in(Status.RUNNING, owner)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = reverse("scans:cancel", args=[scan.id])
    assert client.post(url, headers={"HX-Request": "true"}).status_code == 403
    page = client.get(reverse("catalog:list")).content.decode()
    token = re.search(r"hx-headers='\{\"x-csrftoken\": \"([^\"]+)\"\}'", page).group(1)
    assert client.post(url, headers={"HX-Request": "true", "X-CSRFToken": token}).status_code == 200
    assert client.get(url).status_code == 405


# --- starting scans from the catalog ------------------------------------------------------------------------
def test_scan_selected_scans_the_checked_rows(logged_in, owner):
    a, b, _ = track("acme/a", "acme/b", "acme/c")
    response = logged_in.post(reverse("scans:start"), {"scope": "selected", "ids": [a.id, b.id], "next": "/?page=1"})
    assert response.status_code == 302
    assert response["Location"] == "/?page=1"
    scan = ScanJob.objects.get()
    assert sorted(scan.repository_ids) == sorted([a.id, b.id])
    assert scan.requested_by == owner


def test_scan_all_and_scan_filtered(logged_in):
    track("acme/py", language="Python")
    track("acme/rs1", "acme/rs2", language="Rust")
    logged_in.post(reverse("scans:start"), {"scope": "all"})
    logged_in.post(reverse("scans:start"), {"scope": "filtered", "language": "Rust"})
    everything, rust = ScanJob.objects.order_by("created_at")
    assert everything.total == 3
    assert rust.total == 2


def test_scan_selected_with_nothing_checked_says_so(logged_in):
    track("acme/a")
    response = logged_in.post(reverse("scans:start"), {"scope": "selected"}, follow=True)
    assert "Select at least one repository" in response.content.decode()
    assert not ScanJob.objects.exists()


def test_a_scan_refused_by_the_service_shows_its_message(logged_in, settings):
    settings.SCAN_MAX_REPOSITORIES = 1
    track("acme/a", "acme/b")
    response = logged_in.post(reverse("scans:start"), {"scope": "all"}, follow=True)
    assert "SCAN_MAX_REPOSITORIES" in response.content.decode()
    assert not ScanJob.objects.exists()


def test_an_offsite_next_is_ignored(logged_in):
    track("acme/a")
    response = logged_in.post(reverse("scans:start"), {"scope": "all", "next": "https://evil.example/"})
    assert response["Location"] == reverse("catalog:list")


def test_the_scan_shows_up_on_the_page_the_browser_is_sent_back_to(logged_in):
    track("acme/a")
    response = logged_in.post(reverse("scans:start"), {"scope": "all"}, follow=True)
    scan = ScanJob.objects.get()
    html = response.content.decode()
    assert f'id="scan-{scan.id}"' in html
    assert "Scan started: 1 repository" in html


# --- history and a scan's page --------------------------------------------------------------------------------
def test_the_history_shows_a_users_own_scans_and_staff_see_all(client, owner, other_user, staff_user):
    mine = scan_in(Status.COMPLETED, owner, current=4, healthy=3, errors=1)
    theirs = scan_in(Status.COMPLETED, other_user, track("acme/x"), current=1, healthy=1)

    client.force_login(owner)
    html = client.get(reverse("scans:list")).content.decode()
    assert reverse("scans:detail", args=[mine.id]) in html
    assert reverse("scans:detail", args=[theirs.id]) not in html
    assert "3 healthy" in html
    assert 'class="outcome-bar"' in html
    assert "Completed" in html

    client.force_login(staff_user)
    html = client.get(reverse("scans:list")).content.decode()
    assert reverse("scans:detail", args=[mine.id]) in html
    assert reverse("scans:detail", args=[theirs.id]) in html
    assert ">other<" in html, "who started each scan"
    assert ">owner<" in html, "who started each scan"


def test_a_scans_page_filters_its_results_by_outcome_and_pages_them(logged_in, owner):
    repos = track(*[f"acme/r{i:03}" for i in range(60)])
    scan = scan_in(Status.COMPLETED, owner, repos, current=60, healthy=55, errors=5)
    for i, r in enumerate(repos):
        outcome = Health.ERROR if i < 5 else Health.HEALTHY
        scan.results.create(repository=r, full_name=r.full_name, outcome=outcome, detail="HTTP 502 after 3 tries"
                            if outcome == Health.ERROR else "active")

    page = logged_in.get(reverse("scans:detail", args=[scan.id]))
    assert len(page.context["page_obj"].object_list) == 50
    assert page.context["page_obj"].paginator.num_pages == 2
    errors = logged_in.get(reverse("scans:detail", args=[scan.id]), {"outcome": "error"})
    assert {r.outcome for r in errors.context["page_obj"].object_list} == {Health.ERROR}
    html = errors.content.decode()
    assert "Rescan failed (5)" in html
    assert "Resume" not in html
    partial = logged_in.get(reverse("scans:detail", args=[scan.id]), {"outcome": "error"},
                            headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="results"')
    assert "<html" not in partial


def test_rescan_failed_starts_a_scan_of_the_errors(logged_in, owner):
    repos = track("acme/ok", "acme/bad")
    scan = scan_in(Status.COMPLETED, owner, repos, current=2, healthy=1, errors=1)
    scan.results.create(repository=repos[0], full_name="acme/ok", outcome=Health.HEALTHY)
    scan.results.create(repository=repos[1], full_name="acme/bad", outcome=Health.ERROR)

    response = logged_in.post(reverse("scans:rescan_failed", args=[scan.id]))

    new = ScanJob.objects.exclude(id=scan.id).get()
    assert new.repository_ids == [repos[1].id]
    assert response["Location"] == reverse("scans:detail", args=[new.id])


def test_resume_continues_a_cancelled_scan(logged_in, owner):
    repos = track("acme/a", "acme/b", "acme/c")
    scan = scan_in(Status.CANCELLED, owner, repos, current=1, healthy=1)
    scan.results.create(repository=repos[0], full_name="acme/a", outcome=Health.HEALTHY)
    assert "Resume" in logged_in.get(reverse("scans:detail", args=[scan.id])).content.decode()

    response = logged_in.post(reverse("scans:resume", args=[scan.id]))

    new = ScanJob.objects.get(resumed_from=scan)
    assert new.repository_ids == [repos[1].id, repos[2].id]
    assert response["Location"] == reverse("scans:detail", args=[new.id])


def test_resuming_a_completed_scan_shows_the_services_reason(logged_in, owner):
    scan = scan_in(Status.COMPLETED, owner, current=4, healthy=4)
    response = logged_in.post(reverse("scans:resume", args=[scan.id]), follow=True)
    assert "Only a failed or cancelled scan can be resumed" in response.content.decode()


def test_an_unknown_or_malformed_scan_is_404(logged_in):
    assert logged_in.get("/scans/00000000-0000-0000-0000-000000000000/panel").status_code == 404
    assert logged_in.get("/scans/not-a-uuid/panel").status_code == 404
