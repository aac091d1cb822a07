"""The API's lists page by cursor (keyset pagination): a page starts where the one before it
ended, found in the index of its ordering, so the 900th page of a million rows costs what the first
does (an offset reads and drops every row before the page). So there is no `count` either: a COUNT
reads the whole list.

- The ordering is the queryset's own (a view's `order_by`, else the model's Meta ordering), with
  the primary key added when no column in it is unique, in the direction of the column before it:
  rows that tie are ordered by id, and one index on (column, id) serves both directions.
- A cursor holds the sort values of the row a page ended on (`next`) or began on (`previous`),
  signed: a cursor this API did not give, or one given for another ordering, is a 400 naming
  `cursor`.
- Rows after a position are read as a few index ranges, in order: the same values but the last
  and a later last value; the same but the last two and a later one there; ...; a later first
  value. Each is `col = v AND ... AND next_col > w`, which every database answers from an index on
  the columns, in either direction, however many rows tie.
- A nullable column sorts NULLs where the database puts them (largest on PostgreSQL, smallest on
  SQLite), so that its index still serves the order; the ranges say so (`col IS NULL` as a part of
  its own).
- Rows added or removed while a client walks the pages neither repeat nor skip another row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.core import signing
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connections
from django.db.models import Field, Q, QuerySet
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from repohealth.runtime.times import format_iso
from repohealth.web.api import BadParameter

MAX_PAGE_SIZE = 1000
CURSOR_SALT = "repohealth.api.cursor"
NO_COUNT = ("One page of the list, in the list's order. There is no `count`: the list pages by cursor, "
            "so a deep page costs what the first one does; follow `next` (and `previous`) as given.")


@dataclass(frozen=True)
class SortKey:
    """One column of a list's ordering: its name (a field or an annotation), its direction, and
    the field that reads a cursor's value back."""

    name: str
    descending: bool
    field: Field

    @property
    def term(self) -> str:
        return f"-{self.name}" if self.descending else self.name

    def flipped(self) -> SortKey:
        return SortKey(self.name, not self.descending, self.field)


def sort_keys(queryset: QuerySet) -> list[SortKey]:
    """The queryset's ordering, ending in a unique column (the primary key added when none is)."""
    query = queryset.query
    terms = query.order_by or (query.get_meta().ordering if query.default_ordering else ())
    meta = queryset.model._meta
    keys = []
    for term in terms:
        if not isinstance(term, str) or "__" in term or term.lstrip("-") == "?":
            raise ImproperlyConfigured(f"a cursor-paged list orders by its own columns, not {term!r}")
        name = term.lstrip("-")
        name = meta.pk.name if name == "pk" else name
        field = query.annotations[name].output_field if name in query.annotations else meta.get_field(name)
        if field.is_relation:
            raise ImproperlyConfigured(f"a cursor-paged list orders by {field.attname}, not by {name}")
        keys.append(SortKey(name, term.startswith("-"), field))
        if field.unique:
            return keys
    return [*keys, SortKey(meta.pk.name, bool(keys) and keys[-1].descending, meta.pk)]


def ordered(queryset: QuerySet, keys: list[SortKey]) -> QuerySet:
    return queryset.order_by(*(key.term for key in keys))


# --- the rows after a position ------------------------------------------------------------------------
def _same(key: SortKey, value) -> Q:
    return Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})


def _later(key: SortKey, value, nulls_largest: bool) -> Iterator[Q]:
    """The parts of `key`'s column after `value`, in order (a nullable column's NULLs apart)."""
    nulls_last = key.field.null and key.descending != nulls_largest
    if value is None:
        if not nulls_last:
            yield Q(**{f"{key.name}__isnull": False})
        return
    yield Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": value})
    if nulls_last:
        yield Q(**{f"{key.name}__isnull": True})


def parts_after(keys: list[SortKey], values: list, nulls_largest: bool) -> Iterator[Q]:
    """The rows after `values` in the order of `keys`, as conditions each an index range, in order."""
    for depth in reversed(range(len(keys))):
        same = Q(*(_same(key, value) for key, value in zip(keys[:depth], values[:depth], strict=True)))
        for later in _later(keys[depth], values[depth], nulls_largest):
            yield same & later


def rows_after(queryset: QuerySet, keys: list[SortKey], values: list | None, limit: int) -> list:
    """The first `limit` rows of the queryset (ordered by `keys`) after `values` (None: from the start)."""
    queryset = ordered(queryset, keys)
    if values is None:
        return list(queryset[:limit])
    nulls_largest = connections[queryset.db].features.nulls_order_largest
    rows: list = []
    for part in parts_after(keys, values, nulls_largest):
        rows += queryset.filter(part)[:limit - len(rows)]
        if len(rows) == limit:
            break
    return rows


