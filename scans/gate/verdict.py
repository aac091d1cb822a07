"""The gate's verdict: which conditions each package's repository meets, and which of them fail
the gate (`--fail-on`).

| condition     | the package's repository                                               |
|---------------|------------------------------------------------------------------------|
| `archived`    | has health archived                                                    |
| `deprecated`  | has the maintenance verdict deprecated (`repositories.maintenance`) for |
|               | more than its archival (its own words, or a person's override)         |
| `inactive`    | has the maintenance verdict inactive                                   |
| `not_found`   | has health not found                                                   |
| `blocked`     | has health blocked                                                     |
| `name_reused` | has a name (current or former) that now answers for another repository |
| `moved`       | has health moved                                                       |
| `unmapped`    | is not known: the package maps to no repository                        |
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.management.base import CommandError

from repohealth.words import counted
from repositories.dependencies.lines import pointer_lines
from repositories.models import Repository, Source, SourcePackage
from repositories.packages import source_packages

Health, Maintenance = Repository.Health, Repository.Maintenance
CONDITIONS = ("archived", "deprecated", "inactive", "not_found", "blocked", "name_reused", "moved", "unmapped")
DEFAULT_FAIL_ON = ("archived", "deprecated", "not_found", "blocked", "name_reused")
WORDS = {"archived": "archived", "deprecated": "deprecated", "inactive": "inactive", "not_found": "not found",
         "blocked": "blocked", "name_reused": "name re-used", "moved": "moved", "unmapped": "not mapped"}


def fail_on(value: str | None) -> tuple[str, ...]:
    """The conditions of `--fail-on` (DEFAULT_FAIL_ON when not given), in CONDITIONS' order."""
    if value is None:
        return DEFAULT_FAIL_ON
    names = {name.strip().lower() for name in value.split(",") if name.strip()}
    unknown = sorted(names - set(CONDITIONS))
    if unknown:
        raise CommandError(f"--fail-on: unknown condition{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                           f"expected some of {', '.join(CONDITIONS)}", returncode=2)
    if not names:
        raise CommandError(f"--fail-on: name at least one of {', '.join(CONDITIONS)}", returncode=2)
    return tuple(name for name in CONDITIONS if name in names)


# --- what each package's repository meets -------------------------------------------------------
def conditions_of(repository: Repository | None) -> tuple[str, ...]:
    """Every condition a package with this repository (None: not mapped) meets, in CONDITIONS' order."""
    if repository is None:
        return ("unmapped",)
    met = {"archived": repository.health == Health.ARCHIVED,
           "deprecated": _deprecated_beyond_archival(repository),
           "inactive": repository.maintenance == Maintenance.INACTIVE,
           "not_found": repository.health == Health.NOT_FOUND, "blocked": repository.health == Health.BLOCKED,
           "name_reused": repository.name_reused, "moved": repository.health == Health.MOVED}
    return tuple(name for name in CONDITIONS if met.get(name))


def _deprecated_beyond_archival(repository: Repository) -> bool:
    """The verdict deprecated, told apart from an archival: the scan's verdict of an archived
    repository is deprecated too, and the `archived` condition already tells that (once)."""
    if repository.maintenance != Maintenance.DEPRECATED:
        return False
    return (not repository.archived or bool(repository.declared)
            or repository.maintenance_override == Maintenance.DEPRECATED)


@dataclass(frozen=True)
class Row:
    """One package of the document, its repository (None: not mapped) and the conditions it meets
    (`conditions`), those of `--fail-on` among them (`fails`)."""

    ecosystem: str | None
    name: str
    version: str | None
    purl: str | None
    line: int | None  # 1-based, where the file says (None: not known)
    location: str | None  # as the reader kept it: a line or a JSON pointer
    repository: Repository | None
    provenance: str | None
    reason: str | None  # why it maps to no repository
    conditions: tuple[str, ...]
    fails: tuple[str, ...]

    @property
    def label(self) -> str:
        """`left-pad@1.3.0 (npm)`, as the alerts name a package."""
        return f"{self.name}{'@' + self.version if self.version else ''} ({self.ecosystem or 'unknown ecosystem'})"

    def why(self, condition: str) -> str:
        """What `condition` means for this package, as a person reads it."""
        repository = self.repository
        if repository is None:
            return f"maps to no repository ({self.reason or 'no repository known'})"
        reasons = "; ".join(r.get("text", "") for r in repository.maintenance_reasons or [] if r.get("text"))
        reasons = f" ({reasons})" if reasons else ""
        detail = repository.health_detail.split("; ")[0]  # a name's re-use comes first (scans.run.apply)
        words = {"archived": "is archived", "deprecated": f"is deprecated{reasons}",
                 "inactive": f"is inactive{reasons}",
                 "not_found": "is not found on GitHub (deleted, private or never existed)",
                 "blocked": f"is blocked on GitHub ({detail or 'access blocked'})",
                 "name_reused": f"is at risk of repo-jacking: {detail or 'a name of it now belongs to another'}",
                 "moved": f"has moved ({detail or 'a new name'})"}
        return f"its repository {repository.full_name} {words[condition]}"

    def message(self, conditions: tuple[str, ...] | None = None) -> str:
        """`left-pad@1.3.0 (npm): its repository acme/left-pad is archived` (the failing conditions by default)."""
        return f"{self.label}: " + "; ".join(self.why(c) for c in (self.fails if conditions is None else conditions))


@dataclass
class GateResult:
    """The gate's verdict on one document: every package as a `Row`, in file order."""

    file: str  # as given on the command line
    format: str
    source_id: int
    fail_on: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)

    @property
    def failing(self) -> list[Row]:
        return [row for row in self.rows if row.fails]

    @property
    def passed(self) -> bool:
        return not self.failing

    @property
    def flagged(self) -> list[Row]:
        """The packages a report lists: those that fail, and those that meet another condition
        (not mapped only when `--fail-on unmapped`; otherwise they are counted)."""
        quiet = set() if "unmapped" in self.fail_on else {"unmapped"}
        return [row for row in self.rows if set(row.conditions) - quiet]

    def repositories(self, rows: list[Row] | None = None) -> int:
        """How many repositories (each once, however many packages map to it)."""
        return len({row.repository.id for row in (self.rows if rows is None else rows) if row.repository})

    def counts(self) -> dict[str, int]:
        """condition -> repositories that meet it (each once); `unmapped` -> packages."""
        by_repository: dict[int, tuple[str, ...]] = {row.repository.id: row.conditions
                                                     for row in self.rows if row.repository}
        counts = Counter(c for conditions in by_repository.values() for c in conditions)
        counts["unmapped"] = sum(1 for row in self.rows if row.repository is None)
        return {name: counts[name] for name in CONDITIONS}

    def unmapped_reasons(self) -> dict[str, int]:
        """Why packages are not mapped, each kind of reason once: "source repository not on
        GitHub: gitlab.com/o/r" counts as "source repository not on GitHub" (the rows keep the
        whole reason)."""
        return dict(Counter((row.reason or "no repository known").split(":", 1)[0]
                            for row in self.rows if row.repository is None))

    def summary(self) -> str:
        """`412 packages → 388 repositories: 9 archived, 4 deprecated, 17 inactive, 1 name re-used, 24 not mapped`."""
        counts = self.counts()
        parts = ", ".join(f"{counts[name]:,} {WORDS[name]}" for name in CONDITIONS if counts[name])
        return f"{counted(len(self.rows), 'package')} → {counted(self.repositories(), 'repository')}: " + (
            parts or "nothing flagged")

    def verdict(self) -> str:
        condition_list = ",".join(self.fail_on)
        if self.passed:
            return f"Gate passed: no package meets --fail-on {condition_list}"
        failing = self.failing
        # By repository, as the summary line counts (a monorepo's packages once); not mapped by package.
        met = Counter(c for fails in {row.repository.id: row.fails for row in failing if row.repository}.values()
                      for c in fails)
        met["unmapped"] = sum(1 for row in failing if row.repository is None)
        parts = ", ".join(f"{met[name]:,} {WORDS[name]}" for name in self.fail_on if met[name])
        packages, repositories = len(failing), self.repositories(failing)
        whose = "its" if packages == 1 else "their"
        held = "repository" if repositories == 1 else counted(repositories, "repository")
        met_by = f"; {whose} {held}: " if repositories else ": "
        return (f"Gate failed: {counted(packages, 'package')} {'meets' if packages == 1 else 'meet'} "
                f"--fail-on {condition_list}{met_by}{parts}")


def evaluate(source: Source, *, file: str, fail_on: tuple[str, ...]) -> GateResult:
    """The gate's verdict on `source`'s packages as the catalog holds them now."""
    packages = list(source_packages(source))
    lines = pointer_lines(source.text, source.format, [p.location for p in packages if p.location.startswith("/")])
    result = GateResult(file=file, format=source.format, source_id=source.id, fail_on=fail_on)
    for package in packages:
        result.rows.append(_row(package, lines, fail_on))
    return result


def _row(package: SourcePackage, lines: dict[str, int], fail_on: tuple[str, ...]) -> Row:
    location = package.location or None
    line = int(location) if location and location.isdigit() else lines.get(location or "")
    conditions = conditions_of(package.repository)
    return Row(ecosystem=package.ecosystem or None, name=package.name, version=package.version or None,
               purl=package.purl or None, line=line, location=location, repository=package.repository,
               provenance=package.provenance or None, reason=package.reason or None, conditions=conditions,
               fails=tuple(c for c in conditions if c in fail_on))
