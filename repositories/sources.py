"""The documents imports came from (`Source`), kept as written with where each repository link
stands (`SourceEntry`), so a corrected document can be written later (`repositories.fixes`).

`source_keep` is called by the import service in the import's transaction; the reads below are
shared by the API, the pages and `runscan`.
"""

from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from repohealth.web.downloads import fit_filename
from repositories.bulk import insert_rows
from repositories.importers import ParseResult
from repositories.models import Repository, Source, SourceEntry, SourcePackage
from repositories.spans import line_and_column, line_starts

COLUMNS = ("source_id", "line", "column", "end_column", "url", "repository_id")
PACKAGE_COLUMNS = ("source_id", "ecosystem", "name", "version", "purl", "location", "repository_id", "provenance",
                   "reason")


def _source(*, text: str, format: str, label: str | None, filename: str | None, requested_by,
            ) -> tuple[Source, bool]:
    """(the source, whether it is new): the same label and file name with other text is the next
    version; the same text again is the same source. A name longer than a file system holds is cut,
    keeping its extension (`fit_filename`)."""
    label, filename = label or "", fit_filename(filename or "")
    latest = Source.objects.filter(label=label, filename=filename).order_by("-version").first()
    if latest is not None and latest.text == text and latest.format == format:
        return latest, False
    version = (Source.objects.filter(label=label, filename=filename).aggregate(v=Max("version"))["v"] or 0) + 1
    user = requested_by if getattr(requested_by, "pk", None) else None
    return Source.objects.create(label=label, filename=filename, format=format, text=text, version=version,
                                 created_by=user), True


def source_keep(*, parsed: ParseResult, label: str | None, filename: str | None, ids: dict[str, int],
                requested_by=None) -> Source:
    """Save the document and its links (`ids`: lower-cased owner/name -> repository id)."""
    source, new = _source(text=parsed.text, format=parsed.format, label=label, filename=filename,
                          requested_by=requested_by)
    if new:
        rows = [(source.id, line, column, end, url, ids.get(key))
                for line, column, end, url, key in link_places(parsed)]
        insert_rows(SourceEntry, COLUMNS, rows)  # COPY, or one executemany (bulk_create: 999 parameters)
    return source


def source_keep_packages(*, text: str, format: str, label: str | None, filename: str | None, rows: list[tuple],
                         requested_by=None) -> Source:
    """Save a dependency document and its packages (`rows`: (Package, resolver Mapping, repository
    id or None)). The same document again keeps its source and takes the new mappings, so that
    what deps.dev could not answer last time is mapped now."""
    source, new = _source(text=text, format=format, label=label, filename=filename, requested_by=requested_by)
    if not new:
        source.packages.all().delete()
    insert_rows(SourcePackage, PACKAGE_COLUMNS, (
        (source.id, package.ecosystem or "", package.name[:500], (package.version or "")[:200], package.purl or "",
         "" if package.location is None else str(package.location)[:300], repository_id,
         mapping.provenance or "", mapping.reason or "")
        for package, mapping, repository_id in rows))
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
    """Every source, newest first, with its number of links (`entry_count`) and of packages
    (`package_count`, a subquery: no join of the two)."""
    packages = (SourcePackage.objects.filter(source=OuterRef("pk")).order_by().values("source")
                .annotate(n=Count("id")).values("n"))
    return Source.objects.annotate(entry_count=Count("entries"),
                                   package_count=Coalesce(Subquery(packages), 0)).order_by("-created_at", "-id")


def source_entries(source: Source) -> QuerySet[SourceEntry]:
    return source.entries.select_related("repository").order_by("id")


def entry_span(starts: list[int], entry: SourceEntry) -> tuple[int, int] | None:
    """Where an entry stands in its source's text (`starts`: `line_starts` of that text)."""
    if entry.column is None or entry.line > len(starts):
        return None
    start = starts[entry.line - 1] + entry.column
    return start, start + (entry.end_column - entry.column)


def source_latest(source: Source) -> Source:
    """The latest version of `source`'s document (same label and file name): what a schedule or a
    subscription over a source follows, since importing the document again makes a new version."""
    return Source.objects.filter(label=source.label, filename=source.filename).order_by("-version").first() or source


def latest_version_id() -> Subquery:
    """The id of the latest version of the outer query's source's document (a correlated subquery)."""
    latest = Source.objects.filter(label=OuterRef("label"), filename=OuterRef("filename")).order_by("-version")
    return Subquery(latest.values("id")[:1])


def latest_sources() -> QuerySet[Source]:
    """The latest version of each imported document, newest first."""
    return Source.objects.filter(id=latest_version_id()).order_by("-created_at", "-id")


def source_name(source: Source) -> str:
    """A document as a person names it: its file name and label ("package-lock.json · web")."""
    return " · ".join(part for part in (source.filename or "pasted list", source.label) if part)


def source_repositories(source: Source) -> QuerySet[Repository]:
    """The repositories a source maps to, each once: those its links and its packages name."""
    linked = source.entries.filter(repository__isnull=False).values("repository_id")
    mapped = source.packages.filter(repository__isnull=False).values("repository_id")
    return Repository.objects.filter(Q(id__in=linked) | Q(id__in=mapped))
