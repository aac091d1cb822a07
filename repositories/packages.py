"""A dependency document's packages as its source's page (`/sources/{id}/`), `GET
/api/sources/{id}/dependencies`, their CSV and JSON exports and the alerts read them, each idea
defined once:

- `package_row`: one package: the API's row and the JSON export's item, from its `PACKAGE_VALUES`,
  which are also the CSV export's line;
- `packages_filtered`: the filters of the page, the API and the exports (`ecosystem`,
  `provenance`, `health`, `maintenance`: comma-separated; `mapped`, `name_reused`: yes or no). A
  value that is not one of the choices is an InvalidFilter that names it, never ignored;
- `source_summary` and `summary_parts`: the counts on top of the page and the API's `summary`
  ("412 packages → 388 repositories: 9 archived, 4 deprecated, 17 inactive, 1 name re-used,
  24 not mapped"); a repository behind several packages (a monorepo) is counted once;
- `packages_behind`: the packages of a source behind each repository (a monorepo lists them all);
  `packages_text` names them as an alert does ("`left-pad@1.3.0` (npm)").
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.http import StreamingHttpResponse

from repohealth.words import counted
from repositories.dependencies import FORMATS as DEPENDENCY_FORMATS
from repositories.export import CHUNK, csv_chunks, download, json_array
from repositories.filters import TRUE_WORDS, YES_NO_WORDS, filter_choices
from repositories.models import Repository, Source, SourcePackage

Health = Repository.Health
Maintenance = Repository.Maintenance
RESOLVER = "resolver:"
# deps.dev found the repository in the package's own metadata, and nothing checks that the
# repository claims the package: how repo-jacking starts.
UNVERIFIED = "resolver:UNVERIFIED_METADATA"
# The provenance filter: each package is exactly one of these but `resolver` (any deps.dev answer).
PROVENANCES = {
    "declared": Q(provenance="declared"),
    "module_path": Q(provenance="module_path"),
    "resolver": Q(provenance__startswith=RESOLVER),
    "verified": Q(provenance__startswith=RESOLVER) & ~Q(provenance=UNVERIFIED),
    "unverified": Q(provenance=UNVERIFIED),
    "none": Q(provenance=""),
}
PROVENANCE_CHOICES = [
    ("declared", "Declared by the file"), ("module_path", "Go module path"), ("resolver", "deps.dev (any)"),
    ("verified", "deps.dev, verified"), ("unverified", "deps.dev, unverified"), ("none", "None (not mapped)"),
]
FILTERS = ("ecosystem", "provenance", "health", "maintenance", "mapped", "name_reused")
CSV_FIELDS = ("ecosystem", "name", "version", "purl", "repository", "repository_id", "health", "maintenance",
              "maintenance_reasons", "name_reused", "provenance", "reason")
# What a package's row is made of, a column each of CSV_FIELDS: its own values and its repository's
# (None when it maps to none).
PACKAGE_VALUES = ("ecosystem", "name", "version", "purl", "repository__full_name", "repository_id",
                  "repository__health", "repository__maintenance", "repository__maintenance_reasons",
                  "repository__name_reused", "provenance", "reason")


def is_dependency_document(source: Source) -> bool:
    """An SBOM or a lockfile (its packages are the point), not a list of links (its fix is)."""
    return source.format in DEPENDENCY_FORMATS


def source_packages(source: Source) -> QuerySet[SourcePackage]:
    """The packages of a source in file order, each with its repository."""
    return source.packages.select_related("repository").order_by("id")


def ecosystems(source: Source) -> list[str]:
    """The ecosystems this document's packages belong to: what the `ecosystem` filter takes."""
    return list(source.packages.exclude(ecosystem="").order_by("ecosystem").values_list("ecosystem", flat=True)
                .distinct())


# --- the filters --------------------------------------------------------------------------------------
def _yes_or_no(params, name: str) -> bool | None:
    """`yes` (true, 1) or `no` (false, 0); None when absent (or both are given)."""
    said = {value in TRUE_WORDS for value in filter_choices(params, name, YES_NO_WORDS)}
    return said.pop() if len(said) == 1 else None


def packages_filtered(source: Source, params) -> QuerySet[SourcePackage]:
    """The packages of `source` these query parameters select, in file order; InvalidFilter names
    the first parameter with a value that is not one of its choices."""
    rows = source_packages(source)
    if params.get("ecosystem"):
        rows = rows.filter(ecosystem__in=filter_choices(params, "ecosystem", ecosystems(source)))
    if provenance := filter_choices(params, "provenance", PROVENANCES):
        rows = rows.filter(reduce(or_, (PROVENANCES[kind] for kind in provenance)))
    if health := filter_choices(params, "health", Health.values):
        rows = rows.filter(repository__health__in=health)
    if maintenance := filter_choices(params, "maintenance", Maintenance.values):
        rows = rows.filter(repository__maintenance__in=maintenance)
    if (mapped := _yes_or_no(params, "mapped")) is not None:
        rows = rows.filter(repository__isnull=not mapped)
    if (reused := _yes_or_no(params, "name_reused")) is not None:
        rows = rows.filter(repository__name_reused=reused)  # an unmapped package is neither
    return rows


def chosen_filters(params) -> dict[str, str]:
    """The package filters as the query string gave them ('' when absent)."""
    return {name: params.get(name) or "" for name in FILTERS}


