"""What a GitHub answer means for a repository: the fetch result becomes the catalog's facts,
the catalog's rules give the maintenance verdict (`repositories.maintenance.judge`) and, from it
and the facts, the health (`repositories.health.health_from_metadata`).
"""

from __future__ import annotations

from datetime import datetime

from repositories.health import health_from_metadata, moved_detail
from repositories.maintenance import VERDICT_FIELDS, Thresholds, judge
from repositories.models import Repository
from scans.fetch.common import FetchResult, Kind

Health = Repository.Health

# Fields a scan writes. A scan never writes imported_name or labels, which belong to people.
SCANNED_FIELDS = [
    "full_name", "github_id", "node_id", "html_url", "description", "homepage", "language", "topics",
    "license", "stars", "forks", "open_issues", "watchers", "default_branch", "archived", "disabled",
    "fork", "pushed_at", "created_at_github", "etag", "health", "health_detail", "previous_names",
    "last_checked_at", "metadata_fetched_at", "last_check_error", "last_check_failed_at", "name_reused",
    "last_commit_at", "commits_last_year", "last_release_at", "last_release_tag", "signal_etags", *VERDICT_FIELDS,
]
# Fields a failed check writes: the failure, and (for a repository never checked) its health.
FAILED_CHECK_FIELDS = ["last_check_error", "last_check_failed_at", "health", "health_detail"]
# Answers to a full-metadata request that settle a repository's full metadata until it is due
# again (a missing or blocked repository has none to fetch); an error settles nothing.
SETTLED = (Kind.FOUND, Kind.NOT_MODIFIED, Kind.NOT_FOUND, Kind.BLOCKED)
# Answers without the repository: its health says which, its verdict is `unknown`.
NO_REPOSITORY = {Kind.NOT_FOUND: Health.NOT_FOUND, Kind.BLOCKED: Health.BLOCKED}


def apply_result(repo: Repository, result: FetchResult, *, now: datetime, thresholds: Thresholds | None = None,
                 taken_names: set[str] | None = None, owners: dict[str, int | None] | None = None) -> str:
    """Update `repo` in memory from `result`; returns the outcome for the scan's counters.

    `taken_names` holds lower-cased full names other tracked repositories already use: a rename
    onto one of those keeps our row's name (the unique constraint) and says so in the detail.
    `owners` says which repository (GitHub id) each of its old names answers for now.
    `thresholds`: the maintenance verdict's (default: the settings').
    """
    if result.kind == Kind.ERROR:
        return apply_failed_check(repo, result, now=now)
    health = _apply(repo, result, now=now, thresholds=thresholds or Thresholds.from_settings(),
                    taken_names=taken_names)
    reuse = name_reuse(repo, result, owners or {})
    repo.name_reused = reuse is not None
    if reuse:
        repo.health_detail = f"{reuse}; {repo.health_detail}"[:300]
    return health


def name_reuse(repo: Repository, result: FetchResult, owners: dict[str, int | None]) -> str | None:
    """Which name of ours now belongs to another repository (repo-jacking), in words; None when
    none does. Lists that still link that name point at a stranger's code."""
    if result.reused is not None:
        name, other = result.reused
        return f"{name} now belongs to another repository (GitHub id {other})"
    for old in repo.previous_names:
        other = owners.get(old)
        if other is not None and repo.github_id is not None and other != repo.github_id:
            return f"its old name {old} now belongs to another repository (GitHub id {other})"
    return None


def _apply(repo: Repository, result: FetchResult, *, now: datetime, thresholds: Thresholds,
           taken_names: set[str] | None) -> str:
    repo.last_checked_at = now
    repo.last_check_error, repo.last_check_failed_at = "", None
    if result.full_metadata and result.kind in SETTLED:
        repo.metadata_fetched_at = now
    if result.kind in (Kind.NOT_FOUND, Kind.BLOCKED):
        repo.etag = ""
        repo.health, repo.health_detail = NO_REPOSITORY[result.kind], result.detail
        judge(repo, now=now, answered=False, thresholds=thresholds)
        return repo.health
    metadata = dict(result.metadata or {})  # NOT_MODIFIED: only the signals asked besides, if any
    new_name = metadata.pop("full_name", "") or repo.full_name
    for name, value in metadata.items():
        setattr(repo, name, value)
    if result.kind == Kind.FOUND:
        repo.etag = result.etag
    judge(repo, now=now, answered=not repo.disabled, thresholds=thresholds)
    if new_name.lower() != repo.full_name.lower():
        if taken_names is not None and new_name.lower() in taken_names:
            repo.health = Health.MOVED
            repo.health_detail = f"{moved_detail(repo.full_name, new_name)}, which is tracked separately"[:300]
            return repo.health
        if repo.full_name not in repo.previous_names:
            repo.previous_names = [*repo.previous_names, repo.full_name]
    repo.full_name = new_name  # a new name, or GitHub's spelling of the same one
    repo.health, repo.health_detail = health_from_metadata(repo)
    return repo.health


def apply_failed_check(repo: Repository, result: FetchResult, *, now: datetime) -> str:
    """A check that failed for a transient reason (network, timeout, 5xx after the retries) is a
    failed check, not news about the repository: what we last knew of it stays (health, metadata,
    `last_checked_at`) and it gains the failure. Only a repository never checked successfully
    shows `error`. The outcome of the check is `error` either way."""
    repo.last_check_error = result.detail[:300]
    repo.last_check_failed_at = now
    if repo.last_checked_at is None:
        repo.health, repo.health_detail = Health.ERROR, result.detail[:300]
    return Health.ERROR
