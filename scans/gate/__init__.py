"""`runscan --file LOCKFILE --check`: the CI gate of a dependency document (an SBOM, a lockfile,
a manifest; `repositories.dependencies`).

It imports the document as `runscan --file` does (each package mapped to its repository, deps.dev
asked within DEPSDEV_TIMEOUT_SECONDS), scans the repositories here, checks each dead answer once
more (`scans.oneshot`), and reports every package whose repository meets a condition of
`--fail-on` (the conditions: `verdict`). Not mapped packages are counted, and fail the gate only
with `--fail-on unmapped`.

Exit code 0 when no package matches, 1 when one does, 2 on a failed scan or wrong arguments.
The reports (text, JSON, Markdown, JUnit XML, SARIF) are `reports`'s, one function per format.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from repositories.models import Source
from repositories.services import dependency_format
from scans import oneshot
from scans.gate.reports import render
from scans.gate.verdict import CONDITIONS, DEFAULT_FAIL_ON, evaluate, fail_on


def add_arguments(parser) -> None:
    gate = parser.add_argument_group("gate CI on a dependency document (with --file LOCKFILE --check)")
    gate.add_argument("--fail-on", dest="fail_on", metavar="CONDITIONS",
                      help=f"comma-separated, of {', '.join(CONDITIONS)} (default {','.join(DEFAULT_FAIL_ON)})")
    gate.add_argument("--output", type=Path, help="write the report (of --check or --fix) to this file, not stdout")


def wanted(options) -> bool:
    """--check (or --fix) of a file that is a dependency document, not a list of links."""
    path: Path | None = options.get("file")
    if path is None or not path.is_file():
        return False  # the list check says what is wrong with it
    return dependency_format(path.read_bytes(), format=options.get("file_format"), filename=path.name) is not None


def run(options, *, user, err) -> int:
    """Import, scan, recheck the dead, report; returns the exit code. Progress lines go to `err`."""
    path = oneshot.readable(options.get("file"), "--check")
    conditions = fail_on(options.get("fail_on"))
    if options.get("fix"):
        raise CommandError(f"--fix rewrites lists of links; {path} is a dependency document: use --check",
                           returncode=2)
    started = oneshot.import_and_scan_here(path, path.read_bytes(), options, user=user, err=err)
    source = Source.objects.get(id=started.report.source_id)
    if started.scan is not None:
        ids = source.packages.filter(repository__isnull=False).values_list("repository_id", flat=True)
        oneshot.recheck_dead(ids, options, scope=f"recheck of dead repositories in {source.filename}", err=err)
    result = evaluate(source, file=str(path), fail_on=conditions)
    fmt, output = options["report_format"], options.get("output")
    oneshot.emit(render(result, fmt), output)
    if output is not None or fmt != "text":  # the text report on stdout says it already
        err.write(f"{result.summary()}\n{result.verdict()}\n")
    return 0 if result.passed else 1
