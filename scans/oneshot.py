"""What `runscan --file FILE --check` does whatever the file is (a list of links, `scans.listfix`;
a dependency document, `scans.gate`): import it, scan what it holds in this process, check each
dead answer once more, and write the report where it was asked.

A one-shot run has no history, so a dead answer (not found, blocked) counts only once a second
check, `--recheck-after` seconds later, says so too. Errors a caller turns into exit code 2:
`CommandError(returncode=2)` for wrong arguments or a refused file, `ScanFailed` for a scan that
did not complete.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path

from django.core.management.base import CommandError

from repohealth.words import counted
from repositories.health import DEAD
from repositories.models import Repository
from repositories.services import ImportRefused
from scans import services
from scans.models import ScanJob
from scans.run.engine import scan_run


class ScanFailed(Exception):
    """The scan failed: exit code 2."""


def readable(path: Path | None, flags: str) -> Path:
    """The --file to check, or the exit-2 error that says why there is none."""
    if path is None:
        raise CommandError(f"{flags} need --file FILE", returncode=2)
    if not path.is_file():
        raise CommandError(f"--file: {path} does not exist or is not a file", returncode=2)
    return path


def import_and_scan_here(path: Path, data: bytes, options, *, user, err) -> services.ImportStarted:
    """Import the file (its format detected, or `--file-format`) and run the scan of what it holds here."""
    try:
        started = services.import_and_scan(source=data, label=options.get("label"), requested_by=user,
                                           format=options.get("file_format"), filename=path.name,
                                           mode=options.get("mode"), enqueue=False,
                                           concurrency=options.get("concurrency"), trigger=ScanJob.Trigger.RUNSCAN)
    except (ImportRefused, services.ScanError) as exc:
        raise CommandError(f"{path}: {exc}", returncode=2) from None
    err.write(f"Imported {path.name}: {started.report.summary}\n")
    if started.scan is not None:
        scan_here(started.scan, err)
    return started


def scan_here(scan: ScanJob, err) -> None:
    err.write(f"Scanning {counted(scan.total, 'repository')} ({scan.mode})...\n")
    scan_run(scan_id=scan.id)
    scan.refresh_from_db()
    if scan.status != ScanJob.Status.COMPLETED:
        raise ScanFailed(f"the scan {scan.id} {scan.status}: {scan.error or scan.message}")


def recheck_dead(ids: Iterable[int], options, *, scope: str, err) -> set[int]:
    """Scan the dead ones among `ids` again after `--recheck-after` seconds; the ids still dead."""
    dead = set(Repository.objects.filter(id__in=set(ids), health__in=DEAD).values_list("id", flat=True))
    if not dead:
        return set()
    wait = options["recheck_after"]
    err.write(f"{len(dead)} dead; checking them again in {wait:g} s...\n")
    time.sleep(max(0.0, wait))
    again = services.scan_start(repositories=sorted(dead), enqueue=False, mode=options.get("mode"),
                                trigger=ScanJob.Trigger.RUNSCAN, scope=scope)
    scan_here(again, err)
    return set(Repository.objects.filter(id__in=dead, health__in=DEAD).values_list("id", flat=True))


def emit(report: str, output: Path | None) -> None:
    """The report to `--output` when given, else to stdout."""
    if output is None:
        sys.stdout.write(report)
        sys.stdout.flush()
        return
    try:
        output.write_text(report, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"--output: cannot write {output}: {exc.strerror or exc}", returncode=2) from None
