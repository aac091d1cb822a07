"""Which repositories a scan covers: one selection for the API, the pages, the admin and runscan.

A selection is a JSON-like dict holding exactly one of
- `repository_ids`: a list of ids (each must name a tracked repository);
- `all`: true;
- catalog filters (`repositories.filters`: `health`, `maintenance`, `label`, `language`, `search`,
  `archived`, `unchecked_hours`; formerly `stale_hours`, still read), which combine;
  `repository_ids` may be narrowed by filters too.
`SelectionSerializer` validates it and answers the ids, ordered, with the same messages wherever
it came from.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from repositories.filters import (
    DEPRECATED_FILTERS,
    FILTER_FIELDS,
    TRUE_WORDS,
    InvalidFilter,
    current_names,
    filter_repositories,
)
from repositories.health import outcome_of
from repositories.models import Repository
from repositories.selectors import unknown_ids

MAX_NAMED_UNKNOWN = 20
HEALTHS = tuple(Repository.Health.values)


class SelectionSerializer(serializers.Serializer):
    """The body of `POST /api/bulk/health-check` (and the selection of every other way to start a
    scan). `validated_data["ids"]` is the list of repository ids it selects."""

    repository_ids = serializers.ListField(child=serializers.IntegerField(), required=False,
                                           help_text="ids of the repositories to check")
    all = serializers.BooleanField(required=False, help_text="check every tracked repository")
    health = serializers.ListField(child=serializers.ChoiceField(choices=Repository.Health.choices), required=False,
                                   help_text="repositories currently in these health states")
    maintenance = serializers.ListField(child=serializers.ChoiceField(choices=Repository.Maintenance.choices),
                                        required=False, help_text="repositories with these maintenance verdicts")
    label = serializers.ListField(child=serializers.CharField(), required=False, help_text="carrying these labels")
    language = serializers.ListField(child=serializers.CharField(), required=False, help_text="in these languages")
    search = serializers.CharField(required=False, help_text="in the name or the description")
    archived = serializers.BooleanField(required=False)
    unchecked_hours = serializers.IntegerField(required=False, min_value=0,
                                               help_text="only repositories not checked in this many hours")
    stale_hours = serializers.IntegerField(required=False, min_value=0,
                                           help_text="Deprecated: the former name of unchecked_hours")

    def to_internal_value(self, data):
        try:
            return {"ids": select(data, allowed=set(self.fields))}
        except BadSelection as exc:
            raise serializers.ValidationError({"detail": [str(exc)]}) from None


class BadSelection(ValueError):
    """str() says what is wrong with a selection, naming the field."""


def select(data, *, allowed: set[str] | None = None) -> list[int]:
    """The ids a selection means, ordered by id; BadSelection saying what is wrong."""
    if not isinstance(data, dict) or not data:
        raise BadSelection('Send a JSON object with "repository_ids" (a list of ids), "all": true, '
                           'or filters such as "health": [states].')
    if allowed is not None and (unknown := sorted(set(data) - allowed)):
        raise BadSelection(f"Unknown field {unknown[0]!r}; use {', '.join(sorted(allowed - set(DEPRECATED_FILTERS)))}.")
    data = current_names(data)
    filters = {name: data[name] for name in FILTER_FIELDS if name in data}
    given = [key for key in ("repository_ids", "all") if key in data] + (["filters"] if filters else [])
    if len(given) != 1 and given != ["repository_ids", "filters"]:
        raise BadSelection('Send exactly one of "repository_ids", "all" or filters '
                           f'({", ".join(FILTER_FIELDS)}).')
    if "all" in data and data["all"] is not True:
        raise BadSelection('"all" must be true.')
    queryset = Repository.objects.all()
    if "repository_ids" in data:
        ids = _ids(data["repository_ids"])
        if not filters:
            return ids
        queryset = queryset.filter(id__in=ids)
    if filters:
        try:
            queryset = filter_repositories(_as_query(filters), queryset)
        except InvalidFilter as exc:
            raise BadSelection(str(exc)) from None
    ids = list(queryset.order_by("id").values_list("id", flat=True))
    if not ids:
        raise BadSelection("No repository matches that selection.")
    _check_limit(len(ids))
    return ids


def _ids(value) -> list[int]:
    if not isinstance(value, list):
        raise BadSelection('"repository_ids" must be a list of integers.')
    if not value:
        raise BadSelection('"repository_ids" is empty: name at least one repository.')
    if not {int}.issuperset(map(type, value)):  # at C speed; a bool's type is bool, not int
        index, item = next((i, v) for i, v in enumerate(value) if type(v) is not int)
        if not isinstance(item, int) or isinstance(item, bool):
            raise BadSelection(f'"repository_ids"[{index}] is not an integer: {item!r}.')
        value = [int(v) for v in value]  # an int subclass from a caller: plain ints from here
    ids = list(dict.fromkeys(value))
    _check_limit(len(ids))
    if unknown := unknown_ids(ids):
        named = ", ".join(str(i) for i in unknown[:MAX_NAMED_UNKNOWN])
        more = f" and {len(unknown) - MAX_NAMED_UNKNOWN} more" if len(unknown) > MAX_NAMED_UNKNOWN else ""
        raise BadSelection(f"Unknown repository ids: {named}{more}.")
    return ids


def _as_query(filters: dict) -> dict[str, str]:
    """JSON filter values (lists, booleans, numbers) as the catalog's query-string filters."""
    query = {}
    for name, value in filters.items():
        if name == "health":
            states = value.split(",") if isinstance(value, str) else value
            if not isinstance(states, list) or not states or not all(isinstance(h, str) for h in states):
                raise BadSelection('"health" must be a non-empty list of health states.')
            if bad := [h for h in states if h not in HEALTHS]:
                raise BadSelection(f'Unknown health state {bad[0]!r}; use {", ".join(HEALTHS)}.')
            value = states
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise BadSelection(f'"{name}" must be a list of strings.')
            value = ",".join(value)
        elif isinstance(value, int):
            value = str(value)
        elif not isinstance(value, str):
            raise BadSelection(f'"{name}" has the wrong type: {type(value).__name__}.')
        query[name] = value
    return query


