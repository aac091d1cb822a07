"""From a package to its repository, and how we know.

`resolve` maps every package of a dependency document: what the document declares (or a Go
module path names) is kept as it is; the rest is asked of deps.dev (`repositories/depsdev.py`),
each distinct package once, DEPSDEV_MAX_CONCURRENT at a time, within DEPSDEV_TIMEOUT_SECONDS for
the whole import. Answers (a repository, or none known) are kept in the database
(`ResolverAnswer`) for DEPSDEV_CACHE_HOURS. What is not answered in time, or an unreachable
deps.dev, never fails an import: those packages map to nothing with the reason UNREACHABLE, and
are asked again on the next import.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from packageurl import PackageURL
from packaging.utils import canonicalize_name

from repositories.dependencies import Package
from repositories.depsdev import NO_REPOSITORY, SYSTEMS, DepsDev, Found
from repositories.models import ResolverAnswer

UNREACHABLE = "resolver unreachable; will retry"
NOT_COVERED = "no repository known (deps.dev does not cover this ecosystem)"
Key = tuple[str, str, str]  # deps.dev system, name, version ("" for the default version)


@dataclass(frozen=True)
class Mapping:
    repository: str | None  # owner/name
    provenance: str | None  # "declared", "module_path", "resolver:<how>"
    reason: str | None = None  # why no repository


@dataclass
class Resolution:
    mappings: list[Mapping]  # one per package, in order
    requests: int = 0  # sent to deps.dev
    cached: int = 0  # distinct packages answered from the cache
    unreachable: int = 0  # distinct packages left for the next import


def query_key(package: Package) -> Key | None:
    """What deps.dev is asked for this package; None when deps.dev cannot be asked."""
    system = SYSTEMS.get((package.ecosystem or "").lower())
    if system is None:
        return None
    name = package.name
    if package.purl:
        try:
            purl = PackageURL.from_string(package.purl)
        except ValueError:
            purl = None
        if purl is not None and purl.type == package.ecosystem:
            separator = ":" if system == "MAVEN" else "/"
            name = f"{purl.namespace}{separator}{purl.name}" if purl.namespace else purl.name
    if system == "PYPI":
        name = canonicalize_name(name)
    key = (system, name, package.version or "")
    return key if len(name) <= 500 and len(key[2]) <= 200 else None


def resolve(packages: list[Package]) -> Resolution:
    keys = [None if package.repository else query_key(package) for package in packages]
    wanted = list(dict.fromkeys(key for key in keys if key is not None))
    found = _cached(wanted)
    resolution = Resolution(mappings=[], cached=len(found))
    asked = [key for key in wanted if key not in found]
    if asked:
        answers, resolution.requests = _ask(asked)
        _remember(answers)
        found.update(answers)
        resolution.unreachable = len(asked) - len(answers)
    resolution.mappings = [_mapping(package, key, found) for package, key in zip(packages, keys, strict=True)]
    return resolution


def _mapping(package: Package, key: Key | None, found: dict[Key, Found]) -> Mapping:
    if package.repository:
        return Mapping(package.repository, package.provenance)
    if key is None:
        return Mapping(None, None, NOT_COVERED if package.ecosystem else NO_REPOSITORY)
    answer = found.get(key)
    if answer is None:
        return Mapping(None, None, UNREACHABLE)
    if answer.repository is None:
        return Mapping(None, None, answer.reason or NO_REPOSITORY)
    return Mapping(answer.repository, f"resolver:{answer.how}")


def _ask(keys: list[Key]) -> tuple[dict[Key, Found], int]:
    """deps.dev's answers for these keys, those it gave in time; and the requests it took."""
    deadline = time.monotonic() + settings.DEPSDEV_TIMEOUT_SECONDS
    client = DepsDev(settings.DEPSDEV_API_URL, deadline=deadline, pool_size=settings.DEPSDEV_MAX_CONCURRENT)
    pool = ThreadPoolExecutor(max_workers=settings.DEPSDEV_MAX_CONCURRENT, thread_name_prefix="depsdev")
    try:
        futures = {pool.submit(client.source_repository, system, name, version or None): (system, name, version)
                   for system, name, version in keys}
        wait(futures, timeout=max(0.0, deadline - time.monotonic()))
        answers = {}
        for future, key in futures.items():
            if future.done() and not future.cancelled() and future.exception() is None:  # else: next import
                answers[key] = future.result()
        if all(future.done() for future in futures):
            client.close()
        return answers, client.requests
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # what runs on stops at the deadline


def _cached(keys: list[Key]) -> dict[Key, Found]:
    if not keys or settings.DEPSDEV_CACHE_HOURS <= 0:
        return {}
    wanted = set(keys)
    since = timezone.now() - timedelta(hours=settings.DEPSDEV_CACHE_HOURS)
    names = sorted({name for _, name, _ in keys})
    found = {}
    for start in range(0, len(names), 500):
        rows = ResolverAnswer.objects.filter(name__in=names[start:start + 500], fetched_at__gte=since)
        for row in rows.only("system", "name", "version", "repository", "how", "reason"):
            key = (row.system, row.name, row.version)
            if key in wanted:
                found[key] = Found(row.repository or None, how=row.how or None, reason=row.reason or None)
    return found


def _remember(answers: dict[Key, Found]) -> None:
    now = timezone.now()
    rows = [ResolverAnswer(system=system, name=name, version=version, repository=answer.repository or "",
                           how=(answer.how or "")[:40], reason=(answer.reason or "")[:200], fetched_at=now)
            for (system, name, version), answer in answers.items()]
    ResolverAnswer.objects.bulk_create(rows, batch_size=500, update_conflicts=True,
                                       unique_fields=["system", "name", "version"],
                                       update_fields=["repository", "how", "reason", "fetched_at"])