def provenance_words(provenance: str) -> tuple[str, str]:
    """(a few words, the sentence behind them) saying how a package's repository is known."""
    if provenance == "declared":
        return "declared", "the document itself names the repository"
    if provenance == "module_path":
        return "module path", "the Go module path names the repository"
    if provenance == UNVERIFIED:
        return "unverified", ("deps.dev found it in the package's own metadata, and nothing checks that the "
                              "repository claims the package: how repo-jacking starts")
    if provenance.startswith(RESOLVER):
        how = provenance.removeprefix(RESOLVER)
        return f"deps.dev: {how.lower().replace('_', ' ')}", f"deps.dev says so, verified by {how}"
    return "—", "no repository known"


# --- one package ----------------------------------------------------------------------------------------
def package_row(package: SourcePackage) -> dict:
    """One package as the API answers it and the JSON export writes it."""
    return _row([_value(package, column) for column in PACKAGE_VALUES])


def _value(package: SourcePackage, column: str):
    """The value a column of PACKAGE_VALUES names, read off the package (None past a missing repository)."""
    value = package
    for name in column.split("__"):
        value = None if value is None else getattr(value, name)
    return value


def _row(values) -> dict:
    """A package's row of its PACKAGE_VALUES."""
    (ecosystem, name, version, purl, full_name, repository_id, health, maintenance, reasons, name_reused,
     provenance, reason) = values
    return {"ecosystem": ecosystem or None, "name": name, "version": version or None, "purl": purl or None,
            "repository": None if repository_id is None else {
                "id": repository_id, "full_name": full_name, "health": health, "maintenance": maintenance,
                "maintenance_reasons": reasons, "name_reused": name_reused},
            "provenance": provenance or None, "reason": reason or None}


def packages_export(rows: QuerySet[SourcePackage], fmt: str, filename: str) -> StreamingHttpResponse:
    """These packages streamed as CSV (CSV_FIELDS) or JSON (a list of `package_row`s), read as
    values (`repositories.export`), no package loaded."""
    total = rows.count()
    if fmt == "csv":
        return download(csv_chunks(CSV_FIELDS, rows, PACKAGE_VALUES), fmt, filename, total)
    items = (_row(values) for values in rows.values_list(*PACKAGE_VALUES).iterator(chunk_size=CHUNK))
    return download(json_array(items), fmt, filename, total)


def package_spec(package: SourcePackage) -> str:
    """`name@version`, or the name alone when the document pins no version."""
    return f"{package.name}@{package.version}" if package.version else package.name


def packages_text(packages: Iterable[SourcePackage]) -> str:
    """"`a@1`, `b@2` (npm), `c` (pypi)": each package in backticks, grouped by ecosystem in the
    order they first appear."""
    groups: dict[str, list[str]] = {}
    for package in packages:
        groups.setdefault(package.ecosystem, []).append(f"`{package_spec(package)}`")
    return ", ".join(", ".join(names) + (f" ({ecosystem})" if ecosystem else "") for ecosystem, names in groups.items())


def packages_behind(source: Source, repository_ids: Iterable[int]) -> dict[int, list[SourcePackage]]:
    """The packages of `source` behind each of these repositories, in file order (several for a
    monorepo); one query."""
    behind: dict[int, list[SourcePackage]] = {}
    for package in source.packages.filter(repository_id__in=set(repository_ids)).order_by("id"):
        behind.setdefault(package.repository_id, []).append(package)
    return behind


# --- the counts ----------------------------------------------------------------------------------------
def source_summary(source: Source) -> dict:
    """The packages of a source and the repositories they map to, each repository counted once
    (however many of its packages the document holds), by health and maintenance verdict, those
    whose name now belongs to another repository, and the counts line (`text`)."""
    packages = source.packages
    repositories = Repository.objects.filter(id__in=packages.filter(repository__isnull=False).values("repository_id"))

    def counts(field: str) -> dict[str, int]:
        return dict(repositories.order_by().values_list(field).annotate(n=Count("id")))

    summary = {"packages": packages.count(), "repositories": repositories.count(),
               "not_mapped": packages.filter(repository__isnull=True).count(),
               "health": counts("health"), "maintenance": counts("maintenance"),
               "name_reused": repositories.filter(name_reused=True).count()}
    summary["text"] = summary_text(summary)
    return summary


# The counts line's parts, in order: (words, its count in a summary, the filter that lists those
# packages, shown even at 0). Dead repositories are named only when there are some.
PARTS = (
    ("archived", lambda s: s["health"].get(Health.ARCHIVED, 0), {"health": Health.ARCHIVED}, True),
    ("deprecated", lambda s: s["maintenance"].get(Maintenance.DEPRECATED, 0), {"maintenance": Maintenance.DEPRECATED},
     True),
    ("inactive", lambda s: s["maintenance"].get(Maintenance.INACTIVE, 0), {"maintenance": Maintenance.INACTIVE}, True),
    ("not found", lambda s: s["health"].get(Health.NOT_FOUND, 0), {"health": Health.NOT_FOUND}, False),
    ("blocked", lambda s: s["health"].get(Health.BLOCKED, 0), {"health": Health.BLOCKED}, False),
    ("name re-used", lambda s: s["name_reused"], {"name_reused": "yes"}, True),
    ("not mapped", lambda s: s["not_mapped"], {"mapped": "no"}, True),
)


def summary_parts(summary: dict) -> list[tuple[int, str, dict[str, str]]]:
    """(count, words, filter) of each part of the counts line."""
    return [(count, words, params) for words, count_of, params, always in PARTS
            if (count := count_of(summary)) or always]


def summary_text(summary: dict) -> str:
    """"412 packages → 388 repositories: 9 archived, 4 deprecated, 17 inactive, 1 name re-used,
    24 not mapped"."""
    counts = ", ".join(f"{count:,} {words}" for count, words, _ in summary_parts(summary))
    return f"{counted(summary['packages'], 'package')} → {counted(summary['repositories'], 'repository')}: {counts}"
