"""Helpers for the fix tests: import a document, then give its repositories the state a scan
would have left (without a scan: the fix reads only the catalog)."""

from __future__ import annotations

from repositories.models import Repository, Source
from repositories.services import repositories_import

Health = Repository.Health


def imported(text: str | bytes, *, filename: str = "README.md", label: str = "awesome") -> Source:
    report = repositories_import(source=text, label=label, filename=filename)
    return Source.objects.get(id=report.source_id)


def moved(old: str, new: str, *, health: str = Health.MOVED, **fields) -> Repository:
    repo = Repository.objects.get(full_name__iexact=old)
    repo.previous_names = [*repo.previous_names, repo.full_name]
    repo.full_name, repo.health = new, health
    for name, value in fields.items():
        setattr(repo, name, value)
    repo.save()
    return repo


def state(name: str, health: str, **fields) -> Repository:
    repo = Repository.objects.get(full_name__iexact=name)
    repo.health = health
    repo.archived = health == Health.ARCHIVED
    for key, value in fields.items():
        setattr(repo, key, value)
    repo.save()
    return repo
