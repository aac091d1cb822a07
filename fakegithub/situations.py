"""The maintenance situations of a generated catalog: each repository's default-branch commits,
releases and, for the deprecated ones, the words or homepage that say so, fitting its health
category and its ``pushed_at``.

| situation              | what the repository holds                                             | verdict    |
|------------------------|-----------------------------------------------------------------------|------------|
| `active`               | 6-10 default-branch commits in the last 350 days (the newest at       | active     |
|                        | pushed_at), often releases                                            |            |
| `quiet`                | 1-4 commits in the last 350 days (or, pushed longer ago, the newest   | quiet      |
|                        | at pushed_at), the older ones more than 380 days old                  |            |
| `inactive`             | commits up to pushed_at only, 2+ years ago                            | inactive   |
| `release_only`         | commits 800-1500 days old, a release at pushed_at (within 330 days)   | active     |
| `other_branches`       | pushed_at recent, default-branch commits 760-2000 days old            | inactive   |
| `deprecated_successor` | quiet, and a description naming a successor ("Superseded by a/b")     | deprecated |
| `deprecated`           | quiet or inactive, and a description declaring it over                | deprecated |
| `deprecated_topic`     | quiet, and the topic `deprecated`                                     | deprecated |
| `archived_successor`   | archived, commits up to pushed_at, homepage https://github.com/a/b    | deprecated |
| `archived`             | archived, commits up to pushed_at                                     | deprecated |

The verdicts are the scanner's rule (repositories/maintenance.py) for a repository that answers;
blocked and disabled ones get a situation too, by the age of their last push. Every successor
named is a healthy repository of the same catalog in the `active` situation, so a list fix that
rewrites a link to its successor never makes a dead link. Margins of two weeks or more keep every
verdict the same for a scan run days after the catalog was generated.

No generated repository is empty (``commit_count: 0``, which a catalog may set): GraphQL's
``defaultBranchRef`` is then null while REST still names the default branch, and tests compare
the two APIs' metadata over generated catalogs.

A random generator of its own (seeded from the catalog's seed) decides these, so the rest of a
generated catalog (names, ids, health categories) is what it was before situations existed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Callable

from . import words
from .times import iso, parse_iso

SHARES: dict[str, tuple[tuple[str, int], ...]] = {
    "healthy": (("active", 55), ("quiet", 17), ("release_only", 6), ("other_branches", 6),
                ("deprecated_successor", 6), ("deprecated", 5), ("deprecated_topic", 5)),
    "moved": (("active", 60), ("quiet", 30), ("release_only", 5), ("other_branches", 5)),
    "flaky": (("active", 60), ("quiet", 30), ("release_only", 5), ("other_branches", 5)),
    "stale": (("inactive", 85), ("deprecated", 15)),
    "archived": (("archived_successor", 40), ("archived", 60)),
}
VERDICTS: dict[str, str] = {
    "active": "active", "quiet": "quiet", "inactive": "inactive", "release_only": "active",
    "other_branches": "inactive", "deprecated_successor": "deprecated",
    "deprecated": "deprecated", "deprecated_topic": "deprecated", "archived_successor": "deprecated",
    "archived": "deprecated",
}
NEEDS_SUCCESSOR = {"deprecated_successor": "deprecated", "archived_successor": "archived"}  # -> without one


class _Dates:
    """One repository's dates (its last push, its creation) and ``now``, with the generator."""

    def __init__(self, repo: dict[str, Any], now: datetime, rng: random.Random) -> None:
        self.now, self.rng = now, rng
        self.pushed = parse_iso(repo["pushed_at"])
        self.created = parse_iso(repo["created_at"])

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def between(self, low: datetime, high: datetime, count: int) -> list[datetime]:
        """``count`` moments uniformly between ``low`` and ``high`` (none when the span is empty)."""
        if high <= low:
            return []
        span = (high - low).total_seconds()
        return [low + timedelta(seconds=self.rng.uniform(0, span)) for _ in range(count)]

    def move_creation_before(self, moment: datetime) -> datetime:
        """Make the repository older than ``moment`` when it is not: 60-1500 days before it."""
        self.created = min(self.created, moment - timedelta(days=self.rng.uniform(60, 1500)))
        return self.created


def _history(newest: datetime, others: list[datetime], older: int) -> dict[str, Any]:
    """``commit_dates`` (the newest and the others) and ``commit_count`` (those and ``older`` more)."""
    dates = sorted([newest, *others], reverse=True)
    return {"commit_dates": [iso(moment) for moment in dates], "commit_count": len(dates) + older}


def _releases(rng: random.Random, dates: list[datetime]) -> list[dict[str, str]]:
    """Releases at these dates with rising version tags, newest first."""
    major, minor, patch = rng.choice((0, 1, 1, 2, 3)), rng.randint(0, 9), 0
    releases = []
    for moment in sorted(dates):
        releases.append({"tag": f"v{major}.{minor}.{patch}", "published_at": iso(moment)})
        step = rng.random()
        major, minor, patch = ((major + 1, 0, 0) if step < 0.05 else (major, minor + 1, 0) if step < 0.3
                               else (major, minor, patch + 1))
    return releases[::-1]


def _active(at: _Dates) -> dict[str, Any]:
    recent = at.between(max(at.days_ago(350), at.created), at.pushed, at.rng.randint(5, 9))
    changes = _history(at.pushed, recent, at.rng.randint(20, 1500))
    if at.rng.random() < 0.6:
        latest = at.between(max(at.created, at.pushed - timedelta(days=200)), at.pushed, 1)
        earlier = at.between(at.created, min(latest or [at.pushed]), at.rng.randint(0, 4))
        changes["releases"] = _releases(at.rng, latest + earlier)
    return changes


