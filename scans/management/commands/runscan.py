"""manage.py runscan: scan from the terminal, in this process or on the queue.

Exit code 0 when the scan completed, 1 when it failed or could not start, 130 after Ctrl-C
(which cancels the scan cleanly, keeping every result so far).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from repositories.selectors import repository_list
from repositories.services import ImportRefused, repositories_import
from scans import services
from scans.models import OUTCOME_COUNTERS, ScanJob
from scans.progress import parse_iso, progress_key, progress_payload

FINISHED = {str(s) for s in ScanJob.FINISHED}


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
        which.add_argument("--stale-hours", type=int, help="only repositories not checked in N hours")
        which.add_argument("--file", type=Path, help="import this list first, then scan what it holds")
        parser.add_argument("--import-only", action="store_true", help="with --file: import, do not scan")
        parser.add_argument("--concurrency", type=int, help="requests in flight (default SCAN_CONCURRENCY)")
        parser.add_argument("--mode", choices=["auto", "rest", "graphql"], help="default SCAN_MODE")
        parser.add_argument("--enqueue", action="store_true", help="run on the RQ queue and follow its progress")
        parser.add_argument("--json", action="store_true", help="print the final progress payload as JSON")
        parser.add_argument("--user", help="record the scan as started by this username")

    def handle(self, *args, **options):
        self.console = Console(stderr=options["json"], highlight=False, width=None if sys.stdout.isatty() else 120)
        user = self._user(options.get("user"))
        ids = self._select(options, user)
        if ids is None:
            return
        try:
            scan = services.scan_start(repositories=ids, requested_by=user, mode=options["mode"],
                                       concurrency=options["concurrency"], enqueue=options["enqueue"])
        except services.ScanError as exc:
            raise CommandError(str(exc)) from None
        self.console.print(f"Scan [bold]{scan.id}[/] of {scan.total} repositories ({scan.mode})"
                           + (", on the queue" if options["enqueue"] else ""))
        runner = None
        if not options["enqueue"]:
            runner = threading.Thread(target=self._run_here, args=(scan.id,), daemon=True)
            runner.start()
        interrupted = False
        try:
            payload = self._follow(scan, quiet=options["json"])
        except KeyboardInterrupt:
            interrupted = True
            self.console.print("\nCancelling the scan (results so far are kept)...")
            try:
                services.scan_cancel(scan=scan)
            except services.ScanAlreadyFinished:
                pass
            payload = self._follow(scan, quiet=True)
        if runner is not None:
            runner.join()
        payload = self._final(scan)
        if options["json"]:
            sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        else:
            self._summary(payload)
        if interrupted:
            sys.exit(130)
        if payload["status"] != ScanJob.Status.COMPLETED:
            sys.exit(1)

    # --- selection ---------------------------------------------------------------------------
    def _user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"--user: no user named {username!r}") from None

    def _select(self, options, user) -> list[int] | None:
        if options["file"]:
            path: Path = options["file"]
            if not path.is_file():
                raise CommandError(f"--file: {path} does not exist or is not a file")
            try:
                report = repositories_import(source=path.read_bytes(), label=options["label"], requested_by=user,
                                             scan=False, filename=path.name)
            except ImportRefused as exc:
                raise CommandError(f"{path}: {exc}") from None
            self.console.print(f"Imported {path.name}: {report.summary}")
            for item in report.invalid[:20]:
                self.console.print(f"  line {item['line']}: {item['reason']}: {item['text']!r}", markup=False)
            if len(report.invalid) > 20:
                self.console.print(f"  ... and {len(report.invalid) - 20} more invalid lines")
            if options["import_only"]:
                return None
            return self._narrow(report.repository_ids, options)
        if not any(options[k] is not None and options[k] is not False for k in
                   ("all", "ids", "health", "label", "stale_hours")):
            raise CommandError("Say which repositories to scan: --all, --ids, --health, --label, --stale-hours "
                               "or --file")
        qs = repository_list(health=options["health"], label=options["label"], stale_hours=options["stale_hours"],
                             ids=options["ids"])
        ids = list(qs.order_by("id").values_list("id", flat=True))
        if options["ids"]:
            unknown = sorted(set(options["ids"]) - set(ids))
            if unknown and not any(options[k] for k in ("health", "label", "stale_hours")):
                raise CommandError(f"Unknown repository ids: {', '.join(map(str, unknown[:20]))}")
        if not ids:
            raise CommandError("No repository matches that selection.")
        return ids

    def _narrow(self, ids: list[int], options) -> list[int]:
        if not (options["health"] or options["stale_hours"] is not None):
            return ids
        wanted = set(repository_list(health=options["health"], stale_hours=options["stale_hours"])
                     .values_list("id", flat=True))
        return [i for i in ids if i in wanted]

    # --- running and following ---------------------------------------------------------------
    def _run_here(self, scan_id) -> None:
        from django.db import connections

        try:
            services.scan_run(scan_id=scan_id)
        finally:
            connections.close_all()

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
            task = bar.add_task("Scanning", total=scan.total or 1, rate="", eta="-", counts="")
            while True:
                payload = self._payload(scan)
                elapsed = _elapsed(payload)
                rate = payload["current"] / elapsed if elapsed else 0.0
                counts = " ".join(f"{k}:{payload.get(k, 0)}" for k in OUTCOME_COUNTERS.values()
                                  if payload.get(k))
                message = payload.get("message", "")
                if "Rate limited" in message or "rate limit" in message:
                    counts = f"{counts}  [yellow]{message}[/]"
                eta = payload.get("eta_seconds")
                bar.update(task, completed=payload["current"], total=payload["total"] or 1, rate=f"{rate:.1f}/s",
                           eta=_clock(eta) if eta is not None else "-", counts=counts)
                if payload["status"] in FINISHED:
                    return payload
                time.sleep(0.2)

    def _summary(self, payload: dict) -> None:
        status = payload["status"]
        style = {"completed": "green", "failed": "red", "cancelled": "yellow"}.get(status, "white")
        self.console.print(f"Scan {payload['job_id']}: [bold {style}]{status}[/]")
        table = Table(show_header=True)
        table.add_column("outcome")
        table.add_column("repositories", justify="right")
        for key in OUTCOME_COUNTERS.values():
            table.add_row(key.replace("_", " "), str(payload.get(key, 0)))
        table.add_row("[bold]checked[/]", f"[bold]{payload['current']} of {payload['total']}[/]")
        elapsed = _elapsed(payload)
        if elapsed:
            table.add_row("duration", f"{elapsed:.1f} s")
            table.add_row("rate", f"{payload['current'] / elapsed:.1f} repositories/s")
        self.console.print(table)
        if payload.get("error"):
            self.console.print(f"[red]{payload['error']}[/]")


def _elapsed(payload: dict) -> float:
    started = parse_iso(payload.get("started_at"))
    if started is None:
        return 0.0
    end = parse_iso(payload.get("finished_at")) or timezone.now()
    return max(0.0, (end - started).total_seconds())


def _clock(seconds: int) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
