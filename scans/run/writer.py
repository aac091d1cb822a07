"""The scan's write path, off the fetch path: while one chunk's rows are written, the next
chunk's requests are in flight. `Writer` takes batches on a bounded queue and writes each in bulk
(repositories, failed checks, results, the catalog's kept counts, then the scan's counters as
atomic increments).

Inside an open transaction (a test's, or a caller's) it writes in the caller's thread instead:
another thread's connection could not see the uncommitted rows.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F

from repositories import counts
from repositories.bulk import insert, update_fields
from repositories.history import record_changes
from repositories.models import Repository
from repositories.search import SEARCHED_FIELDS
from scans.models import ScanJob, ScanResult
from scans.run.apply import FAILED_CHECK_FIELDS, SCANNED_FIELDS

QUEUE_SIZE = 2  # batches waiting: memory stays bounded, the fetcher waits when the writer lags


@dataclass
class Batch:
    checked: list[Repository] = field(default_factory=list)  # every scanned field is written
    failed: list[Repository] = field(default_factory=list)  # a failed check: only its failure
    results: list[ScanResult] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # ScanJob counter -> increment
    row_fields: dict = field(default_factory=dict)  # ScanJob fields set as they are (heartbeat, message)
    after: Callable[[], None] | None = None  # called once written, in the writer's thread
    before: dict = field(default_factory=dict)  # repository id -> repositories.history.capture()


def write(scan_id, batch: Batch) -> None:
    """One batch, in bulk and in one transaction: the results and the counts that count them are
    saved together or not at all. The ScanJob's counters are incremented, never set, so several
    shards (processes) add up in the one row."""
    with transaction.atomic():
        _write(scan_id, batch)
    if batch.after is not None:
        batch.after()


def _write(scan_id, batch: Batch) -> None:
    # The catalog's counts follow the health, verdict and language written (one difference a batch).
    with counts.tracked([repo.id for repo in (*batch.checked, *batch.failed)]):
        _write_repositories(scan_id, batch)
        if batch.results:
            insert(batch.results)
    changes = {name: F(name) + n for name, n in batch.counts.items() if n}
    changes.update(batch.row_fields)
    if changes:
        ScanJob.objects.filter(id=scan_id).update(**changes)


def _write_repositories(scan_id, batch: Batch) -> None:
    if batch.checked:
        try:
            with transaction.atomic():
                _update_checked(batch)
        except IntegrityError:
            # A rename raced with another scan or an import: save one by one, keeping the old
            # name where the new one is now taken.
            for repo in batch.checked:
                try:
                    with transaction.atomic():
                        Repository.objects.filter(id=repo.id).update(**{f: getattr(repo, f) for f in SCANNED_FIELDS})
                except IntegrityError:
                    fields = [f for f in SCANNED_FIELDS if f not in ("full_name", "previous_names")]
                    Repository.objects.filter(id=repo.id).update(**{f: getattr(repo, f) for f in fields})
    if batch.checked:  # the catalog records what these checks changed, in this transaction
        record_changes(scan_id=scan_id, before=batch.before, after=batch.checked)
    if batch.failed:
        update_fields(batch.failed, FAILED_CHECK_FIELDS)


def _update_checked(batch: Batch) -> None:
    """Every scanned field, but the name and description only where the check changed them
    (most rescans change neither): SQLite's search triggers then stay out of the UPDATE."""
    retexted, same = [], []
    for repo in batch.checked:
        old = batch.before.get(repo.id)
        unchanged = old is not None and all(old[name] == getattr(repo, name) for name in SEARCHED_FIELDS)
        (same if unchanged else retexted).append(repo)
    update_fields(retexted, SCANNED_FIELDS)
    update_fields(same, [name for name in SCANNED_FIELDS if name not in SEARCHED_FIELDS])


class Writer:
    def __init__(self, scan_id) -> None:
        self.scan_id = scan_id
        self.threaded = not connection.in_atomic_block
        self.error: BaseException | None = None
        self._queue: queue.Queue[Batch | None] = queue.Queue(maxsize=QUEUE_SIZE)
        self._thread = threading.Thread(target=self._run, name=f"scan-writer-{scan_id}", daemon=True)
        if self.threaded:
            self._thread.start()

    def put(self, batch: Batch) -> None:
        """Write it (in the writer's thread when there is one: this returns once it is queued)."""
        self.raise_error()
        if not self.threaded:
            write(self.scan_id, batch)
            return
        self._queue.put(batch)

    def close(self) -> None:
        """Wait for every queued batch to be written; raise what the writer met."""
        if self.threaded and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self.raise_error()

    def raise_error(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _run(self) -> None:
        try:
            while (batch := self._queue.get()) is not None:
                if self.error is None:
                    try:
                        write(self.scan_id, batch)
                    except BaseException as exc:  # handed to the scan's thread at its next put/close
                        self.error = exc
        finally:
            close_old_connections()
            connection.close()