def _quiet(at: _Dates) -> dict[str, Any]:
    recent = at.between(max(at.days_ago(350), at.created), at.pushed, at.rng.randint(0, 3))
    anchor = at.between(max(at.created, at.days_ago(720)), min(at.days_ago(380), at.pushed), 1)
    changes = _history(at.pushed, recent + anchor, at.rng.randint(3, 300) if anchor else 0)
    if at.rng.random() < 0.3:
        changes["releases"] = _releases(at.rng, at.between(at.created, min(at.days_ago(400), at.pushed), 2))
    return changes


def _settled(at: _Dates) -> dict[str, Any]:
    """Commits up to the last push, none after: inactive once that push is two years old."""
    changes = _history(at.pushed, at.between(at.created, at.pushed, at.rng.randint(0, 2)), at.rng.randint(0, 400))
    if at.rng.random() < 0.4:
        changes["releases"] = _releases(at.rng, at.between(at.created, at.pushed, at.rng.randint(1, 3)))
    return changes


def _old_default_branch(at: _Dates, low: float, high: float) -> tuple[dict[str, Any], datetime]:
    """A default branch whose newest commit is ``low``-``high`` days old (the repository made older
    if needed); returns the changes and that commit's date."""
    newest = at.days_ago(at.rng.uniform(low, high))
    created = at.move_creation_before(newest)
    changes = _history(newest, at.between(created, newest, at.rng.randint(0, 3)), at.rng.randint(10, 500))
    changes["created_at"] = iso(created)
    return changes, newest


def _release_only(at: _Dates) -> dict[str, Any]:
    changes, newest = _old_default_branch(at, 800, 1500)
    earlier = at.between(at.created, newest, at.rng.randint(0, 3))
    changes["releases"] = _releases(at.rng, [at.pushed, *earlier])  # the tag's push is the last push
    return changes


def _other_branches(at: _Dates) -> dict[str, Any]:
    changes, newest = _old_default_branch(at, 760, 2000)
    if at.rng.random() < 0.3:
        changes["releases"] = _releases(at.rng, at.between(at.created, newest, 1))
    return changes


def _winding_down(at: _Dates) -> dict[str, Any]:
    """Quiet when the last push is under two years old, else settled."""
    return _quiet(at) if at.pushed >= at.days_ago(700) else _settled(at)


ACTIVITY: dict[str, Callable[[_Dates], dict[str, Any]]] = {
    "active": _active, "quiet": _quiet, "inactive": _settled, "release_only": _release_only,
    "other_branches": _other_branches, "deprecated_successor": _quiet,
    "deprecated": _winding_down, "deprecated_topic": _quiet, "archived_successor": _settled, "archived": _settled,
}


def _words(situation: str, repo: dict[str, Any], successor: str | None, rng: random.Random) -> dict[str, Any]:
    """The description, topic or homepage that declares a deprecated situation."""
    if situation == "deprecated_successor":
        return {"description": rng.choice(words.SUCCESSOR_DESCRIPTIONS).format(successor=successor)}
    if situation == "deprecated":
        own = (repo["description"] or "A {noun} library").rstrip(".")
        return {"description": rng.choice(words.ABANDONED_DESCRIPTIONS).format(description=own)}
    if situation == "deprecated_topic":
        return {"topics": sorted({*repo["topics"], "deprecated"})}
    if situation == "archived_successor":
        return {"homepage": f"https://github.com/{successor}"}
    return {}


def _situation(category: str, repo: dict[str, Any], now: datetime, rng: random.Random) -> str:
    """Drawn from the category's shares; a blocked or disabled one by the age of its last push."""
    if category in SHARES:
        return words.weighted(rng, SHARES[category])
    age = (now - parse_iso(repo["pushed_at"])).days
    if age <= 330:
        return words.weighted(rng, (("active", 60), ("quiet", 40)))
    return "quiet" if age <= 700 else "inactive"


def _successor(repo: dict[str, Any], pool: list[str], by_owner: dict[str, list[str]], rng: random.Random) -> str:
    """An active healthy repository, of the same owner when there is one."""
    return rng.choice(by_owner.get(repo["full_name"].split("/")[0].lower()) or pool)


def assign(repositories: list[dict[str, Any]], categories: list[str], seed: int, now: datetime) -> list[str]:
    """Give each repository (in place) the commits, releases and words of a situation that fits its
    category; returns the situations, in the same order."""
    rng = random.Random(f"situations:{seed}")
    situations = [_situation(category, repo, now, rng) for repo, category in zip(repositories, categories, strict=True)]
    pool = [repo["full_name"] for repo, category, situation in zip(repositories, categories, situations, strict=True)
            if category == "healthy" and situation == "active"]
    by_owner: dict[str, list[str]] = {}
    for name in pool:
        by_owner.setdefault(name.split("/")[0].lower(), []).append(name)
    for index, (repo, situation) in enumerate(zip(repositories, situations, strict=True)):
        if situation in NEEDS_SUCCESSOR and not pool:
            situation = situations[index] = NEEDS_SUCCESSOR[situation]
        successor = _successor(repo, pool, by_owner, rng) if situation in NEEDS_SUCCESSOR else None
        repo.update(ACTIVITY[situation](_Dates(repo, now, rng)))
        repo.update(_words(situation, repo, successor, rng))
    return situations
