"""The catalog pages: the repositories list, one repository, and import.

Each view parses input, calls one service or selector, and renders. With `request.htmx` a
page view renders just its named partial (the part that refreshes when a scan finishes).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from repositories import selectors, services
from repositories.forms import ImportForm, RepositoryFilterForm
from repositories.models import Repository
from scans import services as scan_services
from scans.selectors import can_see
from scans.views import login_required_page, panels_for

Health = Repository.Health

PER_PAGE = 50
RECENT_RESULTS = 20
REPORT_SESSION_KEY = "import_report"
REPORT_MAX_INVALID = 500  # invalid lines kept for the page; the count says how many there were

# Columns of the catalog table: (ordering key or None, heading, first direction, css class).
COLUMNS = [
    ("full_name", "Repository", "", ""),
    ("health", "Health", "", ""),
    ("stars", "Stars", "-", "num"),
    ("forks", "Forks", "-", "num col-optional"),
    ("open_issues", "Issues", "-", "num col-optional"),
    ("language", "Language", "", "col-optional"),
    (None, "License", "", "col-optional"),
    ("pushed_at", "Last push", "-", ""),
    ("last_checked_at", "Checked", "-", "col-optional"),
]
CARD_ORDER = [Health.HEALTHY, Health.STALE, Health.ARCHIVED, Health.MOVED, Health.NOT_FOUND, Health.BLOCKED,
              Health.ERROR, Health.UNKNOWN]


class CatalogPaginator(Paginator):
    """Pages of the catalog that stay fast at 100,000 rows.

    - The row count is taken from the caller when it already knows it, so the page does not run
      a COUNT that `health_counts()` has just summed up.
    - A page first picks its 50 ids (a narrow sort: the ordering column and the id), then loads
      those rows with their labels: a deep page no longer sorts and skips over whole rows.
    """

    def __init__(self, *args, count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("id", flat=True)[bottom:top])
        rows = Repository.objects.filter(id__in=ids).prefetch_related("labels").in_bulk()
        return self._get_page([rows[i] for i in ids if i in rows], number, self)


def _known_count(filters: dict, counts: dict[str, int]) -> int | None:
    """The number of rows these filters match, when the health counts already say it."""
    if set(filters) - {"health"}:
        return None
    wanted = [filters["health"]] if "health" in filters else list(counts)
    return sum(counts.get(h, 0) for h in wanted)


def health_cards(counts: dict[str, int], current: str) -> dict:
    """Cards and a donut chart of the mix. The donut draws each state as an arc on a circle of
    circumference 100 (r = 15.915), so a segment's dash length is its percentage."""
    total = sum(counts.values())
    cards, arcs, start = [], [], 0.0
    for health in CARD_ORDER:
        n = counts.get(health, 0)
        share = n * 100 / total if total else 0
        cards.append({"health": health.value, "label": health.label, "count": n, "percent": round(share),
                      "active": current == health.value})
        if n:
            arcs.append({"health": health.value, "label": health.label, "count": n, "length": round(share, 3),
                         "gap": round(100 - share, 3), "offset": round(25 - start, 3)})
            start += share
    return {"cards": cards, "arcs": arcs, "total": total}


def sort_columns(ordering: str) -> list[dict]:
    current_key = ordering.lstrip("-")
    columns = []
    for key, heading, first, css in COLUMNS:
        column = {"key": key, "heading": heading, "css": css, "next": None, "aria_sort": None, "arrow": ""}
        if key:
            if key == current_key:
                descending = ordering.startswith("-")
                column["next"] = key if descending else f"-{key}"
                column["aria_sort"] = "descending" if descending else "ascending"
                column["arrow"] = "\u2193" if descending else "\u2191"
            else:
                column["next"] = f"{first}{key}"
        columns.append(column)
    return columns


@require_GET
@login_required_page
def repository_list(request):
    form = RepositoryFilterForm(request.GET or None)
    filters, ordering = form.filters(), form.get_ordering()
    counts = selectors.health_counts()
    rows = selectors.repository_list(**filters, ordering=ordering)
    paginator = CatalogPaginator(rows, PER_PAGE, count=_known_count(filters, counts))
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "filtered": bool(filters),
        # The filters as the query string spelled them, for the "Scan filtered" form.
        "filter_params": [(name, request.GET[name]) for name in RepositoryFilterForm.FILTER_FIELDS if name in filters],
        "ordering": ordering,
        "columns": sort_columns(ordering),
        "page_obj": page,
        "chart": health_cards(counts, filters.get("health", "")),
    }
    if request.htmx:
        return render(request, "repositories/_catalog.html", context)
    context["panels"] = panels_for(request.user)
    return render(request, "repositories/list.html", context)


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
        result.scan_visible = can_see(request.user, result.scan.requested_by_id)
    context = {"repository": repository, "results": results}
    if request.htmx:
        return render(request, "repositories/_repository.html", context)
    context["panels"] = panels_for(request.user)
    return render(request, "repositories/detail.html", context)


@require_POST
@login_required_page
def repository_accept_name(request, pk: int):
    repository = services.repository_accept_name(repository=_repository_or_404(pk))
    messages.success(request, f"Accepted the new name {repository.full_name}.")
    return redirect("repositories:detail", pk=repository.pk)


@require_POST
@login_required_page
def repository_scan(request, pk: int):
    repository = _repository_or_404(pk)
    try:
        scan_services.scan_start(repositories=[repository.pk], requested_by=request.user)
    except scan_services.ScanError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Checking {repository.full_name}.")
    return redirect("repositories:detail", pk=repository.pk)


def _report_for_session(report: services.ImportReport) -> dict:
    data = report.as_dict()
    data.pop("repository_ids")
    data["invalid_total"] = len(report.invalid)
    data["invalid"] = report.invalid[:REPORT_MAX_INVALID]
    data["summary"] = report.summary
    return data


@require_http_methods(["GET", "POST"])
@login_required_page
def repository_import(request):
    """Upload or paste a list. After a successful import the browser is redirected back here
    (so a reload never imports twice) and the page shows the report and the scan's panel."""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            source, filename = form.source()
            try:
                report = services.repositories_import(
                    source=source, label=form.cleaned_data["label"], requested_by=request.user, filename=filename)
            except services.ImportRefused as exc:
                form.add_error(None, str(exc))
            else:
                request.session[REPORT_SESSION_KEY] = _report_for_session(report)
                return redirect("repositories:import")
        status = 400
        report = None
    else:
        form, status = ImportForm(), 200
        report = request.session.pop(REPORT_SESSION_KEY, None)
    context = {
        "form": form,
        "report": report,
        "labels": selectors.label_choices()[:200],
        "panels": panels_for(request.user, extra_ids=[report.get("job_id")] if report else ()),
    }
    return render(request, "repositories/import.html", context, status=status)
