"""The scan pages: history, a scan's results, and the live progress panel (an htmx partial).

Each view parses input, calls one service or selector, and renders. The panel is rendered
from the progress payload (`selectors.progress_for`) and from nothing else.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from repohealth.web.pages import login_required_page, safe_next
from repositories import history
from repositories.health import BY_HEALTH
from scans import selectors, services
from scans.models import ScanJob
from scans.pages import live
from scans.pages.approve import approval_page, needs_approval
from scans.presenter import present
from scans.run.progress import progress_payload
from scans.selection import BadSelection, describe, describe_resume, from_form, select

Status = ScanJob.Status
PAGE = ScanJob.Trigger.PAGE

FINISHED_EVENT = "scanFinished"
RESULTS_PER_PAGE = 50
SCANS_PER_PAGE = 25


def panels_for(user, extra_ids=()) -> list[dict]:
    """Panels for the user's queued and running scans (so a reload brings them back), plus any
    named scan (the one an import just started, which may already have finished)."""
    ids = [str(i) for i in extra_ids if i]
    ids += [str(i) for i in selectors.running_scans_for(user).values_list("id", flat=True)]
    panels = []
    for job_id in dict.fromkeys(ids):
        payload = selectors.progress_for(user, job_id)
        if payload is not None:
            panels.append(present(payload))
    return panels


def render_panel(request, payload: dict, *, on_scan_page: bool = False, **extra) -> HttpResponse:
    """The panel partial, with the out-of-band refreshes of the rest of the page when the poll
    asks for them (scans.pages.live). An htmx request that finds the scan finished gets the completion
    event: a finished panel has no polling trigger, so that happens once per panel on the page."""
    panel = present(payload, **extra)
    panel["on_scan_page"] = on_scan_page  # no "Scan details" link to the page it is on
    html = render_to_string("scans/_panel.html", {"panel": panel}, request=request)
    if live.wanted(request.GET):
        html += live.live_parts(request)
    response = HttpResponse(html)
    if request.htmx and not panel["live"]:
        trigger_client_event(response, FINISHED_EVENT, {
            "job_id": panel["job_id"], "status": panel["status"], "summary": panel["summary"],
        })
    return response


def _payload_or_404(user, job_id) -> dict:
    payload = selectors.progress_for(user, job_id)
    if payload is None:
        raise Http404("No such scan")
    return payload


def _scan_or_404(user, job_id) -> ScanJob:
    scan = selectors.scan_get_for(user, job_id)
    if scan is None:
        raise Http404("No such scan")
    return scan


def _started(request, scan: ScanJob) -> None:
    messages.success(request, f"Scan started: {scan.total:,} repositor{'y' if scan.total == 1 else 'ies'}.")


# --- views ------------------------------------------------------------------------------------------
@require_GET
@login_required_page
def scan_panel(request, job_id):
    """The progress panel alone: what htmx polls every SCAN_POLL_INTERVAL_MS."""
    return render_panel(request, _payload_or_404(request.user, job_id), on_scan_page=request.GET.get("here") == "1")


@require_POST
@login_required_page
def scan_cancel(request, job_id):
    scan = _scan_or_404(request.user, job_id)
    try:
        services.scan_cancel(scan=scan)
        cancelling, notice = True, ""
    except services.ScanAlreadyFinished as exc:
        cancelling, notice = False, str(exc)
    if request.htmx:
        return render_panel(request, _payload_or_404(request.user, job_id), cancelling=cancelling, notice=notice)
    if notice:
        messages.info(request, notice)
    else:
        messages.success(request, "Cancelling the scan: it stops after the repositories in flight.")
    return redirect(safe_next(request, scan_url(scan)))


@require_POST
@login_required_page
def scan_start(request):
    """"Scan selected", "Scan all" and "Scan filtered" from the catalog: the same selection, and
    the same messages, as the API's. Over SCAN_APPROVE_OVER repositories it asks first."""
    back = safe_next(request, "catalog:list")
    try:
        selection = from_form(request.POST)
        ids = select(selection)
        if needs_approval(len(ids), request.POST):
            return approval_page(request, ids=ids, scope=describe(selection), action=request.path, back=back)
        scan = services.scan_start(repositories=ids, requested_by=request.user, trigger=PAGE, scope=describe(selection))
    except (BadSelection, services.ScanError) as exc:
        messages.error(request, str(exc))
        return redirect(back)
    _started(request, scan)
    return redirect(back)


