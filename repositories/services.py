"""Repository services: import lists, accept new names, stop tracking. Nothing here knows of scans."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from repohealth.words import counted
from repositories import counts, dependencies, importers
from repositories.bulk import insert_ignoring_conflicts, insert_returning, insert_rows, temporary_table
from repositories.decoding import decode, size_of
from repositories.health import health_from_metadata
from repositories.history import record_person_changes
from repositories.importers import ImportRefused
from repositories.maintenance import ANSWERED, judge
from repositories.models import Label, Repository, SourcePackage
from repositories.resolver import UNREACHABLE, resolve
from repositories.sources import source_keep, source_keep_packages

__all__ = ["ImportPreview", "ImportRefused", "ImportReport", "MaintenanceRefused", "dependency_format",
           "packages_remap_unreachable", "repositories_accept_names", "repositories_delete", "repositories_import",
           "repositories_import_preview", "repositories_label", "repositories_set_maintenance",
           "repository_accept_name", "repository_delete", "repository_set_maintenance"]


@dataclass
class ImportReport:
    format: str
    label: str | None
    created: int = 0
    existing: int = 0
    duplicates: int = 0
    skipped: int = 0
    skipped_entries: list[dict] = field(default_factory=list)  # {line, text, reason}, like `invalid`
    invalid: list[dict] = field(default_factory=list)
    repository_ids: list[int] = field(default_factory=list)
    source_id: int | None = None  # the kept document (repositories.sources)
    # A dependency document (an SBOM, a lockfile): its packages, how many map to no repository,
    # the standard's validator's findings, and what deps.dev was asked.
    packages: int = 0
    unmapped: int = 0
    problems: list[dict] = field(default_factory=list)  # {location, reason}
    resolver: dict | None = None  # {requests, cached, unreachable}

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def summary(self) -> str:
        parts = [f"{self.created:,} new", f"{self.existing:,} already tracked"]
        if self.packages:
            parts.insert(0, f"{counted(self.packages, 'package')} → {counted(len(self.repository_ids), 'repository')} "
                            f"({self.unmapped:,} not mapped)")
        if self.duplicates:
            parts.append(f"{self.duplicates:,} duplicates merged")
        if self.skipped:
            parts.append(f"{self.skipped:,} non-repository links skipped")
        if self.invalid:
            parts.append(f"{len(self.invalid):,} invalid")
        return ", ".join(parts)


def _ids_by_name(names: list[str]) -> dict[str, int]:
    """Lower-cased name -> id, matching the canonical name, then (for what is left) the name
    as imported, so a moved repository is still found under the name its list holds (the first
    in the catalog's order, where several were imported under it). The names go to a temporary
    table the catalog's case-insensitive indexes are joined to: two queries for a million names,
    which read the indexes in their order when the names come sorted."""
    if not names:
        return {}
    catalog = connection.ops.quote_name(Repository._meta.db_table)
    found: dict[str, int] = {}
    with temporary_table("import_names", [("name", "text")], ((name,) for name in sorted(names))) as listed, \
            connection.cursor() as cursor:
        cursor.execute(f"SELECT n.name, r.id FROM {listed} n JOIN {catalog} r ON LOWER(r.full_name) = n.name")
        found.update(cursor.fetchall())
        cursor.execute(f"SELECT n.name, r.id FROM {listed} n JOIN {catalog} r ON LOWER(r.imported_name) = n.name "
                       "WHERE LOWER(r.full_name) <> n.name ORDER BY r.full_name")
        for key, pk in cursor.fetchall():
            found.setdefault(key, pk)
    return found


def _label(label: str | None) -> str | None:
    label = (label or "").strip() or None
    if label and len(label) > 100:
        raise ImportRefused("The label is longer than 100 characters.", reason="label")
    return label


def dependency_format(source: bytes | str, *, format: str | None, filename: str | None) -> str | None:
    """The dependency format of this document (an SBOM, a lockfile), or None for a list of
    links: `format` when given, then the file name, then the content."""
    if format:
        return str(format).strip().lower() if str(format).strip().lower() in dependencies.FORMATS else None
    found = dependencies.format_from_filename(filename)
    if found or importers.EXTENSIONS.get("." + (filename or "").rpartition(".")[2].lower()) == "markdown":
        return found
    if size_of(source) > settings.IMPORT_MAX_BYTES:
        return None  # not read to be told: the list import refuses it as too large
    return dependencies.detect_format(source if isinstance(source, str) else decode(source))[0]


def _invalid(item: dependencies.Invalid) -> dict:
    """A dependency entry not used, as the import report lists them: `line` when it has one,
    else its JSON pointer in `location`."""
    line = item.location if isinstance(item.location, int) else None
    return {"line": line, "location": str(item.location), "text": item.text, "reason": item.reason}


def _parse_dependencies(source: bytes | str, *, label: str | None, fmt: str, filename: str | None,
                        ) -> tuple[ImportReport, dict[str, str], dependencies.DependencyResult]:
    """The report of a dependency document, the repositories it declares (lower-cased -> as
    written) and the parse."""
    report = ImportReport(format=fmt, label=_label(label))
    parsed = dependencies.parse(source, format=fmt, filename=filename, max_bytes=settings.IMPORT_MAX_BYTES,
                                max_entries=settings.IMPORT_MAX_ENTRIES)
    report.duplicates, report.packages = parsed.duplicates, len(parsed.packages)
    report.invalid = [_invalid(item) for item in parsed.invalid]
    report.problems = [{"location": None if p.location is None else str(p.location), "reason": p.reason}
                       for p in parsed.problems]
    declared = {p.repository.lower(): p.repository for p in parsed.packages if p.repository}
    return report, declared, parsed


def _parse(source: bytes | str, *, label: str | None, format: str | None, filename: str | None,
           ) -> tuple[ImportReport, dict[str, importers.Entry], importers.ParseResult]:
    """The report of what the list holds (nothing counted against the catalog yet), its
    entries by lower-cased name, in file order, and the parse itself."""
    label = _label(label)
    parsed = importers.parse(source, format=format, filename=filename, max_bytes=settings.IMPORT_MAX_BYTES,
                             max_entries=settings.IMPORT_MAX_ENTRIES)
    report = ImportReport(format=parsed.format, label=label, duplicates=parsed.duplicates, skipped=parsed.skipped,
                          skipped_entries=[item.as_dict() for item in parsed.skipped_entries],
                          invalid=[item.as_dict() for item in parsed.invalid])
    return report, {entry.full_name.lower(): entry for entry in parsed.entries}, parsed


@dataclass
class ImportPreview:
    """What an import would do, before it does it: `report` counts what would be created and what
    is already tracked (its `repository_ids` are the tracked ones); the first names of each."""

    report: ImportReport
    new_names: list[str]
    tracked_names: list[str]


def repositories_import_preview(*, source: bytes | str, label: str | None = None, format: str | None = None,
                                filename: str | None = None, listed: int = 50) -> ImportPreview:
    """What `repositories_import` would do with this list; nothing is saved. Raises ImportRefused
    as the import would."""
    fmt = dependency_format(source, format=format, filename=filename)
    if fmt:  # the repositories the document declares (deps.dev is asked only by the import)
        report, names, _ = _parse_dependencies(source, label=label, fmt=fmt, filename=filename)
    else:
        report, by_key, _ = _parse(source, label=label, format=format, filename=filename)
        names = {key: entry.full_name for key, entry in by_key.items()}
    known = _ids_by_name(list(names))
    new = [name for key, name in names.items() if key not in known]
    report.created, report.existing = len(new), len(known)
    report.repository_ids = [known[key] for key in names if key in known]
    tracked = [name for key, name in names.items() if key in known]
    return ImportPreview(report=report, new_names=new[:listed], tracked_names=tracked[:listed])


def repositories_import(*, source: bytes | str, label: str | None = None, format: str | None = None,
                        filename: str | None = None, requested_by=None) -> ImportReport:
    """Parse a list, add what is new to the catalog, label it and keep the document as a `Source`
    (`report.source_id`). (Importing then scanning is `scans.services.import_and_scan`.)

    A dependency document (an SBOM, a lockfile: `dependency_format`) is read by
    `repositories.dependencies`; each package is kept with the repository it maps to
    (`repositories.resolver`, which may ask deps.dev) and how that is known.

    Raises ImportRefused (nothing saved) when the whole file is unusable. Bad lines never cost
    the good ones: they come back in `invalid` with their line number and reason.
    """
    fmt = dependency_format(source, format=format, filename=filename)
    if fmt:
        return _import_dependencies(source, fmt=fmt, label=label, filename=filename, requested_by=requested_by)
    report, by_key, parsed = _parse(source, label=label, format=format, filename=filename)
    with transaction.atomic():
        ids = _add_to_catalog(report, {key: entry.full_name for key, entry in by_key.items()})
        report.source_id = source_keep(parsed=parsed, label=report.label, filename=filename, ids=ids,
                                       requested_by=requested_by).id
    return report


def _import_dependencies(source: bytes | str, *, fmt: str, label: str | None, filename: str | None,
                         requested_by) -> ImportReport:
    """Read the packages, map each to its repository (deps.dev is asked before the transaction),
    add the repositories to the catalog and keep the document with its packages."""
    report, _, parsed = _parse_dependencies(source, label=label, fmt=fmt, filename=filename)
    resolution = resolve(parsed.packages)
    report.resolver = {"requests": resolution.requests, "cached": resolution.cached,
                       "unreachable": resolution.unreachable}
    names = {m.repository.lower(): m.repository for m in resolution.mappings if m.repository}
    report.unmapped = sum(1 for mapping in resolution.mappings if not mapping.repository)
    text = source if isinstance(source, str) else decode(source)
    with transaction.atomic():
        ids = _add_to_catalog(report, names)
        rows = [(package, mapping, ids.get(mapping.repository.lower()) if mapping.repository else None)
                for package, mapping in zip(parsed.packages, resolution.mappings, strict=True)]
        report.source_id = source_keep_packages(text=text, format=fmt, label=report.label, filename=filename,
                                                rows=rows, requested_by=requested_by).id
    return report


def packages_remap_unreachable(*, limit: int = 5_000) -> dict:
    """Ask deps.dev again for the packages it did not answer at their import (a maintenance
    task): what it answers now is mapped (the repositories added to the catalog with their
    source's label); what it still does not answer waits for the next pass."""
    rows = list(SourcePackage.objects.filter(reason=UNREACHABLE).select_related("source").order_by("id")[:limit])
    if not rows:
        return {"asked": 0, "mapped": 0}
    resolution = resolve([dependencies.Package(row.ecosystem or None, row.name, row.version or None, row.purl or None)
                          for row in rows])
    answered = [(row, mapping) for row, mapping in zip(rows, resolution.mappings, strict=True)
                if mapping.reason != UNREACHABLE]
    names = {m.repository.lower(): m.repository for _, m in answered if m.repository}
    with transaction.atomic():
        ids = _add_to_catalog(ImportReport(format="", label=None), names)
        by_label: dict[str, set[int]] = {}
        for row, mapping in answered:
            row.repository_id = ids.get(mapping.repository.lower()) if mapping.repository else None
            row.provenance, row.reason = mapping.provenance or "", mapping.reason or ""
            if row.repository_id and row.source.label:
                by_label.setdefault(row.source.label, set()).add(row.repository_id)
        SourcePackage.objects.bulk_update([row for row, _ in answered], ["repository", "provenance", "reason"],
                                          batch_size=500)
        for label, repository_ids in by_label.items():
            _attach_label(label, repository_ids)
    return {"asked": len(rows), "mapped": sum(1 for row, _ in answered if row.repository_id),
            "requests": resolution.requests}


def _add_to_catalog(report: ImportReport, names: dict[str, str]) -> dict[str, int]:
    """Add what is new of these repositories (lower-cased -> as written, in file order) to the
    catalog and label them all; counts them in `report`; lower-cased name -> id."""
    keys = list(names)
    known = _ids_by_name(keys)
    created = _insert_repositories([names[key] for key in sorted(keys) if key not in known])
    report.created = len(created)
    counts.added(report.created)
    ids = dict(created)
    # a name another import added meanwhile (its row won the conflict): tracked already
    known.update(_ids_by_name([key for key in keys if key not in known and key not in ids]))
    ids.update(known)
    report.existing = len(known)
    report.repository_ids = [ids[key] for key in keys if key in ids]
    if report.label:
        _attach_label(report.label, report.repository_ids, created=created.values())
    return ids


def _insert_repositories(names: list[str]) -> dict[str, int]:
    """New catalog rows; lower-cased name -> id of each row created (a name that appeared
    meanwhile, from another import, is skipped and not in it). Given in the order of the
    case-insensitive name index, they are written 4 times faster than in a list's order on SQLite
    (a million rows: each index page is written once, not read again and again)."""
    created = insert_returning(Repository, ("imported_name", "full_name", "html_url"),
                               ((name, name, f"https://github.com/{name}") for name in names), ("full_name", "id"))
    return {full_name.lower(): pk for full_name, pk in created}


def _attach_label(name: str, repository_ids: Iterable[int], created: Iterable[int] = ()) -> int:
    """Label these repositories (in the order of the index, which SQLite writes fastest); those
    this transaction `created` carry no label yet, so theirs are plainly inserted (COPY). How many
    did not carry it yet (what the label's kept count adds)."""
    label, _ = Label.objects.get_or_create(name=name)
    columns, new = ("repository_id", "label_id"), set(created)
    insert_rows(Repository.labels.through, columns, ((pk, label.id) for pk in sorted(new)))
    attached = len(new) + insert_ignoring_conflicts(Repository.labels.through, columns,
                                                    ((pk, label.id) for pk in sorted(set(repository_ids) - new)))
    counts.labelled(label.id, attached)
    return attached


def repository_accept_name(*, repository: Repository) -> Repository:
    """A person accepts the new name of a moved repository: it stops showing `moved`."""
    with counts.tracked([repository.pk]):
        return _accept_name(repository)


def _accept_name(repository: Repository) -> Repository:
    """`repository_accept_name`, the counts kept by the caller."""
    if not repository.has_moved:
        return repository
    repository.imported_name = repository.full_name
    if repository.health == Repository.Health.MOVED:
        repository.health, repository.health_detail = health_from_metadata(repository)
    repository.save(update_fields=["imported_name", "health", "health_detail"])
    return repository


class MaintenanceRefused(ValueError):
    """An override the catalog cannot keep; `field` names the value that was wrong."""

    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


NOTE_MAX = Repository._meta.get_field("maintenance_note").max_length
OVERRIDE_FIELDS = ["maintenance_override", "maintenance_note", "maintenance_override_by", "maintenance_override_at"]


def _override_of(repository: Repository) -> dict | None:
    """An override as the history keeps it: its value, note and who said it."""
    if not repository.maintenance_override:
        return None
    return {"value": repository.maintenance_override, "note": repository.maintenance_note,
            "by": repository.maintenance_override_by}


def repository_set_maintenance(*, repository: Repository, override: str | None, note: str = "",
                               user=None) -> Repository:
    """A person's word on whether a repository is looked after: `finished`, `inactive` or
    `deprecated` over every signal, or None to give the verdict back to the signals; with a note.
    Who and when are kept with it; the verdict, and the health it decides (`stale` is exactly
    `inactive`), follow at once. The history keeps each change, with no alert event. Saying the
    same again changes nothing. Raises MaintenanceRefused for a value it cannot keep."""
    with counts.tracked([repository.pk]):
        return _set_maintenance(repository, override=override, note=note, user=user)


def _set_maintenance(repository: Repository, *, override: str | None, note: str, user) -> Repository:
    """`repository_set_maintenance`, the counts kept by the caller."""
    override, note = override or "", (note or "").strip()
    if override and override not in Repository.Override.values:
        raise MaintenanceRefused("maintenance_override",
                                 f"{override!r} is not one of {', '.join(Repository.Override.values)} (or null).")
    if len(note) > NOTE_MAX:
        raise MaintenanceRefused("maintenance_note", f"longer than {NOTE_MAX} characters.")
    if (override, note if override else "") == (repository.maintenance_override, repository.maintenance_note):
        return repository  # the same word again, or clearing what is not set
    now, who = timezone.now(), user.get_username() if user is not None else ""
    before = (_override_of(repository), repository.maintenance, repository.health)
    repository.maintenance_override, repository.maintenance_note = override, note if override else ""
    repository.maintenance_override_by, repository.maintenance_override_at = (who, now) if override else ("", None)
    judge(repository, now=now)
    if repository.health in ANSWERED:  # GitHub answered with it: its health follows the verdict
        repository.health, repository.health_detail = health_from_metadata(repository)
    said = _override_of(repository) or {"value": None, "note": note, "by": who}
    with transaction.atomic():
        repository.save(update_fields=[*OVERRIDE_FIELDS, "declared", "successor", "maintenance",
                                       "maintenance_reasons", "health", "health_detail"])
        record_person_changes(repository=repository, at=now, found=[
            ("maintenance_override", before[0], said), ("maintenance", before[1], repository.maintenance),
            ("health", before[2], repository.health)])
    return repository


def repository_delete(*, repository: Repository) -> None:
    """Stop tracking a repository; scan results keep the name they checked."""
    with counts.tracked([repository.pk], labels=True):
        repository.delete()


# --- the same, for a selection of the catalog page ---------------------------------------------
def repositories_accept_names(*, ids: Iterable[int]) -> int:
    """Accept the new name of every moved repository among these; how many were accepted."""
    accepted, ids = 0, list(ids)
    with counts.tracked(ids):
        for repository in Repository.objects.filter(id__in=ids).exclude(imported_name=F("full_name")):
            if repository.has_moved:  # the names may differ in case only: that is no move
                _accept_name(repository)
                accepted += 1
    return accepted


def repositories_label(*, ids: Iterable[int], label: str, add: bool) -> int:
    """Put a label on these repositories (made if new), or take it off; how many changed."""
    label = (label or "").strip()
    if not label or len(label) > 100:
        raise ValueError("A label is 1 to 100 characters.")
    ids = list(Repository.objects.filter(id__in=list(ids)).values_list("id", flat=True))
    with transaction.atomic():
        if add:
            return _attach_label(label, ids)
        found = Label.objects.filter(name=label).first()
        if found is None:
            return 0
        removed = Repository.labels.through.objects.filter(label=found, repository_id__in=ids).delete()[0]
        counts.labelled(found.id, -removed)
        return removed


def repositories_set_maintenance(*, ids: Iterable[int], override: str | None, note: str = "", user=None) -> int:
    """`repository_set_maintenance` for each of these repositories that does not carry this override
    already (their notes are kept); how many it changed."""
    changed, ids = 0, list(ids)
    with counts.tracked(ids):
        chosen = Repository.objects.filter(id__in=ids).exclude(maintenance_override=override or "")
        for repository in chosen.order_by("id"):
            before = (repository.maintenance_override, repository.maintenance_note)
            _set_maintenance(repository, override=override, note=note, user=user)
            changed += before != (repository.maintenance_override, repository.maintenance_note)
    return changed


def repositories_delete(*, ids: Iterable[int]) -> int:
    """Stop tracking these repositories; how many were removed."""
    ids = list(ids)
    with counts.tracked(ids, labels=True):
        deleted = Repository.objects.filter(id__in=ids).delete()[1]
    return deleted.get(Repository._meta.label, 0)
