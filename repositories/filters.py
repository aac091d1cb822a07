"""The catalog's filters, defined once for the catalog page, the API's list and export, and the
scan selection: `?search=&health=&maintenance=&language=&label=&archived=&unchecked_hours=&ordering=`; and
the filters of the catalog's changes (`changes_filtered`: `/api/changes` and the changes page).

A value the filters cannot use is an error that names its parameter (an unknown `health`,
`archived=maybe`, an unknown `ordering`), never silently ignored. A renamed filter keeps its
former name working (`DEPRECATED_FILTERS`; the API schema marks it deprecated).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import django_filters as filters
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from repohealth.runtime.times import parse_iso
from repohealth.web.api import BadParameter, choices_of
from repositories.history import CHANGE_FIELDS, EVENT_ALIASES, changed_within, changes, event_names, with_stars_delta
from repositories.models import Repository, RepositoryChange
from repositories.search import search_matches

Health = Repository.Health
Maintenance = Repository.Maintenance

# Sortable columns; each also sorts descending with a leading "-".
ORDERING_FIELDS = ("full_name", "health", "maintenance", "stars", "forks", "open_issues", "language", "pushed_at",
                   "last_checked_at", "stars_delta")  # stars_delta: stars gained in 30 days (history)
ORDERINGS = tuple(field for name in ORDERING_FIELDS for field in (name, f"-{name}"))
DEFAULT_ORDERING = "full_name"
FILTER_FIELDS = ("search", "health", "maintenance", "language", "label", "archived", "unchecked_hours", "changed_days")
# Former names of filters, still read as their new names (which win when both are given).
DEPRECATED_FILTERS = {"stale_hours": "unchecked_hours"}
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")
TRUE_WORDS = _TRUE  # what `archived=` takes for true
YES_NO_WORDS = (*_TRUE, *_FALSE)  # what a yes-or-no filter takes


class InvalidFilter(ValueError):
    """A filter value that cannot be used; `errors` by parameter, str() names the first."""

    def __init__(self, errors: dict) -> None:
        self.errors = {name: [str(m) for m in messages] for name, messages in errors.items()}
        name, messages = next(iter(self.errors.items()))
        super().__init__(f"{name}: {messages[0]}")


class HealthInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """Comma-separated health states, each one of Repository.Health."""


class MaintenanceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """Comma-separated verdicts, each one of Repository.Maintenance."""


class CharInFilter(filters.BaseInFilter, filters.CharFilter):
    """Comma-separated values."""


class RepositoryFilter(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", max_length=200,
                                help_text="in the name and the description")
    health = HealthInFilter(field_name="health", choices=Health.choices, help_text="comma-separated health states")
    maintenance = MaintenanceInFilter(field_name="maintenance", choices=Maintenance.choices,
                                      help_text="comma-separated maintenance verdicts")
    language = CharInFilter(field_name="language", help_text="comma-separated languages")
    label = CharInFilter(method="filter_label", help_text="comma-separated labels")
    archived = filters.ChoiceFilter(method="filter_archived", choices=[(v, v) for v in YES_NO_WORDS],
                                    help_text="true or false (yes/no, 1/0)")
    unchecked_hours = filters.NumberFilter(method="filter_unchecked_hours", min_value=0, max_value=24 * 365 * 100,
                                           help_text="only repositories not checked in this many hours")
    # Read as unchecked_hours by `current_names` before filtering; declared for the API schema.
    stale_hours = filters.NumberFilter(method="filter_unchecked_hours", min_value=0, max_value=24 * 365 * 100,
                                       help_text="Deprecated: the former name of unchecked_hours")
    changed_days = filters.NumberFilter(method="filter_changed_days", min_value=0, max_value=3650,
                                        help_text="only repositories with a recorded change in this many days")
    ordering = filters.ChoiceFilter(method="filter_ordering", choices=[(o, o) for o in ORDERINGS],
                                    help_text=f"a column, '-' first for descending; default {DEFAULT_ORDERING}")

    class Meta:
        model = Repository
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(search_matches(value, connections[queryset.db].vendor))

    def filter_label(self, queryset, name, value):
        # A subquery, not a join: no DISTINCT over the whole catalog for a labelled page.
        labelled = Repository.labels.through.objects.filter(label__name__in=value).values("repository_id")
        return queryset.filter(id__in=labelled)

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived=value in _TRUE)

    def filter_unchecked_hours(self, queryset, name, value):
        cutoff = timezone.now() - timedelta(hours=float(value))
        return queryset.filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))

    def filter_changed_days(self, queryset, name, value):
        return changed_within(queryset, float(value))

    def filter_ordering(self, queryset, name, value):
        return queryset  # applied in `qs`, after every filter, with the default when absent

    @property
    def qs(self) -> QuerySet[Repository]:
        ordering = (self.form.cleaned_data.get("ordering") if self.is_bound and self.is_valid() else None)
        ordering = ordering or DEFAULT_ORDERING
        rows = super().qs
        if ordering.lstrip("-") == "stars_delta":
            rows = with_stars_delta(rows)
        # Ties by id, in the column's direction: one index on (column, id) reads either way.
        return rows.order_by(ordering, "-id" if ordering.startswith("-") else "id")


def current_names(params):
    """The parameters (a dict or a QueryDict) with each deprecated filter name read as its new
    one; the new name wins when both are given. Unchanged when no former name is in them."""
    if not any(old in params for old in DEPRECATED_FILTERS):
        return params
    params = params.copy()
    for old, new in DEPRECATED_FILTERS.items():
        if old in params:
            value = params[old]
            del params[old]
            if new not in params:
                params[new] = value
    return params


def filter_repositories(params, queryset: QuerySet[Repository] | None = None) -> QuerySet[Repository]:
    """The repositories these query parameters select, ordered; InvalidFilter when one is wrong."""
    queryset = queryset if queryset is not None else Repository.objects.all()
    filterset = RepositoryFilter(data=current_names(params), queryset=queryset)
    if not filterset.is_valid():
        raise InvalidFilter(filterset.errors)
    return filterset.qs


def active_filters(params) -> dict[str, str]:
    """The filter parameters that are set (not ordering or paging), as given (by their current names)."""
    params = current_names(params)
    return {name: params[name] for name in FILTER_FIELDS if params.get(name) not in (None, "")}


def filter_choices(params, name: str, choices) -> list[str]:
    """`params[name]`, comma-separated, every value one of `choices`; else InvalidFilter naming it."""
    try:
        return choices_of(params, name, choices)
    except BadParameter as exc:
        raise InvalidFilter(exc.body["errors"]) from None


# --- the catalog's changes ---------------------------------------------------------------------------
CHANGE_PARAMS = ("since", "field", "event")


def changes_filtered(params, *, since: datetime | None = None):
    """The change rows these query parameters select, newest first: `since` (an ISO 8601 time, or
    the `since` given when absent), `field` and `event` (comma-separated) and any catalog filter
    (`label`, `health`...: the repositories they select). InvalidFilter names a wrong one."""
    if params.get("since"):
        since = parse_iso(params["since"])
        if since is None:
            raise InvalidFilter({"since": ["not an ISO 8601 time, e.g. 2026-11-29T17:00:00Z"]})
    catalog = active_filters(params)
    return changes(repositories=filter_repositories(catalog) if catalog else None, since=since,
                   fields=filter_choices(params, "field", CHANGE_FIELDS),
                   events=event_names(filter_choices(params, "event",
                                                     (*RepositoryChange.Event.values, *EVENT_ALIASES))))
