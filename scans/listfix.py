"""`runscan --file LIST --check|--fix`: import a list, scan it, recheck its dead links (check them
once more), and report (or write) the corrected list (`repositories.fixes`).

Exit codes: 0 nothing to fix, 1 the list needs fixing, 2 the scan failed or the arguments are
wrong. `--fix` writes the corrected file in place and keeps the original as `LIST.orig`; `--check`
writes nothing. The report goes to stdout (or `--output`) as text, JSON, Markdown or JUnit XML
(each link a test case, each broken link a failed one); everything else goes to stderr. (A
dependency document given to `--check` is the CI gate's: `scans.gate`.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from django.core.management.base import CommandError

from repositories.decoding import bom_encoding
from repositories.fixes import ARCHIVED_POLICIES, DEAD_POLICIES, INACTIVE_POLICIES, KINDS, Fix, source_fix
from repositories.models import Source
from scans import oneshot

FORMATS = ("text", "json", "markdown", "junit")
CHECK_FORMATS = (*FORMATS, "sarif")  # SARIF points at a dependency document's lines: the gate's only
WORDS = {"moved": "moved", "successor": "replaced by its successor", "archived": "archived", "dead": "dead",
         "inactive": "inactive", "name_reused": "name reused"}


def add_arguments(parser) -> None:
    fix = parser.add_argument_group("fix the list (with --file)")
    fix.add_argument("--check", action="store_true",
                     help="report what the list needs, or gate a lockfile's dependencies (exit 1 if any)")
    fix.add_argument("--fix", action="store_true", help="write the corrected list in place, keeping LIST.orig")
    fix.add_argument("--archived", choices=ARCHIVED_POLICIES, default="mark",
                     help="archived links (default mark); replace: an archived or deprecated repository's link "
                          "points at its successor, marked when it names none")
    fix.add_argument("--dead", choices=DEAD_POLICIES, default="mark", help="dead links (default mark)")
    fix.add_argument("--inactive", choices=INACTIVE_POLICIES, default="leave",
                     help="links to repositories whose maintenance verdict is inactive (default leave)")
    fix.add_argument("--format", choices=CHECK_FORMATS, default="text", dest="report_format",
                     help="the report's format (default text; sarif: dependency documents only)")
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
    path = oneshot.readable(options.get("file"), "--check and --fix")
    if options["check"] and options["fix"]:
        raise CommandError("--check and --fix: choose one", returncode=2)
    if options["report_format"] not in FORMATS:
        raise CommandError(f"--format {options['report_format']}: {path} is a list of links; its report is one "
                           f"of {', '.join(FORMATS)}", returncode=2)
    if options.get("fail_on") is not None:
        raise CommandError(f"--fail-on: {path} is a list of links, not a dependency document; --check reports "
                           "every link it would fix", returncode=2)
    data = path.read_bytes()
    started = oneshot.import_and_scan_here(path, data, options, user=user, err=err)
    source = Source.objects.get(id=started.report.source_id)
    dead_ids: set[int] = set()
    if started.scan is not None:
        ids = source.entries.filter(repository__isnull=False).values_list("repository_id", flat=True)
        dead_ids = oneshot.recheck_dead(ids, options, scope=f"recheck of dead links in {source.filename}", err=err)
    fix = source_fix(source=source, archived=options["archived"], dead=options["dead"], inactive=options["inactive"],
                     dead_ids=dead_ids)
    written = False
    if options["fix"] and fix.changes and fix.text != source.text:
        written = _write(path, data, source.text, fix.text)
    outcome = ListFixRun(path, fix, written)
    oneshot.emit(report(outcome, options["report_format"]), options.get("output"))
    return 1 if outcome.needs_fixing else 0


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
