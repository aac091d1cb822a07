"""The page of a kept source (`/sources/{id}/`): the fix as a coloured unified diff, the policy
choices, counts of each kind of change, and downloads of the corrected file or a `.patch`.
The fix itself is `repositories.fixes`."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from repohealth.web.downloads import attachment
from repohealth.web.pages import login_required_page
from repositories.fixes import ARCHIVED_POLICIES, DEAD_POLICIES, INACTIVE_POLICIES, KINDS, BadPolicy, source_fix
from repositories.models import Source
from repositories.sources import sources


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
