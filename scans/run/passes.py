"""Health first: a scan of more than SCAN_HEALTH_FIRST_OVER repositories runs in two passes, so a
large first scan gives every repository a health before it spends on the rest.

* The **health pass** (the scan that was asked for) asks every repository the lean query (GraphQL:
  1 point per 100 repositories; REST: the one request, no maintenance signals) and counts those
  whose full metadata is due (`ScanJob.metadata_due`).
* Once it has completed, the **metadata pass** follows: a ScanJob of its own (trigger "metadata",
  `health_pass` naming the health pass) over the repositories whose full metadata is due, oldest
  metadata first (never fetched first), that asks the full query (REST: the maintenance signals)
  at SCAN_METADATA_BUDGET_SHARE percent of each token's rate limit, as a schedule's share does
  (`scans/github/budget.py` keeps every request of it above the rest of the limit).

Two ScanJobs rather than two phases of one: each has its own total, counts, shards, progress,
cancel and resume, and the health check a caller polls completes once every repository has a
health, hours before the metadata is in. This module says which pass a scan is, what each pass
costs, which repositories the metadata pass covers, and when each pass is expected to finish.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from repohealth.runtime.http import github_authenticated
from repohealth.runtime.times import format_iso, parse_iso
from repositories.models import Repository
from scans.models import ScanJob

Pass = ScanJob.Pass
Mode = ScanJob.Mode

# GitHub's hourly limits: per token (or GitHub App installation), and without one; what a pass
# expects until GitHub's own figure is known (the rate-limit state the scan's client records).
POINTS_PER_HOUR_TOKEN = 5000
POINTS_PER_HOUR_ANONYMOUS = 60
# The full GraphQL query's connections a repository (scans/fetch/graphql.py: topics, watchers, open
# issues, open pull requests, the default branch's history): GitHub's score is their requests / 100.
FULL_QUERY_CONNECTIONS = 5
# REST's maintenance-signal requests a repository when the full metadata is due (scans/fetch/rest.py);
# the repository's own request beside them is a free 304 with a token once the health pass has its ETag.
REST_SIGNAL_REQUESTS = 3
CHUNK = 5000  # ids per query when the metadata pass's repositories are chosen
GONE = (Repository.Health.NOT_FOUND, Repository.Health.BLOCKED)  # no metadata to fetch


def first_pass(count: int, *, health_pass: ScanJob | None = None) -> str:
    """The pass a new scan of `count` repositories is: a metadata pass when it follows a health
    pass, a health pass over SCAN_HEALTH_FIRST_OVER, else one pass (blank)."""
    if health_pass is not None:
        return Pass.METADATA
    return Pass.HEALTH if count > settings.SCAN_HEALTH_FIRST_OVER else ""


def asks_full(scan: ScanJob, *, due: bool) -> bool:
    """Whether a repository of `scan` is asked its full metadata: never in a health pass, always
    in a metadata pass (it covers only the repositories it is due for), else when `due`."""
    if scan.scan_pass == Pass.HEALTH:
        return False
    return scan.scan_pass == Pass.METADATA or due


def metadata_pass_ids(health: ScanJob) -> list[int]:
    """The repositories of a health pass whose full metadata is due (all of them with `full`), but
    those gone or blocked (nothing to fetch) and those a metadata pass still queued or running
    will fetch (a schedule's next health pass may end before the last one's metadata pass):
    never fetched first, then the oldest, then by id."""
    cutoff = timezone.now() - timedelta(hours=settings.SCAN_FULL_METADATA_HOURS)
    due = Q() if health.full_metadata else Q(metadata_fetched_at=None) | Q(metadata_fetched_at__lte=cutoff)
    never: list[int] = []
    dated: list[tuple[datetime, int]] = []
    taken = set()
    for other in ScanJob.objects.filter(scan_pass=Pass.METADATA, status__in=ScanJob.LIVE).only("repository_ids"):
        taken.update(other.repository_ids)
    ids = [repo_id for repo_id in health.repository_ids if repo_id not in taken] if taken else health.repository_ids
    for start in range(0, len(ids), CHUNK):
        rows = (Repository.objects.filter(due, id__in=ids[start:start + CHUNK]).exclude(health__in=GONE)
                .values_list("id", "metadata_fetched_at"))
        for repo_id, fetched_at in rows:
            if fetched_at is None:
                never.append(repo_id)
            else:
                dated.append((fetched_at, repo_id))
    never.sort()
    dated.sort()
    return never + [repo_id for _, repo_id in dated]


def metadata_share(health: ScanJob) -> int:
    """The metadata pass's share of the rate limit: SCAN_METADATA_BUDGET_SHARE, or the health
    pass's own share when that is smaller (a schedule's)."""
    return min(settings.SCAN_METADATA_BUDGET_SHARE, health.budget_share)


# --- what a pass costs, and when it is expected to finish ----------------------------------------
def query_points(repositories: int, *, full: bool) -> int:
    """GitHub's score of the GraphQL queries for this many repositories: batches of
    SCAN_GRAPHQL_BATCH, each at least 1 point (the lean query has no connection)."""
    size = max(1, min(settings.SCAN_GRAPHQL_BATCH, 100))
    batches = [size] * (repositories // size) + ([repositories % size] if repositories % size else [])
    if not full:
        return len(batches)
    return sum(max(1, (FULL_QUERY_CONNECTIONS * n + 50) // 100) for n in batches)


def pass_points(mode: str, repositories: int, *, full: bool) -> int:
    """The rate-limit points of asking this many repositories the full metadata or the lean
    answer: GraphQL by GitHub's formula, REST a request each (the signals' three more when full)."""
    if repositories <= 0:
        return 0
    if mode == Mode.GRAPHQL:
        return query_points(repositories, full=full)
    if not full:
        return repositories
    return repositories * (REST_SIGNAL_REQUESTS + (0 if github_authenticated() else 1))


def hourly_limit(rate_limit: dict[str, Any] | None) -> int:
    """The points GitHub allows an hour: what it said (every token's limit added up), else its
    documented figure for the configured credentials."""
    limit = (rate_limit or {}).get("limit")
    if limit:
        return int(limit)
    tokens = len(settings.GITHUB_TOKENS) + (1 if settings.GITHUB_APP_CONFIGURED else 0)
    return tokens * POINTS_PER_HOUR_TOKEN if tokens else POINTS_PER_HOUR_ANONYMOUS


def budget_seconds(points: int, *, share: float, rate_limit: dict[str, Any] | None, now: datetime) -> float:
    """Seconds until `points` more are spent at `share` of the rate limit: what is left of this
    hour's share first (the remaining points above the rest of the limit, until the reset), then
    the share of every hour after."""
    if points <= 0:
        return 0.0
    limit = hourly_limit(rate_limit)
    per_hour = limit * share
    remaining, reset_at = (rate_limit or {}).get("remaining"), parse_iso((rate_limit or {}).get("reset_at"))
    if remaining is None or reset_at is None or reset_at <= now:  # no window known: one starts now
        left, start = per_hour, now
    else:
        left, start = max(0.0, remaining - limit * (1 - share)), reset_at
    if points <= left:
        return 0.0
    return (start - now).total_seconds() + (points - left) / per_hour * 3600


def _pass_end(points: int, *, share: float, rate_limit: dict[str, Any] | None, eta_seconds: int | None,
              now: datetime) -> datetime | None:
    """When a running pass that still needs `points` is expected to end: the later of its pace so
    far and its budget; None before its pace is known, unless its budget holds it back."""
    wait = max(eta_seconds or 0, budget_seconds(points, share=share, rate_limit=rate_limit, now=now))
    return now + timedelta(seconds=wait) if eta_seconds is not None or wait else None


def expected_finish(scan: ScanJob, *, rate_limit: dict[str, Any] | None, eta_seconds: int | None,
                    now: datetime, metadata_pass_id: str | None = None) -> dict[str, str | None]:
    """When each pass of a health-first scan is expected to finish at the current budget
    (ISO 8601; None for a pass that is over, that this scan does not have, or whose time is not
    known yet): the later of its pace so far (`eta_seconds`) and the points it still needs at its
    share of the limit. While a health pass runs, its metadata pass is expected to start at its
    end (now, while that is not known) and cover as many repositories, in proportion, as it has
    found due so far (all of them before the first answer). A finished health pass keeps what was
    expected at its end."""
    finish: dict[str, datetime | None] = {Pass.HEALTH.value: None, Pass.METADATA.value: None}
    live, share, left = scan.status in ScanJob.LIVE, scan.budget_share / 100, scan.total - scan.current
    if scan.scan_pass == Pass.METADATA and live:
        finish[Pass.METADATA.value] = _pass_end(pass_points(scan.mode, left, full=True), share=share,
                                                rate_limit=rate_limit, eta_seconds=eta_seconds, now=now)
    elif scan.scan_pass == Pass.HEALTH and (live or metadata_pass_id):
        if live:
            finish[Pass.HEALTH.value] = _pass_end(pass_points(scan.mode, left, full=False), share=share,
                                                  rate_limit=rate_limit, eta_seconds=eta_seconds, now=now)
            start = finish[Pass.HEALTH.value] or now
            due = math.ceil(scan.metadata_due * scan.total / scan.current) if scan.current else scan.total
        else:
            start, due = scan.finished_at or now, scan.metadata_due
        hours = pass_points(scan.mode, due, full=True) / (hourly_limit(rate_limit) * metadata_share(scan) / 100)
        finish[Pass.METADATA.value] = start + timedelta(hours=hours)
    return {name: format_iso(when) for name, when in finish.items()}
