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
from repositories.presentation import PER_PAGE, CatalogPaginator, health_cards, known_count, sort_columns
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
    counts = selectors.health_counts()
    error, status = "", 200
    try:
        rows = filter_repositories(request.GET)
    except InvalidFilter as exc:
        error, status, rows = str(exc), 400, Repository.objects.none()
        ordering = DEFAULT_ORDERING
    paginator = CatalogPaginator(rows, PER_PAGE, count=None if error else known_count(filters, counts))
    context = {
        "filters": filters,
        "filtered": bool(filters),
        "filter_error": error,
        # The filters as the query string spelled them, for the "Scan filtered" form.
        "filter_params": list(filters.items()),
        "health_choices": [(o.health.value, o.label) for o in OUTCOMES],
        "language_choices": selectors.language_choices(),
        "label_choices": selectors.label_choices(),
        "ordering": ordering,
        "columns": sort_columns(ordering),
        "page_obj": paginator.get_page(request.GET.get("page")),
        "chart": health_cards(counts, filters.get("health", "")),
        "can_delete": may(request.user, DELETE),
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
    repository = _repository_or_404(pk)
    results = list(repository.scan_results.select_related("scan").order_by("-checked_at", "-id")[:RECENT_RESULTS])
    for result in results:
        result.scan_visible = scan_selectors.can_see(request.user, result.scan.requested_by_id)
    context = {"repository": repository, "results": results,
               **scan_selectors.repository_history(request.user, repository)}  # timeline, stars chart
    if request.htmx:
        return render(request, "scans/_repository.html", context)
    context["panels"] = panels_for(request.user)
    return render(request, "scans/repository.html", context)


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
