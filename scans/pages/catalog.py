"""The catalog's pages: the repositories list, one repository, and import. They show the
catalog with its scans (panels, recent checks, a scan started by an import), so they are joins
and live here, above both apps.

Each view parses input, calls one service or selector, and renders. With `request.htmx` a page
view renders just its named partial (the part that refreshes when a scan finishes).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from repohealth.web.pages import login_required_page
from repositories import selectors
from repositories import services as catalog
from repositories.filters import DEFAULT_ORDERING, InvalidFilter, active_filters, filter_repositories
from repositories.forms import ImportForm
from repositories.health import OUTCOMES
from repositories.models import Repository
from repositories.permissions import CHANGE, DELETE, may
from repositories.presentation import (
    MAX_PAGES,
    PER_PAGE,
    CatalogPaginator,
    PageTooDeep,
    health_cards,
    known_count,
    maintenance_cards,
    sort_columns,
)
from scans import selectors as scan_selectors
from scans import services
from scans.models import ScanJob
from scans.pages import imports as import_views
from scans.pages.scans import panels_for

RECENT_RESULTS = 20
REPORT_SESSION_KEY = import_views.REPORT_SESSION_KEY


@require_GET
@login_required_page
def repository_list(request):
    filters = active_filters(request.GET)
    ordering = request.GET.get("ordering") or DEFAULT_ORDERING
    counts = selectors.catalog_counts()
    error, status = "", 200
    try:
        rows = filter_repositories(request.GET)
    except InvalidFilter as exc:
        error, status, rows = str(exc), 400, Repository.objects.none()
        ordering = DEFAULT_ORDERING
    paginator = CatalogPaginator(rows, PER_PAGE, count=None if error else known_count(filters, counts))
    page_error = ""
    try:
        page = paginator.get_page(request.GET.get("page"))
    except PageTooDeep as exc:  # the deepest page shown, with what to do instead
        page_error, status, page = str(exc), 400, paginator.page(MAX_PAGES)
    context = {
        "filters": filters,
        "filtered": bool(filters),
        "filter_error": error,
        "page_error": page_error,
        # The filters as the query string spelled them, for the "Scan filtered" form.
        "filter_params": list(filters.items()),
        "health_choices": [(o.health.value, o.label) for o in OUTCOMES],
        "maintenance_choices": Repository.Maintenance.choices,
        "language_choices": counts.language_choices,
        "label_choices": list(counts.labels),
        "ordering": ordering,
        "columns": sort_columns(ordering),
        "page_obj": page,
        "chart": health_cards(counts.health, filters.get("health", "")),
        "verdicts": maintenance_cards(counts.maintenance, filters.get("maintenance", "")),
        "can_delete": may(request.user, DELETE),
        "can_change": may(request.user, CHANGE),
    }
    if request.htmx:
        return render(request, "scans/_catalog.html", context, status=status)
    context["panels"] = panels_for(request.user)
    return render(request, "scans/catalog.html", context, status=status)


def _repository_or_404(pk: int) -> Repository:
    repository = selectors.repository_get(pk)
    if repository is None:
        raise Http404("No such repository")
    return repository


@require_GET
@login_required_page
def repository_detail(request, pk: int):
    return _repository_page(request, _repository_or_404(pk))


def _repository_page(request, repository: Repository, *, maintenance_error: str = "", status: int = 200):
    results = list(repository.scan_results.select_related("scan").order_by("-checked_at", "-id")[:RECENT_RESULTS])
    for result in results:
        result.scan_visible = scan_selectors.can_see(request.user, result.scan.requested_by_id)
    context = {"repository": repository, "results": results, "can_change": may(request.user, CHANGE),
               "overrides": Repository.Override.choices, "maintenance_error": maintenance_error,
               **scan_selectors.repository_history(request.user, repository)}  # timeline, stars chart
    if request.htmx:
        return render(request, "scans/_repository.html", context, status=status)
    context["panels"] = panels_for(request.user)
    return render(request, "scans/repository.html", context, status=status)


@require_POST
@login_required_page
def repository_accept_name(request, pk: int):
    if not may(request.user, CHANGE):
        raise PermissionDenied(f"You need the {CHANGE} permission to accept a new name (staff have it).")
    repository = catalog.repository_accept_name(repository=_repository_or_404(pk))
    messages.success(request, f"Accepted the new name {repository.full_name}.")
    return redirect("catalog:detail", pk=repository.pk)


@require_POST
@login_required_page
def repository_maintenance(request, pk: int):
    """The override form of the repository page: set (finished, inactive, deprecated) or clear,
    with a note. With htmx it answers the refreshed repository part (a refusal said in its form:
    htmx swaps no 4xx answer); without, a redirect to the page, or the page with the refusal (400)."""
    if not may(request.user, CHANGE):
        raise PermissionDenied(f"You need the {CHANGE} permission to overrule the verdict (staff have it).")
    repository, error = _repository_or_404(pk), ""
    try:
        catalog.repository_set_maintenance(repository=repository, override=request.POST.get("maintenance_override"),
                                           note=request.POST.get("maintenance_note", ""), user=request.user)
    except catalog.MaintenanceRefused as exc:
        error = str(exc)
    if request.htmx or error:
        return _repository_page(request, selectors.repository_get(pk), maintenance_error=error,
                                status=400 if error and not request.htmx else 200)
    messages.success(request, f"{repository.full_name} is marked {repository.maintenance_override}."
                     if repository.maintenance_override else
                     f"The verdict of {repository.full_name} is the signals' again: {repository.maintenance}.")
    return redirect("catalog:detail", pk=pk)


@require_POST
@login_required_page
def repository_scan(request, pk: int):
    repository = _repository_or_404(pk)
    try:
        services.scan_start(repositories=[repository.pk], requested_by=request.user, trigger=ScanJob.Trigger.PAGE,
                            scope=repository.full_name)
    except services.ScanError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Checking {repository.full_name}.")
    return redirect("catalog:detail", pk=repository.pk)


@require_http_methods(["GET", "POST"])
@login_required_page
def repository_import(request):
    """Upload or paste a list: a valid one is previewed (scans.pages.imports), nothing saved yet.
    After the import the page shows the report (once) and the scan's panel."""
    if request.method == "POST":
        form, status = ImportForm(request.POST, request.FILES), 400
        if form.is_valid() and (preview := import_views.preview_page(request, form)) is not None:
            return preview
        report = None
    else:
        form, status = ImportForm(), 200
        report = request.session.pop(REPORT_SESSION_KEY, None)
    context = {
        "form": form,
        "report": report,
        "labels": selectors.label_choices()[:200],
        "panels": panels_for(request.user, extra_ids=[report.get("job_id")] if report else ()),
        "formats": import_views.formats(),
    }
    return render(request, "scans/import.html", context, status=status)
