"""What the catalog page does with the repositories a person selected: accept their new names,
add or take off a label, export them as CSV or JSON, or remove them from the catalog (with the
`repositories.delete_repository` permission, after a page that asks). Which ids a form means is
`scans.selection`; the work is `repositories.services`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from repohealth.web.pages import login_required_page, safe_next
from repohealth.words import counted
from repositories import services as catalog
from repositories.export import export_response
from repositories.models import Repository
from repositories.permissions import CHANGE, DELETE, may
from scans.selection import BadSelection, select, selected_in_form

CONFIRMED = "confirmed"
EXPORTS = {"export_csv": "csv", "export_json": "json"}
NEEDS = {"accept_names": CHANGE, "remove_label": CHANGE, "mark_finished": CHANGE, "delete": DELETE}


@require_POST
@login_required_page
def repository_bulk(request):
    back = safe_next(request, "catalog:list")
    action = request.POST.get("action") or ""
    if (needed := NEEDS.get(action)) and not may(request.user, needed):
        raise PermissionDenied(f"You need the {needed} permission to do this (staff have it).")
    try:
        ids = select(selected_in_form(request.POST, doing="first"))
    except BadSelection as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if action in EXPORTS:
        return export_response(Repository.objects.filter(id__in=ids).order_by("full_name", "id"), EXPORTS[action])
    if action == "accept_names":
        accepted = catalog.repositories_accept_names(ids=ids)
        rest = f"; the other {len(ids) - accepted:,} had not moved." if accepted < len(ids) else "."
        messages.success(request, f"Accepted the new name of {counted(accepted, 'repository')}{rest}")
    elif action in ("add_label", "remove_label"):
        label = (request.POST.get("bulk_label") or "").strip()
        try:
            changed = catalog.repositories_label(ids=ids, label=label, add=action == "add_label")
        except ValueError as exc:
            messages.error(request, f"{exc} Type the label next to the buttons.")
            return redirect(back)
        messages.success(request, f"Labelled {counted(changed, 'repository')} “{label}”." if action == "add_label"
                         else f"Took the label “{label}” off {counted(changed, 'repository')}.")
    elif action == "mark_finished":
        marked = catalog.repositories_set_maintenance(ids=ids, override=Repository.Override.FINISHED, user=request.user)
        messages.success(request, f"Marked {counted(marked, 'repository')} finished"
                                  + (f"; the other {len(ids) - marked:,} already were." if marked < len(ids) else "."))
    elif action == "delete":
        if request.POST.get(CONFIRMED) != str(len(ids)):
            names = list(Repository.objects.filter(id__in=ids).order_by("full_name")
                         .values_list("full_name", flat=True)[:20])
            return render(request, "scans/bulk_delete.html", {"ids": ids, "names": names, "back": back,
                                                               "confirmed_name": CONFIRMED})
        removed = catalog.repositories_delete(ids=ids)
        messages.success(request, f"Removed {counted(removed, 'repository')} from the catalog; "
                                  "their scan results stay.")
    else:
        messages.error(request, "Choose what to do with the selected repositories.")
    return redirect(back)
