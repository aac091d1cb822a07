"""A repository's maintenance signals: its default branch's commits and its releases.

One model behind both APIs, so that REST and GraphQL give the same figures: the newest commit
(``GET /repos/{o}/{r}/commits`` and ``defaultBranchRef.target.committedDate``), how many commits
since a date (the ``Link`` header's last page and ``history(since:).totalCount``) and the latest
release (``GET /repos/{o}/{r}/releases/latest`` and ``latestRelease``).

Catalog keys (``normalize_activity`` checks them; ``null`` means "derived", below):

- ``commit_dates``: ISO 8601 timestamps of the default branch's newest commits, any order, at most
  ``MAX_COMMIT_DATES``; stored newest first, in UTC. ``null``: ``[pushed_at]``.
- ``commit_count``: every commit on the default branch, at least the listed ones; 0 is an empty
  repository (no listed dates). ``null``: as many as listed when ``commit_dates`` is given, else
  ``DERIVED_COMMIT_COUNT``. The commits beyond the listed ones are older than all of them, spread
  evenly between ``created_at`` and the oldest listed date (all at that date when ``created_at`` is
  not earlier): commit ``k`` of ``m`` unlisted ones is at ``oldest - span * k // (m + 1)`` seconds.
- ``releases``: ``[{"tag", "published_at", "name", "created_at"}]`` (``name`` defaults to the tag,
  ``created_at`` to ``published_at``), at most ``MAX_RELEASES``, all published full releases. The
  latest is the newest by ``created_at``, then ``published_at`` (GitHub's rule: "the most recent
  non-prerelease, non-draft release, sorted by the created_at attribute").

A catalog of 100,000 repositories keeps a few dates each, not every commit: a commit's date is
computed from its place in the history (``CommitLog.date``), counts by binary search.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .times import canonical, epoch, iso_of_epoch, parse_iso

MAX_COMMIT_DATES = 100
MAX_RELEASES = 100
DERIVED_COMMIT_COUNT = 10
RELEASE_KEYS = ("tag", "published_at", "name", "created_at")


# --------------------------------------------------------------------------- catalog keys

def normalize_activity(repo: dict[str, Any]) -> None:
    """Check and put in canonical form ``commit_dates``, ``commit_count`` and ``releases`` (in place)."""
    dates = repo["commit_dates"]
    if dates is not None:
        if not isinstance(dates, list) or len(dates) > MAX_COMMIT_DATES:
            raise ValueError(f"commit_dates must be a list of at most {MAX_COMMIT_DATES} ISO 8601 timestamps")
        repo["commit_dates"] = sorted((canonical(date) for date in dates), reverse=True)
    count = repo["commit_count"]
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"commit_count must be a whole number >= 0, got {count!r}")
        listed = len(repo["commit_dates"]) if dates is not None else min(count, 1)
        if count < listed:
            raise ValueError(f"commit_count {count} is fewer than the {listed} commit_dates listed")
        if count and not listed:
            raise ValueError("commit_count > 0 needs at least the newest commit in commit_dates")
    repo["releases"] = [_release(entry) for entry in _release_list(repo["releases"])]


def _release_list(value: Any) -> list[Any]:
    releases = value or []
    if not isinstance(releases, list) or len(releases) > MAX_RELEASES:
        raise ValueError(f"releases must be a list of at most {MAX_RELEASES} objects")
    return releases


def _release(entry: Any) -> dict[str, str]:
    """One release in full: ``tag``, ``name``, ``published_at`` and ``created_at``."""
    if not isinstance(entry, dict):
        raise ValueError(f'a release is {{"tag": ..., "published_at": ...}}, got {entry!r}')
    unknown = sorted(set(entry) - set(RELEASE_KEYS))
    if unknown:
        raise ValueError(f"unknown release keys {unknown}; known: {list(RELEASE_KEYS)}")
    tag = entry.get("tag")
    if not isinstance(tag, str) or not tag.strip():
        raise ValueError(f"a release needs a tag, got {entry!r}")
    if not entry.get("published_at"):
        raise ValueError(f"release {tag!r} needs published_at")
    published = canonical(entry["published_at"])
    created = canonical(entry["created_at"]) if entry.get("created_at") else published
    name = entry.get("name")
    return {"tag": tag, "name": tag if name is None else str(name), "published_at": published, "created_at": created}


# --------------------------------------------------------------------------- commits

@dataclass(frozen=True)
class CommitLog:
    """The default branch's history: the listed dates (epoch seconds, newest first), how many
    commits in all, and the moment the unlisted older ones are spread back to."""

    listed: tuple[int, ...]
    count: int
    floor: int

    @property
    def empty(self) -> bool:
        return self.count == 0

    def date(self, index: int) -> int:
        """The date of commit ``index`` (0 is the newest), in epoch seconds."""
        if index < len(self.listed):
            return self.listed[index]
        unlisted = self.count - len(self.listed)
        oldest = self.listed[-1]
        span = max(0, oldest - self.floor)
        return oldest - span * (index - len(self.listed) + 1) // (unlisted + 1)

    def _first(self, older: Any) -> int:
        """The first index whose date satisfies ``older`` (true from there on: dates only fall)."""
        low, high = 0, self.count
        while low < high:
            middle = (low + high) // 2
            if older(self.date(middle)):
                high = middle
            else:
                low = middle + 1
        return low

    def window(self, since: int | None = None, until: int | None = None) -> range:
        """The indices of the commits dated at or after ``since`` and at or before ``until``."""
        start = 0 if until is None else self._first(lambda moment: moment <= until)
        stop = self.count if since is None else self._first(lambda moment: moment < since)
        return range(start, max(start, stop))

    def sha(self, repo_id: int, index: int) -> str:
        """A commit id that stays the same while newer commits are added (it counts from the first)."""
        return commit_sha(repo_id, self.count - index)


@dataclass(frozen=True)
class Commit:
    """One commit of the default branch as both APIs show it."""

    sha: str
    node_id: str
    date: str  # author and committer date alike, ISO 8601 UTC
    message: str
    html_url: str
    parent: str | None


def commit_at(repo: dict[str, Any], log: CommitLog, index: int) -> Commit:
    """Commit ``index`` (0 is the newest) of ``repo``'s default branch."""
    sha = log.sha(repo["id"], index)
    return Commit(
        sha=sha, node_id=base64.b64encode(f"06:Commit{repo['id']}:{sha}".encode()).decode(),
        date=iso_of_epoch(log.date(index)), message=f"Update {repo['full_name'].split('/')[1]} ({log.count - index})",
        html_url=f"https://github.com/{repo['full_name']}/commit/{sha}",
        parent=log.sha(repo["id"], index + 1) if index + 1 < log.count else None)


