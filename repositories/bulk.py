"""Bulk writes in one `executemany` each, for the two hot paths: an import inserting up to
a million repositories and a scan updating thousands a second (and writing as many results and
history rows).

The ORM's bulk_create and bulk_update prepare and compile every field of every row (bulk_update
as a CASE per field), and SQLite caps a statement at 999 parameters: measured, a 100,000-line
import spent 20 of its 25 s there and a scan spent 20 of every 25 s in bulk_update.

An import's rows go through a temporary table (`temporary_table`): on PostgreSQL an executemany
runs a statement a row (a million-line import took 336 s, now 59 s), where COPY streams the
rows and one INSERT ... SELECT writes them; on both, that INSERT answers what it created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model
from django.utils import timezone

BATCH = 10_000


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


@contextmanager
def temporary_table(name: str, columns: Sequence[tuple[str, str]], rows: Iterable[tuple]) -> Iterator[str]:
    """A temporary table `name` of these columns ((name, SQL type)) holding these rows, for the
    statements run inside the block; its quoted name. Filled by COPY on PostgreSQL, by one
    executemany per BATCH rows on SQLite; dropped after the block (a failed transaction's rollback
    takes it, and a table left by a failure outside one is replaced the next time)."""
    table = _quote(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} ({', '.join(f'{_quote(c)} {t}' for c, t in columns)})")
        listed = ", ".join(_quote(c) for c, _ in columns)
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            _executemany(f"INSERT INTO {table} ({listed}) VALUES ({', '.join(['%s'] * len(columns))})", list(rows))
    yield table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")


def insert_rows(model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """INSERT rows that nothing can conflict with (a table whose only unique key is its own
    id, or rows of repositories this transaction created, which no other one sees), giving
    `columns`, every other column its field's default: COPY straight into the table on PostgreSQL
    (twice as fast as an INSERT ... ON CONFLICT, which checks every row), one executemany per
    BATCH rows on SQLite."""
    constant = _constants(model, columns)
    names = ", ".join(_quote(c) for c in (*columns, *constant))
    table, rest = _quote(model._meta.db_table), tuple(constant.values())
    if connection.vendor != "postgresql":
        _executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * (len(columns) + len(rest)))})",
                     [(*row, *rest) for row in rows])
        return
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *rest))


def insert_ignoring_conflicts(model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """INSERT rows giving `columns`; every other column gets its field's default (auto_now_add
    fields: now). Rows that hit a unique constraint are skipped (ON CONFLICT DO NOTHING). Returns
    how many were inserted."""
    if connection.vendor == "postgresql":
        return _insert_staged(model, columns, rows)
    constant = _constants(model, columns)
    names = [*columns, *constant]
    sql = (f"INSERT INTO {_quote(model._meta.db_table)} ({', '.join(_quote(c) for c in names)}) "
           f"VALUES ({', '.join(['%s'] * len(names))}) ON CONFLICT DO NOTHING")
    rest = tuple(constant.values())
    return _executemany(sql, [(*row, *rest) for row in rows])


def insert_returning(model: type[Model], columns: Sequence[str], rows: Iterable[tuple],
                     returning: Sequence[str]) -> list[tuple]:
    """`insert_ignoring_conflicts`, answering the `returning` columns of each row it inserted
    (a row skipped for a conflict answers nothing)."""
    return _insert_staged(model, columns, rows, returning)


def _constants(model: type[Model], columns: Sequence[str]) -> dict[str, Any]:
    """The value of every other column of a new row, as the database takes it: its field's
    default, now for auto_now_add fields. A column whose default is NULL is left out (NULL
    is what the database gives it, and PostgreSQL types a NULL in an INSERT ... SELECT as text)."""
    now = timezone.now()
    constant = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in columns:
            continue
        value = now if getattr(field, "auto_now_add", False) else field.get_default()
        if value is not None:
            constant[field.column] = field.get_db_prep_save(value, connection)
    return constant


def _insert_staged(model: type[Model], columns: Sequence[str], rows: Iterable[tuple],
                   returning: Sequence[str] = ()):
    """The rows through a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING;
    the `returning` columns of the rows inserted, or without `returning`, how many."""
    meta = model._meta
    by_column = {field.column: field for field in meta.concrete_fields}
    staging = [(column, by_column[column].db_type(connection)) for column in columns]
    constant = _constants(model, columns)
    names = ", ".join(_quote(c) for c in (*columns, *constant))
    selected = ", ".join([*(_quote(c) for c in columns), *(["%s"] * len(constant))])
    answer = f" RETURNING {', '.join(_quote(c) for c in returning)}" if returning else ""
    with temporary_table(f"staged_{meta.db_table}", staging, rows) as staged, connection.cursor() as cursor:
        # "WHERE true": without it SQLite would read ON CONFLICT as a join's ON clause
        cursor.execute(f"INSERT INTO {_quote(meta.db_table)} ({names}) SELECT {selected} FROM {staged} WHERE true "
                       f"ON CONFLICT DO NOTHING{answer}", tuple(constant.values()))
        return cursor.fetchall() if returning else max(cursor.rowcount, 0)


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
