"""The scan pages: history, a scan's results, and the live progress panel (an htmx partial).

Each view parses input, calls one service or selector, and renders. The panel is rendered
from the progress payload (`selectors.progress_for`) and from nothing else.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from repositories.forms import RepositoryFilterForm
from repositories.models import Repository
from repositories.selectors import repository_list
from repositories.templatetags.catalog import COUNTER_HEALTH
from scans import selectors, services
from scans.models import ScanJob
from scans.progress import parse_iso

Status = ScanJob.Status
Health = Repository.Health

FINISHED_EVENT = "scanFinished"
# The browser stops polling a panel after this long without progress (static/js/app.js reads it
# from the panel's data attribute); see the note in app.js on why this is done in the browser.
STALL_AFTER_MS = 30 * 60 * 1000
RESULTS_PER_PAGE = 50
SCANS_PER_PAGE = 25


# --- helpers shared with repositories.views --------------------------------------------------------
def login_required_page(view):
    """`login_required` that also answers htmx requests sensibly: htmx follows a redirect and
    would swap the login page into a progress panel, so it is told to send the browser there."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            back = request.htmx.current_url_abs_path or "/"
            return HttpResponseClientRedirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': back})}")
        return redirect_to_login(request.get_full_path())

    return wrapper


def safe_next(request, default: str) -> str:
    """The `next` field when it points into this site; `default` otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return resolve_url(default)


def _count_text(n: int, health: Health) -> str:
    if health == Health.ERROR:
        return f"{n} error{'' if n == 1 else 's'}"
    return f"{n} {health.label.lower()}"


def outcome_counts(payload: dict) -> list[dict]:
    return [
        {"key": key, "health": health.value, "label": health.label, "count": int(payload.get(key) or 0)}
        for key, health in COUNTER_HEALTH.items()
    ]


def finish_summary(payload: dict) -> str:
    """'Scan complete: 95 healthy, 3 archived, 1 moved, 1 not found' (what the toast says)."""
    parts = ", ".join(_count_text(c["count"], Health(c["health"])) for c in outcome_counts(payload) if c["count"])
    status = payload.get("status")
    if status == Status.FAILED:
        return f"Scan failed: {payload.get('error') or payload.get('message') or 'unknown error'}"
    if status == Status.CANCELLED:
        done = f"{payload.get('current', 0)} of {payload.get('total', 0)} checked"
        return f"Scan cancelled: {done}" + (f" ({parts})" if parts else "")
    return f"Scan complete: {parts or 'nothing to check'}"


def panel_context(payload: dict, *, cancelling: bool = False, notice: str = "") -> dict:
    """What the panel template shows, derived from the progress payload alone."""
    status = Status(payload["status"])
    cancelling = cancelling or bool(payload.get("cancel_requested"))
    live = status in (Status.QUEUED, Status.RUNNING)
    message = payload.get("message") or ""
    rate_limit = payload.get("rate_limit") or {}
    started, finished = parse_iso(payload.get("started_at")), parse_iso(payload.get("finished_at"))
    return {
        "job_id": payload["job_id"],
        "status": status.value,
        "status_label": "Cancelling" if cancelling and live else status.label,
        "live": live,
        "cancelling": cancelling and live,
        "message": message,
        "current": int(payload.get("current") or 0),
        "total": int(payload.get("total") or 0),
        "percent": max(0, min(100, int(payload.get("percent") or 0))),
        "counts": outcome_counts(payload),
        "eta_seconds": payload.get("eta_seconds") if status == Status.RUNNING else None,
        # The scan engine says "...; resuming at HH:MM:SS" while it waits out a rate limit.
        "waiting": live and "resuming at" in message,
        "rate_limit_remaining": rate_limit.get("remaining"),
        "rate_limit_reset_at": parse_iso(rate_limit.get("reset_at")),
        "error": payload.get("error") or "",
        "is_cancelled": status == Status.CANCELLED,
        "started_at": started,
        "finished_at": finished,
        "duration_seconds": (finished - started).total_seconds() if started and finished else None,
        "summary": finish_summary(payload) if not live else "",
        "notice": notice,
        "stall_after_ms": STALL_AFTER_MS,
    }


def panels_for(user, extra_ids=()) -> list[dict]:
    """Panels for the user's queued and running scans (so a reload brings them back), plus any
    named scan (the one an import just started, which may already have finished)."""
    ids = [str(i) for i in extra_ids if i]
    ids += [str(i) for i in selectors.running_scans_for(user).values_list("id", flat=True)]
    panels = []
    for job_id in dict.fromkeys(ids):
        payload = selectors.progress_for(user, job_id)
        if payload is not None:
            panels.append(panel_context(payload))
    return panels


def render_panel(request, payload: dict, **extra) -> HttpResponse:
    """The panel partial. An htmx request that finds the scan finished gets the completion event:
    a finished panel has no polling trigger, so that happens once per panel on the page."""
    panel = panel_context(payload, **extra)
    response = HttpResponse(render_to_string("scans/_panel.html", {"panel": panel}, request=request))
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
    messages.success(request, f"Scan started: {scan.total} repositor{'y' if scan.total == 1 else 'ies'}.")


# --- views ------------------------------------------------------------------------------------------
@require_GET
@login_required_page
def scan_panel(request, job_id):
    """The progress panel alone: what htmx polls every SCAN_POLL_INTERVAL_MS."""
    return render_panel(request, _payload_or_404(request.user, job_id))


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
    """"Scan selected", "Scan all" and "Scan filtered" from the catalog."""
    scope = request.POST.get("scope")
    back = safe_next(request, "repositories:list")
    if scope == "selected":
        try:
            ids = [int(v) for v in request.POST.getlist("ids")]
        except ValueError:
            ids = []
        if not ids:
            messages.error(request, "Select at least one repository to scan.")
            return redirect(back)
        repositories = ids
    elif scope == "all":
        repositories = repository_list()
    elif scope == "filtered":
        repositories = repository_list(**RepositoryFilterForm(request.POST).filters())
    else:
        messages.error(request, "Choose what to scan: selected, filtered or all.")
        return redirect(back)
    if scope != "selected" and not repositories.exists():
        messages.error(request, "No repository matches: there is nothing to scan.")
        return redirect(back)
    try:
        scan = services.scan_start(repositories=repositories, requested_by=request.user)
    except services.ScanError as exc:
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
    context = {"page_obj": page}
    if request.htmx:
        return render(request, "scans/_history.html", context)
    context["panels"] = panels_for(request.user)
    return render(request, "scans/list.html", context)


@require_GET
@login_required_page
def scan_detail(request, job_id):
    scan = _scan_or_404(request.user, job_id)
    outcome = request.GET.get("outcome") or ""
    if outcome not in Health.values:
        outcome = ""
    results = scan.results.select_related("repository").order_by("id")
    if outcome:
        results = results.filter(outcome=outcome)
    payload = selectors.progress_for(request.user, job_id) or {}
    counts = outcome_counts(payload or scan.counts())
    context = {
        "scan": scan,
        "outcome": outcome,
        "outcome_filters": [c for c in counts if c["count"]],
        "page_obj": Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page")),
        "can_resume": scan.status in (Status.FAILED, Status.CANCELLED),
        "can_rescan_failed": scan.is_finished and scan.errors > 0,
    }
    if request.htmx:
        return render(request, "scans/_results.html", context)
    context["panels"] = [panel_context(payload)] if payload else []
    return render(request, "scans/detail.html", context)


@require_POST
@login_required_page
def scan_resume(request, job_id):
    scan = _scan_or_404(request.user, job_id)
    return _follow_up(request, scan, lambda: services.scan_resume(scan=scan, requested_by=request.user))


@require_POST
@login_required_page
def scan_rescan_failed(request, job_id):
    """A new scan of the repositories this scan could not check (outcome `error`)."""
    scan = _scan_or_404(request.user, job_id)
    ids = selectors.scan_failed_repository_ids(scan)
    if not ids:
        messages.error(request, "No repository of this scan ended in an error: there is nothing to rescan.")
        return redirect(scan_url(scan))
    return _follow_up(request, scan, lambda: services.scan_start(repositories=ids, requested_by=request.user))


def _follow_up(request, scan: ScanJob, start) -> HttpResponse:
    """Start a scan that follows `scan` and show it; on a ScanError say why and stay."""
    try:
        new = start()
    except services.ScanError as exc:
        messages.error(request, str(exc))
        return redirect(scan_url(scan))
    _started(request, new)
    return redirect(scan_url(new))


def scan_url(scan: ScanJob) -> str:
    return resolve_url("scans:detail", job_id=scan.id)