@require_GET
@login_required_page
def scan_list(request):
    """Scan history: the user's own scans (every scan for staff)."""
    page = Paginator(selectors.scans_visible_to(request.user).defer("repository_ids"), SCANS_PER_PAGE
                     ).get_page(request.GET.get("page"))
    # A running scan the user's own panels do not poll (another user's, seen by staff): the
    # history polls itself while the page shows one.
    live_here = {scan.id for scan in page.object_list if not scan.is_finished}
    polled = set(selectors.running_scans_for(request.user).values_list("id", flat=True)) if live_here else set()
    context = {"page_obj": page, "poll_history": bool(live_here - polled)}
    if request.htmx:
        return render(request, "scans/_history.html", context)
    context["panels"] = panels_for(request.user)
    return render(request, "scans/list.html", context)


@require_GET
@login_required_page
def scan_detail(request, job_id):
    scan = _scan_or_404(request.user, job_id)
    outcome = request.GET.get("outcome") or ""
    if outcome not in BY_HEALTH:
        outcome = ""
    results = scan.results.select_related("repository").order_by("id")
    if outcome:
        results = results.filter(outcome=outcome)
    panel = present(selectors.progress_for(request.user, job_id) or progress_payload(scan))
    panel["on_scan_page"] = True
    context = {
        "scan": scan,
        "panel": panel,
        "outcome": outcome,
        "outcome_filters": [c for c in panel["counts"] if c["count"]],
        "page_obj": Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page")),
        "can_resume": panel["can_resume"],
        "can_rescan_failed": not panel["live"] and scan.errors > 0,
        "changes_summary": history.scan_summary(scan.id),  # what this scan changed
    }
    if request.htmx:
        return render(request, "scans/_results.html", context)
    context["panels"] = [panel]
    return render(request, "scans/detail.html", context)


@require_POST
@login_required_page
def scan_resume(request, job_id):
    scan = _scan_or_404(request.user, job_id)
    if scan.status in (Status.FAILED, Status.CANCELLED) and not scan.resumes.exists():
        remaining = services.scan_remaining_ids(scan)
        if needs_approval(len(remaining), request.POST):
            return approval_page(request, ids=remaining, scope=describe_resume(scan), action=request.path,
                                     back=scan_url(scan))
    return _follow_up(request, scan, lambda: services.scan_resume(scan=scan, requested_by=request.user, trigger=PAGE))


@require_POST
@login_required_page
def scan_rescan_failed(request, job_id):
    """A new scan of the repositories this scan could not check (outcome `error`)."""
    scan = _scan_or_404(request.user, job_id)
    ids = selectors.scan_failed_repository_ids(scan)
    if not ids:
        messages.error(request, "No repository of this scan ended in an error: there is nothing to rescan.")
        return redirect(scan_url(scan))
    scope = f"what scan {str(scan.id)[:8]} could not check"
    if needs_approval(len(ids), request.POST):
        return approval_page(request, ids=ids, scope=scope, action=request.path, back=scan_url(scan))
    return _follow_up(request, scan, lambda: services.scan_start(repositories=ids, requested_by=request.user,
                                                                 trigger=PAGE, scope=scope))


def _follow_up(request, scan: ScanJob, start) -> HttpResponse:
    """Start a scan that follows `scan` and show it; on a ScanError say why and stay."""
    try:
        new = start()
    except services.AlreadyResumed as exc:  # a second click goes to the resume that exists
        messages.info(request, str(exc))
        return redirect(scan_url(exc.resumed_by))
    except services.ScanError as exc:
        messages.error(request, str(exc))
        return redirect(scan_url(scan))
    _started(request, new)
    return redirect(scan_url(new))


def scan_url(scan: ScanJob) -> str:
    return resolve_url("scans:detail", job_id=scan.id)