# --- cursors --------------------------------------------------------------------------------------
def _plain(value):
    """A sort value as JSON holds it (the field's to_python reads it back)."""
    if isinstance(value, datetime):
        return format_iso(value)
    if isinstance(value, (date, UUID)):
        return str(value)
    return value


def make_cursor(keys: list[SortKey], row, *, backwards: bool) -> str:
    values = [_plain(getattr(row, key.name)) for key in keys]
    return signing.dumps({"o": [key.term for key in keys], "v": values, "b": backwards}, salt=CURSOR_SALT)


def bad_cursor(why: str) -> BadParameter:
    return BadParameter({"cursor": [why]})


def read_cursor(token: str, keys: list[SortKey]) -> tuple[list, bool]:
    """(the sort values, whether it walks backwards) of a cursor this API gave for this ordering."""
    try:
        cursor = signing.loads(token, salt=CURSOR_SALT)
    except signing.BadSignature:
        raise bad_cursor("not a cursor this API gave: follow `next` or `previous` as they are") from None
    if cursor.get("o") != [key.term for key in keys]:
        raise bad_cursor("given for another ordering of the list: start again without it")
    try:  # a cursor given before a column changed its type reads as what it is: not this list's
        values = [None if value is None else key.field.to_python(value) for key, value in zip(keys, cursor["v"],
                                                                                               strict=True)]
    except (ValidationError, ValueError, TypeError):
        raise bad_cursor("not a position in this list: start again without it") from None
    return values, bool(cursor.get("b"))


def page_size(params) -> int:
    """`page_size` (default PAGE_SIZE, at most MAX_PAGE_SIZE); not a whole number ≥ 1: a 400 naming it."""
    given = params.get("page_size")
    if given in (None, ""):
        return api_settings.PAGE_SIZE
    try:
        size = int(given)
    except ValueError:
        size = 0
    if size < 1:
        raise BadParameter({"page_size": [f"a whole number from 1 to {MAX_PAGE_SIZE}"]})
    return min(size, MAX_PAGE_SIZE)


class CursorPagination(BasePagination):
    """`?cursor=&page_size=` → `{"next", "previous", "results"}` (the module's docstring)."""

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.url = request.build_absolute_uri()
        size = page_size(request.query_params)
        self.keys = sort_keys(queryset)
        token = request.query_params.get(self.cursor_query_param)
        values, backwards = read_cursor(token, self.keys) if token else (None, False)
        walk = [key.flipped() for key in self.keys] if backwards else self.keys
        rows = rows_after(queryset, walk, values, size + 1)
        more, page = len(rows) > size, rows[:size]
        if backwards:
            page.reverse()
        # The way it came has more rows (the cursor's own, at least); the way it walks, when it read them.
        has_next, has_previous = (True, more) if backwards else (more, values is not None)
        self.next = self._link(page[-1], backwards=False) if page and has_next else None
        self.previous = self._link(page[0], backwards=True) if page and has_previous else None
        # The page's rows, to serialize once. An iterator rather than the list: a serializer
        # refers to itself (its fields name it their parent), so whatever it holds lives until the
        # garbage collector comes by, 1,000 model instances a page; an iterator lets go of the
        # list as it ends.
        return iter(page)

    def _link(self, row, *, backwards: bool) -> str:
        return replace_query_param(self.url, self.cursor_query_param, make_cursor(self.keys, row, backwards=backwards))

    def get_paginated_response(self, data):
        return Response({"next": self.next, "previous": self.previous, "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri",
                "example": "http://api.example.org/accounts/?cursor=eyJvIjpbImlkIl0sInYiOlsxMjNdLCJiIjpmYWxzZX0:1s"}
        return {"type": "object", "description": NO_COUNT, "required": ["next", "previous", "results"],
                "properties": {"next": {**link, "description": "the next page; null on the last"},
                               "previous": {**link, "description": "the page before; null on the first"},
                               "results": schema}}

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query", "schema": {"type": "string"},
             "description": "where the page starts: the cursor of a `next` or `previous` link, as given"},
            {"name": "page_size", "required": False, "in": "query", "schema": {"type": "integer", "minimum": 1},
             "description": f"rows a page (default {api_settings.PAGE_SIZE}; at most {MAX_PAGE_SIZE}, "
                            "more gives that many)"},
        ]
