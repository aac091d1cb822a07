"""How the catalog reads on a page: its table's columns, its health cards and donut, the
maintenance verdicts' counts, and a
paginator that stays fast at 100,000 rows. Used by the catalog page (a `scans` page, since it
shows scan panels too)."""

from __future__ import annotations

from django.core.paginator import Paginator

from repositories.health import OUTCOMES
from repositories.history import stars_deltas
from repositories.models import Repository

PER_PAGE = 50

# Columns of the catalog table: (ordering key or None, heading, first direction, css class).
COLUMNS = [
    ("full_name", "Repository", "", ""),
    ("health", "Health", "", ""),
    ("maintenance", "Maintenance", "", ""),
    ("stars", "Stars", "-", "num"),
    ("stars_delta", "Stars Δ 30 d", "-", "num"),
    ("forks", "Forks", "-", "num"),
    ("open_issues", "Issues", "-", "num"),
    ("language", "Language", "", ""),
    (None, "License", "", ""),
    ("pushed_at", "Last push", "-", ""),
    ("last_checked_at", "Checked", "-", ""),
]


class CatalogPaginator(Paginator):
    """Pages of the catalog that stay fast at 100,000 rows.

    - The row count is taken from the caller when it already knows it, so the page does not run
      a COUNT that `health_counts()` has just summed up.
    - A page first picks its 50 ids (a narrow sort: the ordering column and the id), then loads
      those rows with their labels, so a deep page never sorts and skips over whole rows.
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
        deltas = stars_deltas(ids)  # the history's 30-day change, for the Stars Δ column
        for row in rows.values():
            row.stars_delta = deltas.get(row.id, 0)
        return self._get_page([rows[i] for i in ids if i in rows], number, self)


def known_count(filters: dict, counts: dict[str, int]) -> int | None:
    """The number of rows these filters match, when the health counts already say it."""
    if set(filters) - {"health"}:
        return None
    if "health" not in filters:
        return sum(counts.values())
    wanted = set(filters["health"].split(","))
    return sum(n for health, n in counts.items() if health in wanted)


def health_cards(counts: dict[str, int], current: str) -> dict:
    """Cards and a donut chart of the mix. The donut draws each state as an arc on a circle of
    circumference 100 (r = 15.915), so a segment's dash length is its percentage."""
    total = sum(counts.values())
    cards, arcs, start = [], [], 0.0
    for outcome in OUTCOMES:
        health = outcome.health
        n = counts.get(health, 0)
        share = n * 100 / total if total else 0
        cards.append({"health": health.value, "label": outcome.label, "css": outcome.css, "count": n,
                      "percent": round(share), "active": current == health.value})
        if n:
            arcs.append({"health": health.value, "label": outcome.label, "count": n, "length": round(share, 3),
                         "gap": round(100 - share, 3), "offset": round(25 - start, 3)})
            start += share
    return {"cards": cards, "arcs": arcs, "total": total}


def maintenance_cards(counts: dict[str, int], current: str) -> list[dict]:
    """A link per verdict with its count, in the order of Repository.Maintenance."""
    return [{"maintenance": value, "label": label, "count": counts.get(value, 0), "active": current == value}
            for value, label in Repository.Maintenance.choices]


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