def _check_limit(count: int) -> None:
    if count > settings.SCAN_MAX_REPOSITORIES:
        raise BadSelection(f"{count:,} repositories is more than the limit of {settings.SCAN_MAX_REPOSITORIES:,} "
                           "per scan (SCAN_MAX_REPOSITORIES).")


def describe(data: dict) -> str:
    """What a (valid) selection covers, in a few words, for the scans list: 'all repositories',
    '12 selected', 'label demo · health moved, error'."""
    if data.get("all") is True:
        return "all repositories"
    parts = []
    data = current_names(data)
    if "repository_ids" in data:
        parts.append(f"{len(set(data['repository_ids'])):,} selected")
    for name, value in _as_query({n: data[n] for n in FILTER_FIELDS if n in data}).items():
        if name == "health":
            value = ", ".join(outcome_of(h).label.lower() for h in value.split(","))
        parts.append({"search": f'matching "{value}"', "unchecked_hours": f"not checked in {value} h",
                      "changed_days": f"changed in {value} days",
                      "archived": "archived" if value.lower() in TRUE_WORDS else "not archived",
                      }.get(name, f"{name} {value}"))
    return " · ".join(parts)


def describe_import(*, label: str | None, filename: str | None) -> str:
    return f"import of {filename or 'a pasted list'}" + (f" as {label}" if label else "")


def describe_resume(scan) -> str:
    return f"the rest of scan {str(scan.id)[:8]}" + (f" ({scan.scope})" if scan.scope else "")


def describe_metadata_pass(health) -> str:
    return f"the full metadata of scan {str(health.id)[:8]}" + (f" ({health.scope})" if health.scope else "")


def selected_in_form(post, *, doing: str) -> dict:
    """The selection of a page's `ids` checkboxes (scanned, or acted on by the catalog's bulk
    actions): {"repository_ids": [...]}, for `select` to check."""
    values = [v.strip() for v in post.getlist("ids") if v.strip()]
    if not values:
        raise BadSelection(f"Select at least one repository {doing}.")
    return {"repository_ids": [int(v) if v.lstrip("-").isdigit() else v for v in values]}


def from_form(post) -> dict:
    """The selection a page's scan form means: `scope` selected (the `ids` checkboxes), filtered
    (the catalog filters it carries) or all."""
    scope = post.get("scope")
    if scope == "selected":
        return selected_in_form(post, doing="to scan")
    if scope == "all":
        return {"all": True}
    if scope == "filtered":
        filters = {name: post[name] for name in FILTER_FIELDS if post.get(name)}
        if not filters:
            raise BadSelection("No filter is set: choose filters, or scan all.")
        return filters
    raise BadSelection("Choose what to scan: selected, filtered or all.")
