"""The catalog as a file: CSV or JSON, streamed. The API's export (filters) and the catalog
page's "Export" of a selection both answer with `export_response`; a source's packages
(`repositories.packages`) are written by the same `csv_chunks`, `json_array` and `download`.

A download says how many rows it holds before its first byte (`X-Total-Count`, counted from the
query that streams them), and streams at the database's pace: rows are read CHUNK at a time as
values, never model instances, and written a chunk at a time, not a line at a time. A CSV reads
them as the database answers them, past Django's converters, which parsed every time and JSON
value only for the CSV to write it back as text: a million rows took 51 s, now 19 s (docs/bench.md).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime

from django.db import connection
from django.db.models import Func, Model, QuerySet, TextField
from django.db.models.sql.constants import MULTI
from django.http import StreamingHttpResponse

from repohealth.web.downloads import attachment

FORMATS = ("csv", "json")
EXPORT_FIELDS = [
    "id", "full_name", "html_url", "health", "health_detail", "description", "stars", "forks", "open_issues",
    "watchers", "language", "topics", "license", "default_branch", "archived", "fork", "pushed_at",
    "previous_names", "last_checked_at", "last_commit_at", "commits_last_year", "last_release_at", "last_release_tag",
    "declared", "successor", "maintenance", "maintenance_reasons", "maintenance_override", "maintenance_note",
    "maintenance_override_by", "maintenance_override_at",
]
CHUNK = 2000  # rows read and written at a time
TOTAL_HEADER = "X-Total-Count"
# A cell a spreadsheet would run as a formula begins with one of these: it is quoted with '.
FORMULA_STARTS = frozenset("=+-@\t\r")
_DECODER = json.JSONDecoder()
# The fields whose values are written as they come (numbers; flags are True or False on both databases).
NUMBERS = frozenset({"AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "PositiveIntegerField",
                     "PositiveSmallIntegerField", "PositiveBigIntegerField", "SmallIntegerField", "ForeignKey"})


def export_response(repositories: QuerySet, fmt: str) -> StreamingHttpResponse:
    """These repositories, streamed as `repositories.csv` or `repositories.json`."""
    total = repositories.count()
    if fmt == "csv":
        return download(csv_chunks(EXPORT_FIELDS, repositories, EXPORT_FIELDS), fmt, "repositories.csv", total)
    rows = repositories.values_list(*EXPORT_FIELDS).iterator(chunk_size=CHUNK)
    return download(json_array(dict(zip(EXPORT_FIELDS, row, strict=True)) for row in rows), fmt,
                    "repositories.json", total)


def download(chunks: Iterable[str], fmt: str, filename: str, total: int) -> StreamingHttpResponse:
    """Streamed chunks of CSV or JSON as a download named `filename` (`attachment`) of `total` rows."""
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = attachment(StreamingHttpResponse(chunks, content_type=content_type), filename)
    response[TOTAL_HEADER] = str(total)
    return response


def csv_chunks(header: Sequence[str], rows: QuerySet, columns: Sequence[str]) -> Iterator[str]:
    """The header line, then the lines of `columns` (fields, or lookups through a relation) of
    these rows, CHUNK rows a chunk: read as `iterator()` reads (a server-side cursor on
    PostgreSQL) from the first chunk asked for, as the database answers them (`_reading`)."""
    selected, cells = _reading(rows.model, columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield _taken(buffer)
    compiler = rows.values_list(*selected).query.get_compiler(using=rows.db)
    for chunk in compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=CHUNK):
        writer.writerows(map(cells, chunk))
        yield _taken(buffer)


def _taken(buffer: io.StringIO) -> str:
    """What `buffer` holds, which it then no longer does."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _reading(model: type[Model], columns: Sequence[str]) -> tuple[list, Callable[[Sequence], list]]:
    """What to select for these columns and how a row of it becomes its CSV cells: a list as its
    words (a verdict's reasons as their sentences), a time in ISO 8601, any text that would start
    a formula quoted with '. Numbers, flags (True, False) and empty values are written as they come."""
    selected, converted, texts = list(columns), [], []
    for index, column in enumerate(columns):
        kind = _field(model, column).get_internal_type()
        if kind == "JSONField":
            converted.append((index, _words))
            texts.append(index)
        elif kind == "DateTimeField" and connection.vendor == "postgresql":
            selected[index] = _UtcText(column)
            converted.append((index, _postgresql_time))
        elif kind == "DateTimeField":
            converted.append((index, _sqlite_time))
        elif kind not in NUMBERS and kind != "BooleanField":
            texts.append(index)

    def cells(row: Sequence) -> list:
        row = list(row)
        for index, convert in converted:
            if (value := row[index]) is not None:
                row[index] = convert(value)
        for index in texts:
            if (value := row[index]) and value[0] in FORMULA_STARTS:
                row[index] = "'" + value
        return row

    return selected, cells


def _field(model: type[Model], column: str):
    """The field a column (`repository__health`) names."""
    *path, name = column.split("__")
    for relation in path:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _words(text: str) -> str:
    """A JSON list (as the database keeps it) in words: topics and names space-separated, a
    verdict's reasons (objects) by their `text`, `; `-separated."""
    if text == "[]":
        return ""
    value = _json(text)
    if type(value) is not list:
        return "" if value is None else str(value)
    if "{" in text and any(isinstance(v, dict) for v in value):
        return "; ".join([str(v.get("text", v)) if isinstance(v, dict) else str(v) for v in value])
    return " ".join(map(str, value))


def _json(text: str):
    """The value of a JSON text the database kept: its decoder's `raw_decode`, which is 1 µs
    faster than `json.loads` (which matches the white space around it) for so short a text."""
    try:
        return _DECODER.raw_decode(text)[0]
    except ValueError:  # white space before it
        return json.loads(text)


def _sqlite_time(value: datetime) -> str:
    """A time as SQLite answers it (naive, in UTC: the database has no TIME_ZONE of its own) in
    ISO 8601, as `datetime.isoformat` writes the aware time Django would make of it."""
    return value.isoformat() + "+00:00"


class _UtcText(Func):
    """A time as PostgreSQL writes it in UTC, to the microsecond (`_postgresql_time` ends it):
    Django reads a time with a loader written in Python, 4 µs a value, most of the time a
    million rows took."""

    template = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
    output_field = TextField()


def _postgresql_time(text: str) -> str:
    """`_UtcText`'s time as `datetime.isoformat` writes it (no fraction of a second when it has none)."""
    return (text[:-7] if text.endswith(".000000") else text) + "+00:00"


def _iso(value) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_array(items: Iterable[dict]) -> Iterator[str]:
    """A JSON array of these objects (times in ISO 8601), CHUNK objects a chunk."""
    yield "["
    chunk: list[str] = []
    first = True
    for item in items:
        chunk.append(json.dumps(item, default=_iso))
        if len(chunk) == CHUNK:
            yield ("" if first else ",") + ",".join(chunk)
            chunk, first = [], False
    if chunk:
        yield ("" if first else ",") + ",".join(chunk)
    yield "]"
