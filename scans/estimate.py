"""What a scan would take before it starts: about how long, and how many of GitHub's rate-limit
points. A page asks a person to approve a scan of more than SCAN_APPROVE_OVER repositories with
this in front of them (scans/pages/approve.py), and the import preview shows it.

Time comes from the rate of the last finished scans in the same mode on this installation; with
none yet, from a rough rate (said so). Points follow what the scanner asks
(docs/github-access.md, "What a scan costs"): REST one request per repository (a rescan's 304 is
free with a token, so that is an upper bound); GraphQL one query per batch of up to 100, scored
by GitHub's formula (`scans.run.passes.query_points`): the lean query 1 point, the full one 5 per
100 repositories (its five connections), for repositories whose full metadata is due (`scans/fetch/common.py`'s
`wants_full_metadata`, the scanner's own rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from repositories.models import Repository
from scans import services
from scans.fetch.common import wants_full_metadata
from scans.fetch.graphql import GraphQLFetcher
from scans.models import ScanJob
from scans.run import passes

Mode = ScanJob.Mode
CHUNK = 5000
RECENT_SCANS = 10
MEASURABLE = 20  # a scan that checked fewer says little about a rate
# Without a finished scan to measure: seconds per request, roughly, on github.com.
ROUGH_REST_SECONDS = 0.3
ROUGH_GRAPHQL_SECONDS = 2.0


@dataclass(frozen=True)
class Estimate:
    count: int
    mode: str
    seconds: float  # checking, plus the hours it waits for the rate limit when it needs more
    waits_hours: int  # of those, hours spent waiting for the rate limit's reset
    rate: float  # repositories a second
    measured: bool  # the rate of recent scans (else a rough guess)
    points: int
    full: int  # GraphQL: repositories due for the full query (health first: in either mode)
    points_per_hour: int  # what GitHub allows this installation an hour
    # Health first (scans/run/passes.py): the health pass's points (the lean query for all) and the
    # metadata pass's (the full metadata that is due) at `metadata_share` percent; 0 for one pass.
    health_points: int = 0
    metadata_points: int = 0
    metadata_share: int = 0

    @property
    def mode_label(self) -> str:
        return Mode(self.mode).label

    @property
    def hours_of_limit(self) -> float:
        """How many hours of the hourly limit the scan needs (over 1: it waits for resets)."""
        return self.points / self.points_per_hour if self.points_per_hour else 0.0


def _mode() -> str:
    try:
        return services.resolve_mode()
    except services.ScanError:  # GraphQL asked for without a token: the start itself will say so
        return Mode.REST


def _recent_rate(mode: str) -> float | None:
    """Repositories a second over the last finished scans in this mode, or None."""
    done = (ScanJob.objects.filter(mode=mode, status=ScanJob.Status.COMPLETED, current__gte=MEASURABLE,
                                   started_at__isnull=False, finished_at__isnull=False)
            .order_by("-finished_at").values_list("current", "started_at", "finished_at")[:RECENT_SCANS])
    checked = sum(current for current, _, _ in done)
    seconds = sum((finished - started).total_seconds() for _, started, finished in done)
    return checked / seconds if checked and seconds > 0 else None


def _rough_rate(mode: str) -> float:
    if mode == Mode.GRAPHQL:
        fetcher_batch = min(settings.SCAN_GRAPHQL_BATCH, 100)
        in_flight = min(settings.SCAN_CONCURRENCY, GraphQLFetcher.MAX_IN_FLIGHT)
        return fetcher_batch * in_flight / ROUGH_GRAPHQL_SECONDS
    return settings.SCAN_CONCURRENCY / ROUGH_REST_SECONDS


def _due_for_full_metadata(ids: list[int]) -> int:
    now, max_age = timezone.now(), timedelta(hours=settings.SCAN_FULL_METADATA_HOURS)
    due = 0
    for start in range(0, len(ids), CHUNK):
        fetched = Repository.objects.filter(id__in=ids[start:start + CHUNK]).values_list("metadata_fetched_at",
                                                                                         flat=True)
        due += sum(1 for at in fetched if wants_full_metadata(at, now=now, max_age=max_age))
    return due


def estimate(ids: list[int], *, new: int = 0) -> Estimate:
    """For these tracked repositories, plus `new` ones an import would add (never fetched)."""
    count = len(ids) + new
    mode = _mode()
    rate = _recent_rate(mode)
    measured = rate is not None
    rate = rate or _rough_rate(mode)
    health_first = passes.first_pass(count) == ScanJob.Pass.HEALTH
    full = _due_for_full_metadata(ids) + new if mode == Mode.GRAPHQL or health_first else 0
    points = count  # REST: a request a repository
    if mode == Mode.GRAPHQL:
        points = passes.query_points(full, full=True) + passes.query_points(count - full, full=False)
    passes_points = {}
    if health_first:
        passes_points = {"health_points": passes.pass_points(mode, count, full=False),
                         "metadata_points": passes.pass_points(mode, full, full=True),
                         "metadata_share": settings.SCAN_METADATA_BUDGET_SHARE}
    # Tokens of one account share one limit: this is the most GitHub could allow, not a promise.
    per_hour = passes.hourly_limit(None)  # GitHub's documented figure for the configured credentials
    waits = max(0, math.ceil(points / per_hour) - 1)
    return Estimate(count=count, mode=mode, seconds=math.ceil(count / rate) + waits * 3600, waits_hours=waits,
                    rate=rate, measured=measured, points=points, full=full, points_per_hour=per_hour,
                    **passes_points)
