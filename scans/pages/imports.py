"""The import page's two steps. An uploaded or pasted list is first read and shown, with nothing
saved: what would be created, what is already tracked, what is skipped or invalid, and about what
a scan of it takes (scans.estimate). Then the person imports it, with a scan or without one.

Between the two steps the list waits in the preview store (repositories/previews.py), under a
random token that only the user who uploaded it can use. After the import the browser is redirected to the
import page (a reload never imports twice), which shows the report and the scan's panel.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from repohealth.web.pages import login_required_page
from repositories import services as catalog
from repositories.dependencies import FORMATS as DEPENDENCY_FORMATS
from repositories.forms import ImportForm
from repositories.importers import CSV_COLUMNS
from repositories.jsonlists import JSON_KEYS, JSON_LISTS
from repositories.previews import preview_drop, preview_get, preview_store
from scans import services
from scans.estimate import estimate
from scans.models import ScanJob
from scans.pages.scans import panels_for

REPORT_SESSION_KEY = "import_report"
REPORT_MAX_LINES = 500  # invalid and skipped lines kept for the page; the counts say how many there were
SCAN, IMPORT_ONLY = "scan", "import"


def report_for_session(started: services.ImportStarted) -> dict:
    """The report the import page shows once, after the redirect."""
    report = started.report
    data = report.as_dict()
    data.pop("repository_ids")
    data["job_id"] = str(started.scan.id) if started.scan else None
    data["invalid_total"] = len(report.invalid)
    data["invalid"] = report.invalid[:REPORT_MAX_LINES]
    data["skipped_entries"] = report.skipped_entries[:REPORT_MAX_LINES]
    data["summary"] = report.summary
    return data


def preview_page(request, form: ImportForm):
    """The preview of a valid form's list, or None when the whole file is refused (the form then
    says why)."""
    source, filename = form.source()
    label = form.cleaned_data["label"]
    try:
        preview = catalog.repositories_import_preview(source=source, label=label, filename=filename)
    except catalog.ImportRefused as exc:
        form.add_error(None, str(exc))
        return None
    token = preview_store(user_id=request.user.id, source=source, filename=filename, label=label)
    report = preview.report
    context = {
        "preview": preview,
        "report": report,
        "token": token,
        "filename": filename,
        "to_scan": report.created + report.existing,
        "estimate": estimate(report.repository_ids, new=report.created) if report.created + report.existing else None,
        "skipped_entries": report.skipped_entries[:REPORT_MAX_LINES],
        "invalid": report.invalid[:REPORT_MAX_LINES],
        "panels": panels_for(request.user),
    }
    return render(request, "scans/import_preview.html", context)


@require_POST
@login_required_page
def repository_import_confirm(request):
    """Import the previewed list, then scan what it holds (`then=scan`) or not (`then=import`)."""
    token = request.POST.get("token") or ""
    stored = preview_get(token=token, user_id=request.user.id)
    if stored is None:
        messages.error(request, "That preview has expired, or was not yours: nothing was imported. "
                                "Upload the list again.")
        return redirect("catalog:import")
    try:
        started = services.import_and_scan(
            source=stored["source"], label=stored["label"], requested_by=request.user, filename=stored["filename"],
            scan=request.POST.get("then") != IMPORT_ONLY, trigger=ScanJob.Trigger.PAGE)
    except (catalog.ImportRefused, services.ScanError) as exc:  # nothing was imported either way
        messages.error(request, f"Nothing was imported: {exc}")
        return redirect("catalog:import")
    preview_drop(token=token)
    request.session[REPORT_SESSION_KEY] = report_for_session(started)
    return redirect("catalog:import")


def formats() -> dict:
    """What the page says about the files it takes (the parser's own lists and limits)."""
    return {"csv_columns": CSV_COLUMNS, "json_keys": JSON_KEYS, "json_lists": JSON_LISTS,
            "dependency_formats": list(DEPENDENCY_FORMATS.values()),
            "max_mb": f"{settings.IMPORT_MAX_BYTES / 1e6:g}", "max_entries": settings.IMPORT_MAX_ENTRIES}
