"""The catalog as a file: CSV or JSON, streamed. The API's export (filters) and the catalog
page's "Export" of a selection both answer with `export_response`; a source's packages
(`repositories.packages`) are written by the same `csv_lines`, `json_array` and `download`."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import QuerySet
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


def neutralise(value) -> str:
    """A CSV cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is quoted with '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_response(repositories: QuerySet, fmt: str) -> StreamingHttpResponse:
    """These repositories, streamed as `repositories.csv` or `repositories.json`."""
    rows = repositories.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000)
    if fmt == "csv":
        return download(csv_lines(EXPORT_FIELDS, rows), fmt, "repositories.csv")
    return download(json_array(dict(zip(EXPORT_FIELDS, row, strict=True)) for row in rows), fmt, "repositories.json")


def download(chunks: Iterable[str], fmt: str, filename: str) -> StreamingHttpResponse:
    """Streamed chunks of CSV or JSON as a download named `filename` (`attachment`)."""
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return attachment(StreamingHttpResponse(chunks, content_type=content_type), filename)


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The header, then each row's cells (a list as words, a time in ISO 8601, a formula neutralised)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise(_cell(v)) for v in row])


def _cell(value):
    if isinstance(value, list):  # topics, previous names; a verdict's reasons as their sentences
        if any(isinstance(v, dict) for v in value):
            return "; ".join(str(v.get("text", v)) for v in value)
        return " ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _iso(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_array(items: Iterable[dict]) -> Iterator[str]:
    """A JSON array of these objects, one chunk each (times in ISO 8601)."""
    yield "["
    first = True
    for item in items:
        yield ("" if first else ",") + json.dumps(item, default=_iso)
        first = False
    yield "]"
