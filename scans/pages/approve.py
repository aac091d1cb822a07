"""A scan a page starts over SCAN_APPROVE_OVER repositories waits for the person's approval: the
page shows how many (1,225), what it covers, and about how long it takes and what it costs
(scans.estimate), and nothing starts until the person approves. Approving sends the same form
again with `approved=<count>`: a selection that has grown since is asked about again."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render

from scans.estimate import estimate

APPROVED = "approved"


def needs_approval(count: int, post) -> bool:
    try:
        approved = int(post.get(APPROVED) or 0)
    except ValueError:
        approved = 0
    return count > settings.SCAN_APPROVE_OVER and count > approved


def approval_page(request, *, ids: list[int], scope: str, action: str, back: str) -> HttpResponse:
    """The page that asks; its form posts the same fields to `action`, plus `approved`."""
    fields = [(name, value) for name, values in request.POST.lists() if name not in ("csrfmiddlewaretoken", APPROVED)
              for value in values]
    context = {"estimate": estimate(ids), "scope": scope, "action": action, "back": back, "fields": fields,
               "approved_name": APPROVED, "health_first_over": settings.SCAN_HEALTH_FIRST_OVER}
    return render(request, "scans/approve.html", context)
