"""How the catalog reads on a page: its table's columns, its health cards and donut, the
maintenance verdicts' counts, and a paginator that stays fast at 1,000,000 rows. Used by the
catalog page (a `scans` page, since it shows scan panels too)."""

from __future__ import annotations

from django.core.paginator import InvalidPage, Page, Paginator

from repositories.health import OUTCOMES
from repositories.history import stars_deltas
from repositories.models import Repository
from repositories.selectors import CatalogCounts

PER_PAGE = 50
# The deepest page shown: a page skips the rows before it, and past 10,000 of them a filter or the
# other order finds a row sooner than paging does.
MAX_PAGES = 200

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


class PageTooDeep(InvalidPage):
    """A page past MAX_PAGES; its message says what to do instead."""


class CatalogPage(Page):
    def has_next(self) -> bool:
        return self.number < self.paginator.reachable_pages

    @property
    def last_reachable(self) -> bool:
        """The deepest page shown, with more rows after it."""
        return self.number == MAX_PAGES < self.paginator.num_pages


class CatalogPaginator(Paginator):
    """Pages of the catalog that stay fast at 1,000,000 rows.

    - The row count is taken from the caller when the kept counts say it (`known_count`), so the
      page runs no COUNT over the catalog.
    - A page first picks its 50 ids (a narrow sort: the ordering column and the id), then loads
      those rows with their labels, so a deep page never sorts and skips over whole rows.
    - Pages stop at MAX_PAGES (PageTooDeep past it): skipping a million rows to show the 50
      after them costs seconds.
    """

    def __init__(self, *args, count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property

    @property
    def reachable_pages(self) -> int:
        return min(self.num_pages, MAX_PAGES)

    def validate_number(self, number):
        number = super().validate_number(number)
        if number > MAX_PAGES:
            raise PageTooDeep(f"page: the list shows its first {MAX_PAGES} pages ({MAX_PAGES * self.per_page:,} "
                              "repositories); filter it or sort it the other way to reach the others.")
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page  # up to a page of rows, whatever the count says
        ids = list(self.object_list.values_list("id", flat=True)[bottom:bottom + self.per_page])
        rows = Repository.objects.filter(id__in=ids).with_labels().in_bulk()
        deltas = stars_deltas(ids)  # the history's 30-day change, for the Stars Δ column
        for row in rows.values():
            row.stars_delta = deltas.get(row.id, 0)
        return CatalogPage([rows[i] for i in ids if i in rows], number, self)


def known_count(filters: dict, counts: CatalogCounts) -> int | None:
    """The number of rows these filters match, when the kept counts say it: no filter, or one of
    health, maintenance, language (each value one row: their counts add up) or a single label."""
    if not filters:
        return counts.total
    if len(filters) > 1:
        return None
    [(name, value)] = filters.items()
    kept = {"health": counts.health, "maintenance": counts.maintenance, "language": counts.languages,
            "label": counts.labels}.get(name)
    wanted = set(value.split(","))
    if kept is None or (name == "label" and len(wanted) > 1):  # a repository may carry several labels
        return None
    return sum(kept.get(one, 0) for one in wanted)


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
