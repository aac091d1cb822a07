"""manage.py runscan: scan from the terminal, in this process or on the queue.

Exit code 0 when the scan completed, 1 when it failed or could not start, 130 after Ctrl-C
(which cancels the scan cleanly, keeping every result so far). With --check (or --fix): 0 nothing
to report, 1 something to report, 2 a failed scan or wrong arguments; a dependency document goes
to the CI gate (`scans.gate`), a list of links to its fix (`scans.listfix`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
import traceback
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from repohealth.runtime.times import clock_text, duration_text
from repositories import dependencies, importers
from repositories.models import Repository
from repositories.services import ImportRefused
from scans import gate, listfix, oneshot, services
from scans.models import ScanJob
from scans.presenter import present
from scans.run.engine import scan_run
from scans.run.progress import progress_key, progress_payload
from scans.selection import BadSelection, describe, select
from scans.selectors import scan_maintenance_counts

Status = ScanJob.Status
FINISHED = {str(s) for s in ScanJob.FINISHED}
LISTED = 20  # invalid and skipped lines an import prints; the summary counts them all


def _ids(value: str) -> list[int]:
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise CommandError(f"--ids takes comma-separated whole numbers, not {value!r}") from None


class Command(BaseCommand):
    help = "Check the health of repositories and sync their metadata from GitHub."

    def add_arguments(self, parser):
        which = parser.add_argument_group("which repositories (combine to narrow)")
        which.add_argument("--all", action="store_true", help="every tracked repository")
        which.add_argument("--ids", type=_ids, help="comma-separated repository ids")
        which.add_argument("--health", help="comma-separated health states, e.g. error,not_found")
        which.add_argument("--label", help="repositories carrying this label (with --file: label the import)")
        which.add_argument("--unchecked-hours", type=int, help="only repositories not checked in N hours")
        # Deprecated: the former name of --unchecked-hours, kept so scripts keep working.
        which.add_argument("--stale-hours", type=int, dest="unchecked_hours", help=argparse.SUPPRESS)
        which.add_argument("--file", type=Path,
                           help="import this list (or SBOM, lockfile) first, then scan what it holds")
        which.add_argument("--file-format", choices=[*importers.FORMATS, *dependencies.FORMATS],
                           help="with --file: its format (default: from its name, then its content)")
        parser.add_argument("--import-only", action="store_true", help="with --file: import, do not scan")
        parser.add_argument("--concurrency", type=int, help="requests in flight (default SCAN_CONCURRENCY)")
        parser.add_argument("--mode", choices=["auto", "rest", "graphql"], help="default SCAN_MODE")
        parser.add_argument("--full", action="store_true",
                            help="GraphQL: ask every repository's full metadata (topics, watchers, open issues; "
                                 "4 points per 100 repositories instead of 1), however recently it was fetched")
        parser.add_argument("--enqueue", action="store_true", help="run on the RQ queue and follow its progress")
        parser.add_argument("--json", action="store_true", help="print the final progress payload as JSON")
        parser.add_argument("--user", help="record the scan as started by this username")
        listfix.add_arguments(parser)  # --check / --fix
        gate.add_arguments(parser)  # --fail-on / --output

    def handle(self, *args, **options):
        # With --json, stdout holds the payload alone: everything else (and the bar, when stderr is
        # a terminal) goes to stderr.
        terminal = sys.stderr if options["json"] else sys.stdout
        self.console = Console(stderr=options["json"], highlight=False, width=None if terminal.isatty() else 120)
        show_bar = not options["json"] or terminal.isatty()
        if listfix.wanted(options):  # exit 0 nothing to report, 1 something to report, 2 failed
            sys.exit(self._check(options))
        user = self._user(options.get("user"))
        scan_options = {"mode": options["mode"], "concurrency": options["concurrency"], "enqueue": options["enqueue"],
                        "full": options["full"], "trigger": ScanJob.Trigger.RUNSCAN}
        try:
            scan = self._start(options, user, scan_options)
        except (BadSelection, services.ScanError) as exc:
            raise CommandError(str(exc)) from None
        if scan is None:
            return
        self.console.print(f"Scan [bold]{scan.id}[/] of {scan.total:,} repositories ({scan.mode})"
                           + (", on the queue" if options["enqueue"] else ""))
        runner = None
        if not options["enqueue"]:
            runner = threading.Thread(target=self._run_here, args=(scan.id,), daemon=True)
            runner.start()
        interrupted = False
        current = scan  # the pass being followed: a health pass's metadata pass follows it
        try:
            payload = self._follow(scan, quiet=not show_bar)
            if follow := self._metadata_pass(payload):
                current = follow
                self.console.print(f"Metadata pass [bold]{follow.id}[/] of {follow.total:,} repositories, at "
                                   f"{follow.budget_share} % of the rate limit")
                self._follow(follow, quiet=not show_bar)
        except KeyboardInterrupt:
            interrupted = True
            self.console.print("\nCancelling the scan (results so far are kept)...")
            with contextlib.suppress(services.ScanAlreadyFinished):
                services.scan_cancel(scan=current)
            self._follow(current, quiet=True)
        if runner is not None:
            runner.join()
        payload = self._final(scan)
        finals = [payload] + ([self._final(current)] if current is not scan else [])
        if options["json"]:
            sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        else:
            for final in finals:
                self._summary(final)
        if interrupted:
            sys.exit(130)
        if any(final["status"] != ScanJob.Status.COMPLETED for final in finals):
            sys.exit(1)

    def _check(self, options) -> int:
        """--check / --fix: the CI gate of a dependency document, or the fix of a list. Whatever
        goes wrong is exit code 2, so that a CI job never reads a crash as "something to report"."""
        try:
            user = self._user(options.get("user"))
            return (gate if gate.wanted(options) else listfix).run(options, user=user, err=sys.stderr)
        except CommandError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except oneshot.ScanFailed as exc:
            sys.stderr.write(f"{exc}\n")
        except Exception:  # any other failure too: exit 2, with its traceback
            traceback.print_exc()
        return 2

    # --- selection ---------------------------------------------------------------------------
    def _user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"--user: no user named {username!r}") from None

    def _filters(self, options, *, with_label: bool) -> dict:
        """The selection's catalog filters, from the options (comma lists as the catalog takes them)."""
        filters = {"health": options["health"], "unchecked_hours": options["unchecked_hours"]}
        if with_label:
            filters["label"] = options["label"]
        return {name: value for name, value in filters.items() if value is not None}

    def _start(self, options, user, scan_options) -> ScanJob | None:
        if options["file"]:
            return self._import(options, user, scan_options)
        selection = self._filters(options, with_label=True)
        if options["ids"]:
            selection["repository_ids"] = options["ids"]
        if options["all"]:
            selection["all"] = True
        if not selection:
            raise CommandError("Say which repositories to scan: --all, --ids, --health, --label, --unchecked-hours "
                               "or --file")
        return services.scan_start(repositories=select(selection), requested_by=user, scope=describe(selection),
                                   **scan_options)

    def _import(self, options, user, scan_options) -> ScanJob | None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"--file: {path} does not exist or is not a file")
        try:
            started = services.import_and_scan(
                source=path.read_bytes(), label=options["label"], requested_by=user, filename=path.name,
                format=options["file_format"],
                scan=not options["import_only"], narrow=self._filters(options, with_label=False), **scan_options)
        except ImportRefused as exc:
            raise CommandError(f"{path}: {exc}") from None
        report = started.report
        self.console.print(f"Imported {path.name}: {report.summary}")
        for kind, items in (("invalid", report.invalid), ("skipped", report.skipped_entries)):
            for item in items[:LISTED]:
                where = f"line {item['line']}" if item["line"] is not None else item["location"]
                self.console.print(f"  {kind}, {where}: {item['reason']}: {item['text']!r}", markup=False)
            if len(items) > LISTED:
                self.console.print(f"  ... and {len(items) - LISTED:,} more {kind} lines")
        return started.scan

    # --- running and following ---------------------------------------------------------------
    def _run_here(self, scan_id) -> None:
        from django.db import connections

        try:
            scan_run(scan_id=scan_id)
        finally:
            connections.close_all()

    def _metadata_pass(self, payload: dict) -> ScanJob | None:
        """The metadata pass a completed health pass started (scans/run/passes.py), if any."""
        follow_id = payload.get("metadata_pass_id")
        return ScanJob.objects.get(id=follow_id) if follow_id else None

    def _payload(self, scan) -> dict:
        payload = cache.get(progress_key(scan.id))
        if payload is None:
            scan.refresh_from_db()
            payload = progress_payload(scan)
        return payload

    def _final(self, scan) -> dict:
        scan.refresh_from_db()
        return progress_payload(scan)

    def _follow(self, scan, *, quiet: bool) -> dict:
        if quiet:
            while (payload := self._payload(scan))["status"] not in FINISHED:
                time.sleep(0.2)
            return payload
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]}"), TextColumn("ETA {task.fields[eta]}"), TimeElapsedColumn(),
                   TextColumn("{task.fields[counts]}")]
        with Progress(*columns, console=self.console, transient=False) as bar:
            task = bar.add_task(ScanJob.Pass(scan.scan_pass).label if scan.scan_pass else "Scanning",
                                total=scan.total or 1, rate="", eta="-", counts="")
            while True:
                payload = self._payload(scan)
                view = present(payload)
                elapsed = view["duration_seconds"]
                rate = view["current"] / elapsed if elapsed else 0.0
                counts = " ".join(f"{c['key']}:{c['count']}" for c in view["counts"] if c["count"])
                if view["waiting"]:
                    counts = f"{counts}  [yellow]{escape(view['waiting_reason'])}[/]"
                eta = view["eta_seconds"]
                bar.update(task, completed=view["current"], total=view["total"] or 1, rate=f"{rate:.1f}/s",
                           eta=clock_text(eta) if eta is not None else "-", counts=counts)
                if not view["live"]:
                    return payload
                time.sleep(0.2)

    def _summary(self, payload: dict) -> None:
        view = present(payload)
        styles = {Status.COMPLETED: "green", Status.FAILED: "red", Status.CANCELLED: "yellow"}
        style = styles.get(view["status"], "white")
        noun = ScanJob.Pass(view["scan_pass"]).label if view["scan_pass"] else "Scan"
        self.console.print(f"{noun} {view['job_id']}: [bold {style}]{view['status']}[/]")
        table = Table(show_header=True)
        table.add_column("outcome")
        table.add_column("repositories", justify="right")
        for count in view["counts"]:
            table.add_row(count["label"].lower(), f"{count['count']:,}")
        table.add_row("[bold]checked[/]", f"[bold]{view['current']:,} of {view['total']:,}[/]", end_section=True)
        for verdict, count in scan_maintenance_counts(view["job_id"]).items():
            table.add_row(f"{Repository.Maintenance(verdict).label.lower()} (verdict)", f"{count:,}")
        table.add_section()
        table.add_row("rate-limit points", f"{view['points_spent']} ({view['mode']})")
        elapsed = view["duration_seconds"]
        if elapsed:
            table.add_row("duration", duration_text(elapsed))
            table.add_row("rate", f"{view['current'] / elapsed:.1f} repositories/s")
        self.console.print(table)
        if view["error"]:
            self.console.print(f"[red]{escape(view['error'])}[/]")
