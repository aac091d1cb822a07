"""Bulk writes in one `executemany` each, for the two hot paths: an import inserting up to
200,000 repositories and a scan updating thousands a second (and writing as many results and
history rows).

The ORM's bulk_create and bulk_update prepare and compile every field of every row (bulk_update
as a CASE per field), and SQLite caps a statement at 999 parameters: measured, a 100,000-line
import spent 20 of its 25 s there and a scan spent 20 of every 25 s in bulk_update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model
from django.utils import timezone

BATCH = 10_000


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def insert_ignoring_conflicts(model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """INSERT rows giving `columns`; every other column gets its field's default (auto_now_add
    fields: now). Rows that hit a unique constraint are skipped (ON CONFLICT DO NOTHING). Returns
    how many were inserted."""
    now = timezone.now()
    constant = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in columns:
            continue
        value = now if getattr(field, "auto_now_add", False) else field.get_default()
        constant[field.column] = field.get_db_prep_save(value, connection)
    names = [*columns, *constant]
    sql = (f"INSERT INTO {_quote(model._meta.db_table)} ({', '.join(_quote(c) for c in names)}) "
           f"VALUES ({', '.join(['%s'] * len(names))}) ON CONFLICT DO NOTHING")
    rest = tuple(constant.values())
    return _executemany(sql, [(*row, *rest) for row in rows])


def update_fields(objects: Sequence[Model], field_names: Sequence[str]) -> None:
    """UPDATE these fields of these objects (all of one model) by primary key."""
    if not objects:
        return
    meta = objects[0]._meta
    fields = [meta.get_field(name) for name in field_names]
    prepare = [_preparer(f) for f in fields]
    attnames = [f.attname for f in fields]
    assignments = ", ".join(f"{_quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {_quote(meta.db_table)} SET {assignments} WHERE {_quote(meta.pk.column)} = %s"
    _executemany(sql, [
        (*(prep(getattr(obj, name)) for prep, name in zip(prepare, attnames, strict=True)), obj.pk) for obj in objects
    ])


def insert(objects: Sequence[Model], *, unique: Sequence[str] = (), update: Sequence[str] = ()) -> None:
    """INSERT these new objects (all of one model, their primary keys left to the database) in
    one executemany; their primary keys are not read back. With `unique` (the fields of a unique
    constraint), a row that exists already gets the fields of `update` instead (ON CONFLICT ...
    DO UPDATE), or is left as it is when `update` is empty (DO NOTHING). Defaults and
    auto_now(_add) are applied as save() would."""
    if not objects:
        return
    meta = objects[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(_quote(f.column) for f in fields)
    sql = (f"INSERT INTO {_quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})")
    if unique:
        targets = ", ".join(_quote(meta.get_field(name).column) for name in unique)
        sets = ", ".join(f"{(c := _quote(meta.get_field(name).column))} = EXCLUDED.{c}" for name in update)
        sql += f" ON CONFLICT ({targets}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
    prepare = [_preparer(f) for f in fields]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objects:
        for field in stamped:
            field.pre_save(obj, True)
    attnames = [f.attname for f in fields]
    _executemany(sql, [tuple(prep(getattr(obj, name)) for prep, name in zip(prepare, attnames, strict=True))
                       for obj in objects])


# Fields whose database value is the Python value itself when that is a plain str, int or bool
# (or None): the ORM's get_db_prep_save would only hand it back, at a few µs a call, and a scan
# writes 28 fields of every repository it checks.
_PASS_THROUGH = frozenset({"CharField", "TextField", "BooleanField", "IntegerField", "BigIntegerField",
                           "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField",
                           "SmallIntegerField"})
_PLAIN = frozenset({str, int, bool, type(None)})


def _preparer(field) -> Callable[[Any], Any]:
    db = connections[DEFAULT_DB_ALIAS]  # once, not through the thread-local proxy for every value

    def prepare(value: Any) -> Any:
        return field.get_db_prep_save(value, db)

    kind = field.get_internal_type()
    if kind == "DateTimeField":  # an aware datetime is already what get_prep_value would make of it
        adapt = db.ops.adapt_datetimefield_value
        if db.vendor == "sqlite" and settings.USE_TZ:  # what that adapter does, without its checks
            zone = db.timezone
            adapt = lambda value: str(value.astimezone(zone).replace(tzinfo=None))  # noqa: E731 - one of two adapters
        return lambda value: (adapt(value) if type(value) is datetime and value.tzinfo is not None
                              else None if value is None else prepare(value))
    if kind == "JSONField":  # a list or dict: the database's JSON adapter, as get_db_prep_value ends
        adapt_json, encoder = db.ops.adapt_json_value, field.encoder
        return lambda value: adapt_json(value, encoder) if type(value) in (list, dict) else prepare(value)
    if kind not in _PASS_THROUGH:
        return prepare
    return lambda value: value if type(value) in _PLAIN else prepare(value)


def _executemany(sql: str, params: list[tuple]) -> int:
    """Run `sql` once per row of `params`; the number of rows it changed."""
    changed = 0
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH):
            cursor.executemany(sql, params[start:start + BATCH])
            changed += max(cursor.rowcount, 0)
    return changed