def commit_sha(repo_id: int, ordinal: int) -> str:
    return hashlib.sha1(f"{repo_id}:{ordinal}".encode()).hexdigest()  # an id, not a secret


def commit_log(repo: dict[str, Any]) -> CommitLog:
    """The history a normalized repository describes (``null`` keys derived, see the module)."""
    dates = repo["commit_dates"]
    count = repo["commit_count"]
    if dates is None:
        count = DERIVED_COMMIT_COUNT if count is None else count
        dates = [repo["pushed_at"]] if count else []
    elif count is None:
        count = len(dates)
    return CommitLog(tuple(epoch(date) for date in dates), count, epoch(repo["created_at"]))


def since_until(since: str | None, until: str | None) -> tuple[int | None, int | None]:
    """``since``/``until`` arguments as epoch seconds; a bad one raises ValueError naming it."""
    bounds = []
    for name, value in (("since", since), ("until", until)):
        try:
            bounds.append(None if value in (None, "") else int(parse_iso(value).timestamp()))
        except ValueError:
            raise ValueError(f"{name} must be an ISO 8601 timestamp (2024-01-31T00:00:00Z), got {value!r}") from None
    return bounds[0], bounds[1]


# --------------------------------------------------------------------------- releases

def _newest_release(repo: dict[str, Any]) -> dict[str, str] | None:
    """The release GitHub calls latest, or None when there is none."""
    releases = repo["releases"]
    if not releases:
        return None
    return max(reversed(releases), key=lambda release: (release["created_at"], release["published_at"]))


@dataclass(frozen=True)
class Release:
    """A published full release as both APIs show it."""

    id: int  # REST `id`, GraphQL `databaseId`
    node_id: str
    tag: str
    name: str
    published_at: str
    created_at: str
    html_url: str


def latest(repo: dict[str, Any]) -> Release | None:
    """The latest release of ``repo`` with its ids and URL, or None."""
    release = _newest_release(repo)
    if release is None:
        return None
    number = int(hashlib.sha1(f"{repo['id']}:{release['tag']}".encode()).hexdigest()[:8], 16)
    return Release(
        id=number, node_id=base64.b64encode(f"07:Release{number}".encode()).decode(), tag=release["tag"],
        name=release["name"], published_at=release["published_at"], created_at=release["created_at"],
        html_url=f"https://github.com/{repo['full_name']}/releases/tag/{quote(release['tag'], safe='')}")
