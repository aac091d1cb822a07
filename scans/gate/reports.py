"""The gate's reports, one function per `--format`: `text` (a table and the summary, for a
terminal or a job's log), `json` (every package, stable keys), `markdown` (a PR comment or a
GitHub job summary), `junit` (JUnit XML: a test case per package, a failed one per package that
meets `--fail-on`) and `sarif` (SARIF 2.1.0: a result per condition met, at the package's line).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from urllib.parse import quote
from xml.etree import ElementTree

from scans.gate.verdict import CONDITIONS, WORDS, GateResult, Row

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
RULES = {
    "archived": "The package's repository is archived on GitHub: read-only, nobody will fix it.",
    "deprecated": "The package's repository is deprecated: archived, or its description or a topic declares it "
                  "over.",
    "inactive": "The package's repository is inactive: no commit on its default branch and no release for "
                "MAINTAINED_INACTIVE_DAYS.",
    "not_found": "The package's repository is not found on GitHub (deleted, or made private), on two checks.",
    "blocked": "The package's repository is blocked on GitHub (DMCA, terms of service), on two checks.",
    "name_reused": "A name of the package's repository now belongs to another repository: links and metadata "
                   "that use that name lead to a stranger's code (repo-jacking).",
    "moved": "The package's repository has moved to another name.",
    "unmapped": "The package maps to no GitHub repository: nothing is known of its upkeep.",
}


def render(result: GateResult, fmt: str) -> str:
    return REPORTS[fmt](result)


def _repository_cell(row: Row) -> str:
    return row.repository.full_name if row.repository else "(not mapped)"


# --- text -----------------------------------------------------------------------------------------
def text(result: GateResult) -> str:
    """The flagged packages as a table (failing ones marked FAIL), the summary and the verdict."""
    header = ("", "line", "package", "repository", "health", "maintenance", "conditions")
    rows = [("FAIL" if row.fails else "", str(row.line or ""), row.label, _repository_cell(row),
             row.repository.health if row.repository else "", row.repository.maintenance if row.repository else "",
             ", ".join(WORDS[c] for c in row.conditions)) for row in result.flagged]
    lines = [f"{result.file} ({result.format})"]
    if rows:
        widths = [max(len(cells[i]) for cells in (header, *rows)) for i in range(len(header))]
        lines += ["  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
                  for cells in (header, *rows)]
    lines.append(result.summary())
    unmapped = result.unmapped_reasons()
    if unmapped and "unmapped" not in result.fail_on:
        why = ", ".join(f"{count:,} {reason}" for reason, count in unmapped.items())
        lines.append(f"Not mapped ({why}): counted, never failing the gate without --fail-on unmapped")
    lines.append(result.verdict())
    return "\n".join(lines) + "\n"


# --- JSON -----------------------------------------------------------------------------------------
def _package(row: Row) -> dict:
    repository = row.repository
    return {"ecosystem": row.ecosystem, "name": row.name, "version": row.version, "purl": row.purl,
            "line": row.line, "location": row.location,
            "repository": None if repository is None else {
                "full_name": repository.full_name, "health": repository.health,
                "health_detail": repository.health_detail or None, "maintenance": repository.maintenance,
                "reasons": [r.get("text") for r in repository.maintenance_reasons or []],
                "name_reused": repository.name_reused},
            "provenance": row.provenance, "reason": row.reason,
            "conditions": list(row.conditions), "fails": list(row.fails)}


def as_json(result: GateResult) -> str:
    """Every package, failing or not; `fails` holds the conditions of --fail-on it meets."""
    return json.dumps({
        "file": result.file, "format": result.format, "source_id": result.source_id,
        "fail_on": list(result.fail_on), "passed": result.passed,
        "summary": {"packages": len(result.rows), "repositories": result.repositories(), "counts": result.counts(),
                    "failing": len(result.failing), "text": result.summary(), "verdict": result.verdict()},
        "packages": [_package(row) for row in result.rows],
    }, indent=2, ensure_ascii=False) + "\n"


# --- Markdown -------------------------------------------------------------------------------------
def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _table(rows: list[Row], conditions) -> list[str]:
    lines = ["| line | package | repository | why |", "|---:|---|---|---|"]
    lines += [f"| {row.line or ''} | `{_cell(row.label)}` | {_cell(_repository_cell(row))} | "
              f"{_cell('; '.join(row.why(c) for c in conditions(row)))} |" for row in rows]
    return lines


def markdown(result: GateResult) -> str:
    """A heading with the verdict, the summary, the failing packages' table and the others flagged, folded."""
    mark = ":white_check_mark:" if result.passed else ":x:"
    lines = [f"### {mark} RepoHealth: `{_cell(result.file)}`", "", f"**{_cell(result.verdict())}**", "",
             _cell(result.summary()), ""]
    if result.failing:
        lines += [*_table(result.failing, lambda row: row.fails), ""]
    others = [row for row in result.flagged if not row.fails]
    if others:
        lines += ["<details><summary>Also flagged, not failing the gate "
                  f"({len(others):,} package{'s' if len(others) != 1 else ''})</summary>", "",
                  *_table(others, lambda row: row.conditions), "", "</details>", ""]
    return "\n".join(lines)


