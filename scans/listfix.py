"""`runscan --file LIST --check|--fix`: import a list, scan it, recheck its dead links (check them
once more), and report (or write) the corrected list (`repositories.fixes`).

Exit codes: 0 nothing to fix, 1 the list needs fixing, 2 the scan failed or the arguments are
wrong. `--fix` writes the corrected file in place and keeps the original as `LIST.orig`; `--check`
writes nothing. The report goes to stdout as text, JSON, Markdown or JUnit XML (each link a test
case, each broken link a failed one); everything else goes to stderr.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from django.core.management.base import CommandError

from repositories.decoding import bom_encoding
from repositories.fixes import ARCHIVED_POLICIES, DEAD_POLICIES, INACTIVE_POLICIES, KINDS, Fix, source_fix
from repositories.health import DEAD
from repositories.models import Repository, Source
from repositories.services import ImportRefused
from scans import services
from scans.models import ScanJob
from scans.run.engine import scan_run

FORMATS = ("text", "json", "markdown", "junit")
WORDS = {"moved": "moved", "successor": "replaced by its successor", "archived": "archived", "dead": "dead",
         "inactive": "inactive", "name_reused": "name reused"}


class ListFixFailed(Exception):
    """The scan failed: exit code 2."""


def add_arguments(parser) -> None:
    fix = parser.add_argument_group("fix the list (with --file)")
    fix.add_argument("--check", action="store_true", help="report what the list needs; write nothing (exit 1 if any)")
    fix.add_argument("--fix", action="store_true", help="write the corrected list in place, keeping LIST.orig")
    fix.add_argument("--archived", choices=ARCHIVED_POLICIES, default="mark",
                     help="archived links (default mark); replace: an archived or deprecated repository's link "
                          "points at its successor, marked when it names none")
    fix.add_argument("--dead", choices=DEAD_POLICIES, default="mark", help="dead links (default mark)")
    fix.add_argument("--inactive", choices=INACTIVE_POLICIES, default="leave",
                     help="links to repositories whose maintenance verdict is inactive (default leave)")
    fix.add_argument("--format", choices=FORMATS, default="text", dest="report_format", help="the report's format")
    fix.add_argument("--recheck-after", type=float, default=30.0,
                     help="seconds before dead answers are rechecked (default 30)")


def wanted(options) -> bool:
    return bool(options.get("check") or options.get("fix"))


@dataclass
class ListFixRun:
    """One --check or --fix run: the list, what it needs fixing, and whether it was written."""

    path: Path
    fix: Fix
    written: bool

    @property
    def needs_fixing(self) -> bool:
        return bool(self.fix.changes)


def run(options, *, user, err) -> int:
    """The whole run; returns the exit code. `err` is where progress lines go (not stdout)."""
    path: Path | None = options.get("file")
    if path is None:
        raise CommandError("--check and --fix need --file LIST", returncode=2)
    if options["check"] and options["fix"]:
        raise CommandError("--check and --fix: choose one", returncode=2)
    if not path.is_file():
        raise CommandError(f"--file: {path} does not exist or is not a file", returncode=2)
    data = path.read_bytes()
    try:
        started = services.import_and_scan(source=data, label=options.get("label"), requested_by=user,
                                           filename=path.name, mode=options.get("mode"), enqueue=False,
                                           concurrency=options.get("concurrency"), trigger=ScanJob.Trigger.RUNSCAN)
    except (ImportRefused, services.ScanError) as exc:
        raise CommandError(f"{path}: {exc}", returncode=2) from None
    err.write(f"Imported {path.name}: {started.report.summary}\n")
    source = Source.objects.get(id=started.report.source_id)
    dead_ids: set[int] = set()
    if started.scan is not None:
        _scan(started.scan, err)
        dead_ids = _recheck_dead(source, options["recheck_after"], options, err)
    fix = source_fix(source=source, archived=options["archived"], dead=options["dead"], inactive=options["inactive"],
                     dead_ids=dead_ids)
    written = False
    if options["fix"] and fix.changes and fix.text != source.text:
        written = _write(path, data, source.text, fix.text)
    outcome = ListFixRun(path, fix, written)
    sys.stdout.write(report(outcome, options["report_format"]))
    sys.stdout.flush()
    return 1 if outcome.needs_fixing else 0


def _scan(scan: ScanJob, err) -> None:
    err.write(f"Scanning {scan.total} repositories ({scan.mode})...\n")
    scan_run(scan_id=scan.id)
    scan.refresh_from_db()
    if scan.status != ScanJob.Status.COMPLETED:
        raise ListFixFailed(f"the scan {scan.id} {scan.status}: {scan.error or scan.message}")


def _recheck_dead(source: Source, wait: float, options, err) -> set[int]:
    """A one-shot run has no history: a dead answer counts once a second check, `wait` seconds
    later, says so too."""
    ids = set(source.entries.filter(repository__health__in=DEAD).values_list("repository_id", flat=True))
    if not ids:
        return set()
    err.write(f"{len(ids)} dead; checking them again in {wait:g} s...\n")
    time.sleep(max(0.0, wait))
    again = services.scan_start(repositories=sorted(ids), enqueue=False, mode=options.get("mode"),
                                trigger=ScanJob.Trigger.RUNSCAN, scope=f"recheck of dead links in {source.filename}")
    _scan(again, err)
    return set(Repository.objects.filter(id__in=ids, health__in=DEAD).values_list("id", flat=True))


def _write(path: Path, data: bytes, original: str, fixed: str) -> bool:
    encoding = bom_encoding(data) or "utf-8"
    if original.encode(encoding) != data:
        raise CommandError(f"{path}: not written, its bytes do not decode cleanly as {encoding}", returncode=2)
    path.with_name(path.name + ".orig").write_bytes(data)
    path.write_bytes(fixed.encode(encoding))
    return True


# --- reports ----------------------------------------------------------------------------------
def summary(outcome: ListFixRun) -> str:
    counts = outcome.fix.counts()
    parts = ", ".join(f"{counts[kind]} {WORDS[kind]}" for kind in KINDS if counts[kind])
    if not outcome.needs_fixing:
        return f"{outcome.path.name}: nothing to fix"
    verb = "fixed (original kept as " + outcome.path.name + ".orig)" if outcome.written else "needs fixing"
    return f"{outcome.path.name} {verb}: {parts}"


def report(outcome: ListFixRun, fmt: str) -> str:
    fix, name = outcome.fix, outcome.path.name
    if fmt == "json":
        return json.dumps({"file": name, "needs_fixing": outcome.needs_fixing, "written": outcome.written,
                           "counts": fix.counts(), "changes": [c.as_dict() for c in fix.changes],
                           "diff": fix.diff}, indent=2) + "\n"
    if fmt == "markdown":
        rows = [f"### {summary(outcome)}", ""]
        if fix.changes:
            rows += ["| line | kind | was | now |", "|---:|---|---|---|"]
            rows += [f"| {c.line} | {c.kind} | `{_cell(c.old)}` | `{_cell(c.new)}` |" for c in fix.changes]
        return "\n".join(rows) + "\n"
    if fmt == "junit":
        return junit(outcome)
    lines = [summary(outcome)]
    lines += [f"  line {c.line}: {WORDS[c.kind]}: {c.old.strip()} -> {c.new.strip() or '(deleted)'}"
              for c in fix.changes]
    return "\n".join(lines) + "\n" + (fix.diff if fix.diff else "")


def _cell(text: str) -> str:
    return text.strip().replace("|", "\\|").replace("`", "'")


def junit(outcome: ListFixRun) -> str:
    """JUnit XML: one test case per change (each a failure), or one passing case for a clean list."""
    name = outcome.path.name
    suite = ElementTree.Element("testsuite", name=f"repohealth {name}", tests=str(max(1, len(outcome.fix.changes))),
                                failures=str(len(outcome.fix.changes)), errors="0", skipped="0")
    for change in outcome.fix.changes:
        case = ElementTree.SubElement(suite, "testcase", classname=name,
                                      name=f"line {change.line}: {change.old.strip()}")
        failure = ElementTree.SubElement(case, "failure", type=change.kind,
                                         message=f"{WORDS[change.kind]}: {change.old.strip()} -> {change.new.strip()}")
        failure.text = f"line {change.line}\n- {change.old}\n+ {change.new}\n"
    if not outcome.fix.changes:
        ElementTree.SubElement(suite, "testcase", classname=name, name="every link is healthy")
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
