"""The catalog as a file: CSV or JSON, streamed. The API's export (filters) and the catalog
page's "Export" of a selection both answer with `export_response`."""

from __future__ import annotations

import csv
import json

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
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_chunks(rows), content_type="application/json")
    return attachment(response, f"repositories.{fmt}")


class _Echo:
    def write(self, value):
        return value


def _csv_lines(rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_FIELDS)
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


def _json_chunks(rows):
    yield "["
    first = True
    for row in rows:
        item = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in zip(EXPORT_FIELDS, row, strict=True)}
        yield ("" if first else ",") + json.dumps(item)
        first = False
    yield "]"