# --- JUnit XML ------------------------------------------------------------------------------------
def junit(result: GateResult) -> str:
    """A test case per package; one that meets --fail-on fails (its message names the package, the
    repository and why); a package not mapped (and not failing) is skipped."""
    skipped = [row for row in result.rows if row.repository is None and not row.fails]
    suite = ElementTree.Element("testsuite", name=f"repohealth {result.file}", tests=str(len(result.rows)),
                                failures=str(len(result.failing)), errors="0", skipped=str(len(skipped)))
    for row in result.rows:
        case = ElementTree.SubElement(suite, "testcase", classname=result.file,
                                      name=f"{row.label} -> {_repository_cell(row)}")
        if row.fails:
            failure = ElementTree.SubElement(case, "failure", type=",".join(row.fails), message=row.message())
            failure.text = f"{result.file}{f', line {row.line}' if row.line else ''}\n{row.message(row.conditions)}\n"
        elif row.repository is None:
            ElementTree.SubElement(case, "skipped", message=row.why("unmapped"))
    suites = ElementTree.Element("testsuites", name="repohealth", tests=suite.get("tests"),
                                 failures=suite.get("failures"), errors="0", skipped=suite.get("skipped"))
    suites.append(suite)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


# --- SARIF 2.1.0 ----------------------------------------------------------------------------------
def _rule(condition: str) -> dict:
    return {"id": condition, "name": "".join(part.title() for part in condition.split("_")),
            "shortDescription": {"text": f"Dependency's repository: {WORDS[condition]}"},
            "fullDescription": {"text": RULES[condition]}, "defaultConfiguration": {"level": "error"}}


def artifact_uri(file: str) -> str:
    """SARIF's URI of the checked file: a relative path stays relative (code scanning reads it from
    the repository's root, so run the gate there), an absolute one is a `file://` URI."""
    path = PurePath(file.replace("\\", "/"))
    return Path(path).resolve().as_uri() if path.is_absolute() else quote(path.as_posix(), safe="/:@")


def _result(result: GateResult, row: Row, condition: str) -> dict:
    location: dict = {"artifactLocation": {"uri": artifact_uri(result.file)}}
    if row.line:
        location["region"] = {"startLine": row.line}
    return {"ruleId": condition, "ruleIndex": CONDITIONS.index(condition), "level": "error",
            "message": {"text": row.message((condition,))}, "locations": [{"physicalLocation": location}],
            "properties": {"package": row.label, "purl": row.purl,
                           "repository": row.repository.full_name if row.repository else None}}


def sarif(result: GateResult) -> str:
    """One run of the tool RepoHealth, a rule per condition, a result per condition each failing package meets."""
    results = [_result(result, row, condition) for row in result.failing for condition in row.fails]
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "RepoHealth", "rules": [_rule(c) for c in CONDITIONS]}},
        "results": results,
    }]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


REPORTS = {"text": text, "json": as_json, "markdown": markdown, "junit": junit, "sarif": sarif}
