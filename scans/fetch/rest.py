"""The REST fetcher: one GET /repos/{owner}/{repo} per repository on a bounded thread pool, and
how a REST answer becomes a `FetchResult` (also used by the identity check both fetchers make).

When a repository's full metadata is due (`RepoRef.full`), three more requests bring the
maintenance signals (`rest_signals`): the default branch's newest commit, how many commits it has
since a date (counted from the `Link` header, one commit a page), and the latest release.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from repohealth.runtime.times import parse_iso
from scans.fetch.common import ACTIVE_DAYS, FetchResult, Kind, RepoRef, counting_since, drain
from scans.github.client import GitHubClient
from scans.github.errors import TransientFailure

BLOCK_REASONS = {
    "dmca": "DMCA takedown",
    "tos": "blocked for a terms of service violation",
    "unavailable": "access blocked by GitHub",
    "sensitive_data": "blocked: sensitive data",
    "trademark": "blocked: trademark claim",
}


def metadata_from_rest(body: dict) -> dict:
    """A REST repository body as Repository field values."""
    licence = body.get("license") or {}
    spdx = licence.get("spdx_id") or ""
    return {
        "full_name": body.get("full_name") or "",
        "github_id": body.get("id"),
        "node_id": body.get("node_id") or "",
        "html_url": body.get("html_url") or "",
        "description": body.get("description") or "",
        "homepage": body.get("homepage") or "",
        "language": body.get("language") or "",
        "topics": list(body.get("topics") or []),
        "license": "" if spdx == "NOASSERTION" and not licence.get("key") else spdx,
        "stars": int(body.get("stargazers_count") or 0),
        "forks": int(body.get("forks_count") or 0),
        "open_issues": int(body.get("open_issues_count") or 0),
        "watchers": int(body.get("subscribers_count") or 0),
        "default_branch": body.get("default_branch") or "",
        "archived": bool(body.get("archived")),
        "disabled": bool(body.get("disabled")),
        "fork": bool(body.get("fork")),
        "pushed_at": parse_iso(body.get("pushed_at")),
        "created_at_github": parse_iso(body.get("created_at")),
    }


def result_from_rest(ref: RepoRef, answer) -> FetchResult:
    """Classify one REST answer as the table in docs/github.md says."""
    status, body = answer.status, answer.body if isinstance(answer.body, dict) else {}
    common = {"http_status": status, "duration_ms": answer.duration_ms}
    if status == 200 and body.get("full_name"):
        return FetchResult(ref, Kind.FOUND, metadata=metadata_from_rest(body), etag=answer.headers.get("ETag", ""),
                           **common)
    if status == 304:
        return FetchResult(ref, Kind.NOT_MODIFIED, etag=ref.etag, **common)
    if status == 404:
        return FetchResult(ref, Kind.NOT_FOUND, detail="not found on GitHub (deleted, private or never existed)",
                           **common)
    if status in (451, 403) and ("block" in body or body.get("message") == "Repository access blocked"):
        reason = (body.get("block") or {}).get("reason") or ""
        return FetchResult(ref, Kind.BLOCKED, detail=BLOCK_REASONS.get(reason, "access blocked by GitHub"), **common)
    if status == 451:
        return FetchResult(ref, Kind.BLOCKED, detail="unavailable for legal reasons", **common)
    message = body.get("message") or "unexpected answer"
    return FetchResult(ref, Kind.ERROR, detail=f"HTTP {status}: {message}"[:300], **common)


def check_identity(client: GitHubClient, ref: RepoRef, result: FetchResult) -> FetchResult:
    """A tracked name that answers with another repository's id was taken by someone else after
    ours was renamed, transferred or deleted (GitHub's redirect ends when a repository takes the
    old name). Ours is then looked up by its id (GET /repositories/{id}): under its new name it is
    a move, gone it is not found; either way the result says the name was reused. May raise
    TransientFailure."""
    found = (result.metadata or {}).get("github_id") if result.kind == Kind.FOUND else None
    if not ref.github_id or not found or found == ref.github_id:
        return result
    ours = result_from_rest(ref, client.get_repository_by_id(ref.github_id))
    ours.reused = (ref.full_name, found)
    return ours


def rest_owner(client: GitHubClient, name: str) -> int | None:
    """The id of the repository `name` answers for now (a redirect followed), or None."""
    try:
        answer = client.get_repository(name)
    except TransientFailure:
        return None
    body = answer.body if isinstance(answer.body, dict) else {}
    return body.get("id") if answer.status == 200 else None


SIGNAL_ETAG_KEYS = ("commits", "release")
_LAST_PAGE = re.compile(r'<[^>]*[?&]page=(\d+)[^>]*>;\s*rel="last"')


def rest_signals(client: GitHubClient, full_name: str, *, branch: str, since: str,
                 etags: dict[str, str]) -> dict | None:
    """The maintenance signals of one repository as Repository field values (a signal whose answer
    was 304 is left out: the stored value holds), with `signal_etags`; None when an answer is not
    one GitHub documents for these requests (the signals stay due). May raise TransientFailure."""
    values: dict = {}
    new_etags = dict(etags)
    newest = client.get_commits(full_name, sha=branch, etag=etags.get("commits"))
    if newest.status == 200:
        values["last_commit_at"] = _commit_date(newest.body)
        new_etags["commits"] = newest.headers.get("ETag", "")
    elif newest.status == 409:  # an empty repository: no commit at all
        values["last_commit_at"], values["commits_last_year"] = None, 0
    elif newest.status != 304:
        return None
    if "commits_last_year" not in values:
        counted = client.get_commits(full_name, sha=branch, since=since)
        if counted.status not in (200, 409):
            return None
        values["commits_last_year"] = _commit_count(counted)
    release = client.get_latest_release(full_name, etag=etags.get("release"))
    if release.status == 200 and isinstance(release.body, dict):
        values["last_release_at"] = parse_iso(release.body.get("published_at") or release.body.get("created_at"))
        values["last_release_tag"] = release.body.get("tag_name") or ""
        new_etags["release"] = release.headers.get("ETag", "")
    elif release.status == 404:  # no published release
        values["last_release_at"], values["last_release_tag"] = None, ""
        new_etags.pop("release", None)
    elif release.status != 304:
        return None
    values["signal_etags"] = {key: new_etags[key] for key in SIGNAL_ETAG_KEYS if new_etags.get(key)}
    return values


def _commit_date(body) -> datetime | None:
    """The committer date of the first commit of a list-commits page (None for an empty list)."""
    if not isinstance(body, list) or not body or not isinstance(body[0], dict):
        return None
    commit = body[0].get("commit") or {}
    return parse_iso((commit.get("committer") or {}).get("date") or (commit.get("author") or {}).get("date"))


def _commit_count(answer) -> int:
    """Commits in a list-commits answer of one commit a page: the `Link` header's last page, else
    the page itself (0 or 1). 409: an empty repository."""
    if answer.status == 409:
        return 0
    if match := _LAST_PAGE.search(answer.headers.get("Link", "")):
        return int(match.group(1))
    return len(answer.body) if isinstance(answer.body, list) else 0


class RestFetcher:
    """One GET /repos/{owner}/{repo} per repository, `concurrency` at a time."""

    def __init__(self, client: GitHubClient, *, concurrency: int, signals_since: str = "") -> None:
        self.client = client
        self.concurrency = concurrency
        self.signals_since = signals_since or counting_since(ACTIVE_DAYS)  # where `commits_last_year` counts from
        # A chunk's last requests leave the pool part idle while the next chunk is read: big
        # chunks make that rare (measured: 10 % of a 2,000-repository scan's time at 200 a chunk).
        self.batch_size = max(concurrency * 100, 500)
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="github")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def fetch_one(self, ref: RepoRef) -> FetchResult:
        started = time.monotonic()
        try:
            answer = self.client.get_repository(ref.full_name, etag=ref.etag or None)
            result = check_identity(self.client, ref, result_from_rest(ref, answer))
        except TransientFailure as exc:
            return FetchResult(ref, Kind.ERROR, detail=str(exc), duration_ms=int((time.monotonic() - started) * 1000))
        result.full_metadata = ref.full
        if ref.full and result.kind in (Kind.FOUND, Kind.NOT_MODIFIED):
            self._add_signals(ref, result)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result

    def _add_signals(self, ref: RepoRef, result: FetchResult) -> None:
        """The maintenance signals into `result` (a full-metadata answer then). A signal request
        that fails is no failed check: the repository's own answer stands, and the signals stay
        due, asked again by the next scan."""
        metadata = result.metadata or {}
        try:
            signals = rest_signals(self.client, metadata.get("full_name") or ref.full_name,
                                   branch=metadata.get("default_branch") or ref.default_branch,
                                   since=self.signals_since, etags=dict(ref.signal_etags))
        except TransientFailure:
            signals = None
        if signals is None:
            result.full_metadata = False
        else:
            result.metadata = {**metadata, **signals}

    def owners(self, names: list[str]) -> dict[str, int | None]:
        return dict(self._pool.map(lambda name: (name, rest_owner(self.client, name)), names))

    def fetch(self, batch: list[RepoRef]) -> Iterator[FetchResult | None]:
        return drain({self._pool.submit(lambda ref=ref: [self.fetch_one(ref)]) for ref in batch})
