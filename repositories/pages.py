"""The catalog's own pages: the page of a kept source (`/sources/{id}/`: the fix as a coloured
unified diff, the policy choices, counts of each kind of change, and downloads of the corrected
file or a `.patch`; the fix itself is `repositories.fixes`), and the catalog's recent changes
(`/changes/`: verdicts, health, renames, archivals, with the filters of `/api/changes`)."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from repohealth.web.downloads import attachment
from repohealth.web.pages import login_required_page
from repositories.filters import InvalidFilter, changes_filtered
from repositories.fixes import ARCHIVED_POLICIES, DEAD_POLICIES, INACTIVE_POLICIES, KINDS, BadPolicy, source_fix
from repositories.history import CHANGE_FIELDS
from repositories.models import RepositoryChange, Source
from repositories.selectors import label_choices
from repositories.sources import sources

CHANGES_PER_PAGE = 50
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


@login_required_page
def source_detail(request, pk: int):
    source = get_object_or_404(Source, pk=pk)
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
