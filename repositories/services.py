"""Repository services: import lists, accept new names, stop tracking. Nothing here knows of scans."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.db.models.functions import Lower

from repositories import importers
from repositories.bulk import insert_ignoring_conflicts
from repositories.health import health_from_metadata
from repositories.importers import ImportRefused
from repositories.models import Label, Repository

LOOKUP_CHUNK = 5000

__all__ = ["ImportRefused", "ImportReport", "repositories_import", "repository_accept_name", "repository_delete"]


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

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def summary(self) -> str:
        parts = [f"{self.created:,} new", f"{self.existing:,} already tracked"]
        if self.duplicates:
            parts.append(f"{self.duplicates:,} duplicates merged")
        if self.skipped:
            parts.append(f"{self.skipped:,} non-repository links skipped")
        if self.invalid:
            parts.append(f"{len(self.invalid):,} invalid")
        return ", ".join(parts)


def _ids_by_name(names: list[str], columns: tuple[str, ...] = ("full_name", "imported_name")) -> dict[str, int]:
    """Lower-cased name -> id, matching the canonical name, then (for what is left) the name
    as imported, so a moved repository is still found under the name its list holds."""
    found: dict[str, int] = {}
    for column in columns:
        wanted = [name for name in names if name not in found]
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            rows = (
                Repository.objects.annotate(key=Lower(column))
                .filter(key__in=wanted[start:start + LOOKUP_CHUNK])
                .values_list("key", "id")
            )
            for key, pk in rows:
                found.setdefault(key, pk)
    return found


def repositories_import(*, source: bytes | str, label: str | None = None, format: str | None = None,
                        filename: str | None = None) -> ImportReport:
    """Parse a list, add what is new to the catalog and label it. (Importing then scanning is
    `scans.services.import_and_scan`.)

    Raises ImportRefused (nothing saved) when the whole file is unusable. Bad lines never cost
    the good ones: they come back in `invalid` with their line number and reason.
    """
    label = (label or "").strip() or None
    if label and len(label) > 100:
        raise ImportRefused("The label is longer than 100 characters.", reason="label")
    parsed = importers.parse(source, format=format, filename=filename, max_bytes=settings.IMPORT_MAX_BYTES,
                             max_entries=settings.IMPORT_MAX_ENTRIES)
    report = ImportReport(format=parsed.format, label=label, duplicates=parsed.duplicates, skipped=parsed.skipped,
                          skipped_entries=[item.as_dict() for item in parsed.skipped_entries],
                          invalid=[item.as_dict() for item in parsed.invalid])
    by_key = {entry.full_name.lower(): entry for entry in parsed.entries}
    keys = list(by_key)
    with transaction.atomic():
        known = _ids_by_name(keys)
        new = [by_key[key] for key in keys if key not in known]
        _insert_repositories([e.full_name for e in new])
        ids = _ids_by_name([e.full_name.lower() for e in new], columns=("full_name",)) if new else {}
        ids.update(known)
        report.created = sum(1 for e in new if e.full_name.lower() in ids)
        report.existing = len(known)
        report.repository_ids = [ids[key] for key in keys if key in ids]
        if label:
            _attach_label(label, report.repository_ids)
    return report


def _insert_repositories(names: list[str]) -> None:
    """New catalog rows; a name that appeared meanwhile (another import) is skipped."""
    insert_ignoring_conflicts(Repository, ("imported_name", "full_name", "html_url"),
                              ((name, name, f"https://github.com/{name}") for name in names))


def _attach_label(name: str, repository_ids: Iterable[int]) -> None:
    label, _ = Label.objects.get_or_create(name=name)
    insert_ignoring_conflicts(Repository.labels.through, ("repository_id", "label_id"),
                              ((pk, label.id) for pk in repository_ids))


def repository_accept_name(*, repository: Repository) -> Repository:
    """A person accepts the new name of a moved repository: it stops showing `moved`."""
    if not repository.has_moved:
        return repository
    repository.imported_name = repository.full_name
    if repository.health == Repository.Health.MOVED:
        repository.health, repository.health_detail = health_from_metadata(
            repository, now=timezone.now(), stale_days=settings.SCAN_STALE_DAYS)
    repository.save(update_fields=["imported_name", "health", "health_detail"])
    return repository


def repository_delete(*, repository: Repository) -> None:
    """Stop tracking a repository; scan results keep the name they checked."""
    repository.delete()
