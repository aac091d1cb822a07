"""What every fetcher shares: the reference to a repository it is given, the result it gives back,
the fetcher protocol the engine drives, and how results of many requests in flight are collected.

A fetcher takes a batch of repositories and gives back one result per repository; the engine does
not care how the answers are obtained: the REST fetcher (scans/fetch/rest.py) makes one call per
repository on a bounded thread pool, the GraphQL fetcher (scans/fetch/graphql.py) asks for a whole
batch in one request. Both yield `FetchResult`s as they complete.
"""

from __future__ import annotations

import queue
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator, Protocol


@dataclass(frozen=True)
class RepoRef:
    id: int
    full_name: str
    etag: str = ""
    github_id: int | None = None
    # The full metadata is due: GraphQL asks the full query (else the lean one), REST the
    # maintenance signals' requests besides the repository's own.
    full: bool = True
    default_branch: str = ""
    signal_etags: tuple[tuple[str, str], ...] = ()  # REST: the ETags of the signals' last answers


# What only a full-metadata answer brings (GraphQL connections, REST's signal requests); a lean
# answer leaves them as stored. `last_commit_at` is not one: the lean query asks it too.
FULL_ONLY_FIELDS = ("topics", "watchers", "open_issues", "commits_last_year", "last_release_at", "last_release_tag")


def counting_since(days: int, *, now: datetime | None = None) -> str:
    """ISO 8601, `days` before now: where a full answer starts counting default-branch commits
    (`commits_last_year`; the maintenance verdict's `active` window)."""
    when = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


ACTIVE_DAYS = 365  # the window a fetcher counts over unless it is told (MAINTAINED_ACTIVE_DAYS)


def wants_full_metadata(fetched_at: datetime | None, *, now: datetime, max_age: timedelta) -> bool:
    """Whether a repository's full metadata is due: never fetched, or `max_age` old."""
    return fetched_at is None or now - fetched_at >= max_age


class Kind:
    """What GitHub said about one repository, before our health rules apply."""

    FOUND = "found"              # 200: metadata is fresh
    NOT_MODIFIED = "not_modified"  # 304: the stored metadata still holds
    NOT_FOUND = "not_found"
    BLOCKED = "blocked"
    ERROR = "error"


@dataclass
class FetchResult:
    ref: RepoRef
    kind: str
    http_status: int | None = None
    metadata: dict | None = None   # Repository field values, when FOUND
    etag: str = ""
    detail: str = ""
    duration_ms: int = 0
    full_metadata: bool = True  # the answer came from a full-metadata request (REST, full GraphQL query)
    # The tracked name now answers for another repository (a repo-jacking): (that name, the other
    # repository's GitHub id); the result itself is then about our repository, looked up by its id.
    reused: tuple[str, int] | None = None


class Fetcher(Protocol):
    batch_size: int

    def owners(self, names: list[str]) -> dict[str, int | None]:
        """Which repository (GitHub id) each name answers for now, following renames; None: none."""

    def fetch(self, batch: list[RepoRef]) -> Iterator[FetchResult | None]:
        """Yield one result per repository as each completes, and None about once a second
        while nothing completes (a rate-limit wait), so the caller can beat its heartbeat."""


IDLE_SECONDS = 1.0


def drain(pending: set[Future]) -> Iterator[FetchResult | None]:
    """Yield the results of futures that each return a list of FetchResults, as they complete,
    and None about once a second while none completes (see Fetcher.fetch).

    The first exception (a 401, a cancel) stops what has not started; what is running is left
    to finish, so no request outlives the scan, and then the exception propagates.
    """
    failure: BaseException | None = None
    # Completions arrive on a queue (`wait(FIRST_COMPLETED)` over hundreds of futures costs a
    # waiter on each of them per call: 5 % of a scan's CPU).
    done: queue.SimpleQueue[Future] = queue.SimpleQueue()
    for future in pending:
        future.add_done_callback(done.put)
    pending = set(pending)
    try:
        while pending:
            try:
                future = done.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                yield None
                continue
            pending.discard(future)
            if future.cancelled():
                continue
            if future.exception() is not None:
                failure = failure or future.exception()
                for other in pending:
                    other.cancel()
            elif failure is None:
                yield from future.result()
    finally:
        for future in pending:
            future.cancel()
    if failure is not None:
        raise failure
