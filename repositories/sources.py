"""The documents imports came from (`Source`), kept as written with where each repository link
stands (`SourceEntry`), so a corrected document can be written later (`repositories.fixes`).

`source_keep` is called by the import service in the import's transaction; the reads below are
shared by the API, the pages and `runscan`.
"""

from __future__ import annotations

from django.db.models import Count, Max, QuerySet

from repohealth.web.downloads import fit_filename
from repositories.bulk import insert_ignoring_conflicts
from repositories.importers import ParseResult
from repositories.models import Source, SourceEntry
from repositories.spans import line_and_column, line_starts

COLUMNS = ("source_id", "line", "column", "end_column", "url", "repository_id")


def source_keep(*, parsed: ParseResult, label: str | None, filename: str | None, ids: dict[str, int],
                requested_by=None) -> Source:
    """Save the document and its links (`ids`: lower-cased owner/name -> repository id). The same
    label and file name with other text is the next version; the same text again is the same source.
    A name longer than a file system holds is cut, keeping its extension (`fit_filename`)."""
    label, filename = label or "", fit_filename(filename or "")
    latest = Source.objects.filter(label=label, filename=filename).order_by("-version").first()
    if latest is not None and latest.text == parsed.text and latest.format == parsed.format:
        return latest
    version = (Source.objects.filter(label=label, filename=filename).aggregate(v=Max("version"))["v"] or 0) + 1
    user = requested_by if getattr(requested_by, "pk", None) else None
    source = Source.objects.create(label=label, filename=filename, format=parsed.format, text=parsed.text,
                                   version=version, created_by=user)
    rows = [(source.id, line, column, end, url, ids.get(key)) for line, column, end, url, key in link_places(parsed)]
    insert_ignoring_conflicts(SourceEntry, COLUMNS, rows)  # one executemany (bulk_create: 999 parameters)
    return source


def link_places(parsed: ParseResult) -> list[tuple[int, int | None, int | None, str, str]]:
    """Each link of a parse as (line, column, end column, url as written, lower-cased owner/name)."""
    starts = line_starts(parsed.text)
    places = []
    for link in parsed.links:
        key = link.full_name.lower()
        if link.start is None:
            places.append((link.line, None, None, link.text, key))
            continue
        line, column = line_and_column(starts, link.start)
        places.append((line, column, column + (link.end - link.start), parsed.text[link.start:link.end], key))
    return places


def sources() -> QuerySet[Source]:
    """Every source, newest first, with its number of entries (`entry_count`)."""
    return Source.objects.annotate(entry_count=Count("entries")).order_by("-created_at", "-id")


def source_entries(source: Source) -> QuerySet[SourceEntry]:
    return source.entries.select_related("repository").order_by("id")


def entry_span(starts: list[int], entry: SourceEntry) -> tuple[int, int] | None:
    """Where an entry stands in its source's text (`starts`: `line_starts` of that text)."""
    if entry.column is None or entry.line > len(starts):
        return None
    start = starts[entry.line - 1] + entry.column
    return start, start + (entry.end_column - entry.column)
