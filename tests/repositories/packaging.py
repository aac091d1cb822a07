"""A kept dependency document with exactly the packages, mappings and repositories a test needs,
written straight to the tables an import writes (`Source`, `SourcePackage`, `Repository`), so that
a page, the API or an alert can be read without an import or a resolver in between."""

from __future__ import annotations

from repositories.models import Repository, Source, SourcePackage

Health = Repository.Health
Maintenance = Repository.Maintenance


def repository(full_name: str, **fields) -> Repository:
    """The repository of that name, made (healthy, active) when absent; `fields` set on it."""
    repo, _ = Repository.objects.get_or_create(
        full_name=full_name, defaults={"imported_name": full_name, "health": Health.HEALTHY,
                                       "maintenance": Maintenance.ACTIVE})
    for name, value in fields.items():
        setattr(repo, name, value)
    if fields:
        repo.save()
    return repo


def dependency_source(*packages: tuple, filename: str = "package-lock.json", label: str = "web",
                      format: str = "package-lock", version: int = 1) -> Source:
    """A dependency document whose packages are (ecosystem, name, version, repository full name or
    None, provenance); an unmapped one has the reason "no repository known"."""
    source = Source.objects.create(label=label, filename=filename, format=format, text="{}", version=version)
    for ecosystem, name, pinned, full_name, provenance in packages:
        SourcePackage.objects.create(
            source=source, ecosystem=ecosystem, name=name, version=pinned or "",
            purl=f"pkg:{ecosystem}/{name.replace('@', '%40')}@{pinned}" if pinned else "",
            repository=repository(full_name) if full_name else None, provenance=provenance,
            reason="" if full_name else "no repository known")
    return source
