"""What a page's poll refreshes besides the progress panel, while a scan runs: the health cards'
counts and shares, the donut, the catalog rows on the page and the scans list's rows. They come
back with the panel as htmx out-of-band swaps (templates/scans/_live.html).

The browser asks for them at most every LIVE_EVERY_MS (static/js/app.js adds `live=1` and what
the page shows to one panel poll in that time), so most polls stay as cheap as before. The
counts are the catalog's kept counts (`repositories.selectors.health_counts`): one small query,
current to the last write, however large the catalog. The JSON progress endpoint is not involved:
it stays free of queries.
"""

from __future__ import annotations

import uuid

from django.template.loader import render_to_string

from repositories.models import Repository
from repositories.presentation import PER_PAGE, health_cards
from repositories.selectors import health_counts
from scans import selectors

LIVE_EVERY_MS = 2000
MAX_ROWS = 2 * PER_PAGE


def _ints(text: str, limit: int) -> list[int]:
    return [int(v) for v in text.split(",")[:limit] if v.strip().isdigit() and 0 < int(v) < 2**63]


def _uuids(text: str, limit: int) -> list[uuid.UUID]:
    found = []
    for value in text.split(",")[:limit]:
        try:
            found.append(uuid.UUID(value.strip()))
        except ValueError:
            continue
    return found


def wanted(params) -> bool:
    return params.get("live") == "1"


def live_parts(request) -> str:
    """The out-of-band fragments a poll asked for (`health=1`, `rows=1,2`, `scans=<uuid>,...`)."""
    params = request.GET
    context = {}
    if params.get("health") == "1":
        context["chart"] = health_cards(health_counts(), "")
    if ids := _ints(params.get("rows") or "", MAX_ROWS):
        rows = Repository.objects.filter(id__in=ids).with_labels().in_bulk()
        context["rows"] = [rows[i] for i in ids if i in rows]
    if scan_ids := _uuids(params.get("scans") or "", MAX_ROWS):
        visible = selectors.scans_visible_to(request.user)
        context["scans"] = list(visible.filter(id__in=scan_ids).defer("repository_ids"))
    return render_to_string("scans/_live.html", context, request=request) if context else ""

