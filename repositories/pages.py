"""The catalog's own pages: the page of a kept source (`/sources/{id}/`): for a list of links, the
fix as a coloured unified diff, the policy choices, counts of each kind of change, and downloads
of the corrected file or a `.patch` (the fix itself is `repositories.fixes`); for an SBOM or a
lockfile, its packages with their repositories, the counts on top, filters, pages and CSV/JSON
downloads (`repositories.packages`, as `/api/sources/{id}/dependencies`); and the catalog's recent
changes (`/changes/`: verdicts, health, renames, archivals, with the filters of `/api/changes`)."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from repohealth.web.downloads import attachment
from repohealth.web.pages import login_required_page
from repositories.export import FORMATS as EXPORT_FORMATS
from repositories.filters import InvalidFilter, changes_filtered
from repositories.fixes import ARCHIVED_POLICIES, DEAD_POLICIES, INACTIVE_POLICIES, KINDS, BadPolicy, source_fix
from repositories.health import OUTCOMES
from repositories.history import CHANGE_FIELDS
from repositories.models import Repository, RepositoryChange, Source, SourcePackage
from repositories.packages import (
    PROVENANCE_CHOICES,
    chosen_filters,
    ecosystems,
    is_dependency_document,
    packages_behind,
    packages_export,
    packages_filtered,
    source_summary,
    summary_parts,
)
from repositories.selectors import label_choices
from repositories.sources import sources

CHANGES_PER_PAGE = 50
PACKAGES_PER_PAGE = 50
CHANGES_DAYS = 7  # what the page shows when no `since` is given


def _diff_rows(diff: str) -> list[tuple[str, str]]:
    """(css class, line) for each line of a unified diff."""
    rows = []
    for line in diff.splitlines():
        kind = ("diff-file" if line.startswith(("---", "+++")) else "diff-hunk" if line.startswith("@@")
                else "diff-add" if line.startswith("+") else "diff-del" if line.startswith("-") else "diff-ctx")
        rows.append((kind, line))
    return rows


@login_required_page
def source_list(request):
    return render(request, "repositories/sources.html", {"sources": sources()[:200]})


@require_GET
@login_required_page
def source_detail(request, pk: int):
    source = get_object_or_404(Source, pk=pk)
    if is_dependency_document(source):
        return _packages_page(request, source)
    archived = request.GET.get("archived") or "mark"
    dead = request.GET.get("dead") or "mark"
    inactive = request.GET.get("inactive") or "leave"
    try:
        fix = source_fix(source=source, archived=archived, dead=dead, inactive=inactive)
    except BadPolicy as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    download = request.GET.get("download")
    name = source.filename or "list.txt"
    if download in ("file", "patch"):
        body, filename = (fix.text, name) if download == "file" else (fix.diff, f"{name}.patch")
        return attachment(HttpResponse(body.encode("utf-8"), content_type="text/plain; charset=utf-8"), filename)
    counts = fix.counts()
    return render(request, "repositories/source.html", {
        "source": source, "fix": fix, "rows": _diff_rows(fix.diff), "archived": archived, "dead": dead,
        "inactive": inactive, "archived_policies": ARCHIVED_POLICIES, "dead_policies": DEAD_POLICIES,
        "inactive_policies": INACTIVE_POLICIES,
        "counts": [(kind.replace("_", " "), counts[kind]) for kind in KINDS],
    })


def _packages_page(request, source: Source):
    """The packages of an SBOM or a lockfile, filtered as the query string says (a wrong value is
    the page with the error, 400), PACKAGES_PER_PAGE a page, or all of them as `?download=csv|json`."""
    error, status = "", 200
    try:
        rows = packages_filtered(source, request.GET)
    except InvalidFilter as exc:
        error, status, rows = str(exc), 400, SourcePackage.objects.none()
    download = request.GET.get("download")
    if download and not error:
        if download not in EXPORT_FORMATS:
            error, status = f"download: {download!r} is not one of {', '.join(EXPORT_FORMATS)}.", 400
        else:
            return packages_export(rows, download, f"{source.filename or 'source'}.packages.{download}")
    page_obj = Paginator(rows, PACKAGES_PER_PAGE).get_page(request.GET.get("page"))
    page_obj.object_list = _with_monorepos(source, list(page_obj.object_list))
    summary, chosen = source_summary(source), chosen_filters(request.GET)
    return render(request, "repositories/source_packages.html", {
        "source": source, "summary": summary, "parts": summary_parts(summary), "page_obj": page_obj,
        "filter_error": error, "chosen": chosen,
        "filtered": any(chosen.values()), "ecosystem_choices": ecosystems(source),
        "provenance_choices": PROVENANCE_CHOICES, "health_choices": [(o.health.value, o.label) for o in OUTCOMES],
        "maintenance_choices": Repository.Maintenance.choices,
    }, status=status)


def _with_monorepos(source: Source, packages: list[SourcePackage]) -> list[SourcePackage]:
    """These packages, each whose repository is behind several packages of the document (a
    monorepo) with all of them as `monorepo`, wherever in the document they stand."""
    behind = packages_behind(source, {package.repository_id for package in packages if package.repository_id})
    for package in packages:
        listed = behind.get(package.repository_id, [])
        package.monorepo = listed if len(listed) > 1 else []
    return packages


@require_GET
@login_required_page
def change_list(request):
    """The catalog's changes, newest first: those since `since` (the last CHANGES_DAYS days when
    absent), narrowed by `event`, `field` and `label` as `/api/changes` is; a wrong one is a 400."""
    since = (timezone.now() - timedelta(days=CHANGES_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    error, status = "", 200
    try:
        rows = changes_filtered(request.GET, since=since)
    except InvalidFilter as exc:
        error, status, rows = str(exc), 400, RepositoryChange.objects.none()
    return render(request, "repositories/changes.html", {
        "page_obj": Paginator(rows, CHANGES_PER_PAGE).get_page(request.GET.get("page")),
        "filter_error": error, "since": request.GET.get("since") or since.date().isoformat(),
        "chosen": {name: request.GET.get(name, "") for name in ("event", "field", "label")},
        "event_choices": RepositoryChange.Event.choices, "field_choices": CHANGE_FIELDS,
        "label_choices": label_choices(), "days": CHANGES_DAYS,
    }, status=status)
