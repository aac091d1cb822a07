"""The repository catalog: its file format, its defaults, and a realistic generator.

A catalog is ``{"repositories": [...]}`` (a bare list is accepted too). Each repository is
a flat dict in the fake's own vocabulary (``stars``, ``forks``, ``block``, ``flaky``...);
``normalize_repo`` fills in every missing key so the rest of the fake never has to guess.

Run ``python -m fakegithub.catalog --count 500 --seed 1 --out catalog.json
--names-out names.txt`` to write a generated catalog and the names a user would import.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from . import situations, words
from .activity import normalize_activity
from .times import iso, parse_iso

GITHUB_LAUNCH = datetime(2008, 4, 10, tzinfo=timezone.utc)
BLOCK_REASONS = (None, "dmca", "tos", "unavailable")

# Keys written by hand in REST vocabulary are accepted as aliases of the fake's own keys.
KEY_ALIASES = {
    "stargazers_count": "stars",
    "forks_count": "forks",
    "open_issues_count": "open_issues",
    "subscribers_count": "watchers",
}

DEFAULTS: dict[str, Any] = {
    "description": None,
    "homepage": None,
    "language": None,
    "topics": [],
    "license": None,
    "stars": 0,
    "forks": 0,
    "open_issues": 0,
    "open_pull_requests": None,  # the open pull requests among open_issues; default a quarter
    "watchers": 0,
    "default_branch": "main",
    "archived": False,
    "disabled": False,
    "fork": False,
    "private": False,
    "is_template": False,
    "size": 0,
    "created_at": "2020-01-01T00:00:00Z",
    "pushed_at": None,  # defaults to created_at
    "updated_at": None,  # defaults to pushed_at
    "previous_names": [],
    "block": None,
    "block_created_at": None,  # defaults to updated_at
    "flaky": 0.0,
    "owner_type": None,  # "Organization" or "User"; derived from the owner name when absent
    "owner_id": None,  # derived from the owner name when absent
    # The maintenance signals (activity.py): the default branch's newest commit dates and how many
    # commits it holds (null: derived from pushed_at), and the published releases.
    "commit_dates": None,
    "commit_count": None,
    "releases": [],
}
KNOWN_KEYS = frozenset(DEFAULTS) | {"id", "full_name"}

# SPDX id -> (license key, display name) as GitHub's license API names them.
LICENSE_NAMES: dict[str, tuple[str, str]] = {
    "MIT": ("mit", "MIT License"),
    "Apache-2.0": ("apache-2.0", "Apache License 2.0"),
    "BSD-3-Clause": ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License'),
    "BSD-2-Clause": ("bsd-2-clause", 'BSD 2-Clause "Simplified" License'),
    "GPL-3.0": ("gpl-3.0", "GNU General Public License v3.0"),
    "GPL-2.0": ("gpl-2.0", "GNU General Public License v2.0"),
    "LGPL-3.0": ("lgpl-3.0", "GNU Lesser General Public License v3.0"),
    "AGPL-3.0": ("agpl-3.0", "GNU Affero General Public License v3.0"),
    "MPL-2.0": ("mpl-2.0", "Mozilla Public License 2.0"),
    "ISC": ("isc", "ISC License"),
    "Unlicense": ("unlicense", "The Unlicense"),
    "NOASSERTION": ("other", "Other"),
}

# Share (percent) of each kind of name in a generated import list.
CATEGORY_SHARES: tuple[tuple[str, int], ...] = (
    ("healthy", 70), ("stale", 8), ("archived", 7), ("moved", 5),
    ("not_found", 4), ("blocked", 2), ("disabled", 1), ("flaky", 3),
)


# --------------------------------------------------------------------------- format

def license_object(spdx_id: str | None) -> dict[str, str] | None:
    """The REST ``license`` object for an SPDX id (``null`` when no license was detected)."""
    if spdx_id is None:
        return None
    key, name = LICENSE_NAMES.get(spdx_id, (spdx_id.lower(), spdx_id))
    return {"key": key, "name": name, "spdx_id": spdx_id}


def split_full_name(full_name: str) -> tuple[str, str]:
    """Split ``owner/name``, rejecting anything that is not exactly two non-empty parts."""
    parts = full_name.split("/") if isinstance(full_name, str) else []
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"full_name must look like 'owner/name', got {full_name!r}")
    return parts[0], parts[1]


def normalize_repo(raw: dict[str, Any]) -> dict[str, Any]:
    """Return a complete repository dict: aliases resolved, defaults filled, values checked."""
    if not isinstance(raw, dict):
        raise ValueError(f"a repository must be an object, got {type(raw).__name__}")
    repo = {KEY_ALIASES.get(key, key): value for key, value in raw.items()}
    unknown = sorted(set(repo) - KNOWN_KEYS)
    if unknown:
        raise ValueError(f"unknown repository keys {unknown} in {raw.get('full_name')!r}")
    owner, _ = split_full_name(repo.get("full_name", ""))
    merged = {**DEFAULTS, **repo}
    merged["pushed_at"] = merged["pushed_at"] or merged["created_at"]
    merged["updated_at"] = merged["updated_at"] or merged["pushed_at"]
    merged["block_created_at"] = merged["block_created_at"] or merged["updated_at"]
    merged["owner_type"] = merged["owner_type"] or _owner_type(owner)
    if merged["open_pull_requests"] is None:
        merged["open_pull_requests"] = int(merged["open_issues"]) // 4
    if int(merged["open_pull_requests"]) < 0:
        raise ValueError(f"open_pull_requests must not be negative, got {merged['open_pull_requests']!r}")
    # Never more than open_issues, which counts them (a patch may lower open_issues alone).
    merged["open_pull_requests"] = min(int(merged["open_pull_requests"]), int(merged["open_issues"]))
    merged["owner_id"] = merged["owner_id"] or stable_int(owner.lower(), 1_000_000, 90_000_000)
    if isinstance(merged["license"], dict):
        merged["license"] = merged["license"].get("spdx_id")
    merged["topics"] = list(merged["topics"] or [])
    merged["previous_names"] = [str(name) for name in merged["previous_names"] or []]
    if merged["block"] not in BLOCK_REASONS:
        raise ValueError(f"block must be one of {BLOCK_REASONS}, got {merged['block']!r}")
    if not 0.0 <= float(merged["flaky"]) <= 1.0:
        raise ValueError(f"flaky must be a probability, got {merged['flaky']!r}")
    for name in merged["previous_names"]:
        split_full_name(name)
    for key in ("created_at", "pushed_at", "updated_at", "block_created_at"):
        parse_iso(merged[key])
    normalize_activity(merged)
    if "id" in merged and merged["id"] is not None:
        merged["id"] = int(merged["id"])
    return merged


def repositories_from(document: Any) -> list[dict[str, Any]]:
    """Accept ``{"repositories": [...]}`` or a bare list, as the catalog file format allows."""
    if isinstance(document, dict):
        document = document.get("repositories")
    if not isinstance(document, list):
        raise ValueError('a catalog is {"repositories": [...]} or a list of repositories')
    return document


def load_catalog(path: str | Path) -> list[dict[str, Any]]:
    """Read a catalog JSON file and return its (not yet normalized) repositories."""
    return repositories_from(json.loads(Path(path).read_text(encoding="utf-8")))


def _owner_type(owner: str) -> str:
    """Guess whether an owner is an organization: person-looking logins are users."""
    return "User" if any(owner.startswith(first) for first in words.PERSON_FIRST) else "Organization"


def stable_int(text: str, low: int, high: int) -> int:
    """A deterministic integer in [low, high) derived from ``text`` (not Python's salted hash)."""
    value = 0
    for char in text.encode("utf-8"):
        value = (value * 131 + char) % 2_147_483_647
    return low + value % (high - low)


# --------------------------------------------------------------------------- generator

class _NameFactory:
    """Hands out realistic ``owner/name`` pairs, unique case-insensitively across all uses."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()
        self.owners: list[str] = []

    def owner(self, fresh: bool = False) -> str:
        """An organization login ("acme-labs") or a person login ("maya-chen", "leo42")."""
        if self.owners and not fresh and self.rng.random() < 0.45:
            return self.rng.choice(self.owners)
        rng = self.rng
        if rng.random() < 0.6:
            login = f"{rng.choice(words.OWNER_PREFIXES)}-{rng.choice(words.OWNER_SUFFIXES)}"
        elif rng.random() < 0.5:
            login = f"{rng.choice(words.PERSON_FIRST)}-{rng.choice(words.PERSON_LAST)}"
        else:
            login = f"{rng.choice(words.PERSON_FIRST)}{rng.randint(1, 999)}"
        self.owners.append(login)
        return login

    def repo_name(self) -> str:
        """A package-like repository name ("fast-json", "cache-rs", "typed-router-kit")."""
        rng = self.rng
        base = f"{rng.choice(words.REPO_ADJECTIVES)}-{rng.choice(words.REPO_NOUNS)}"
        if rng.random() < 0.25:
            base = rng.choice(words.REPO_NOUNS)
        suffix = rng.choice(words.REPO_SUFFIXES)
        return f"{base}-{suffix}" if suffix else base

    def claim(self, owner: str, name: str) -> str | None:
        """Reserve ``owner/name`` unless it is taken in any letter case."""
        full_name = f"{owner}/{name}"
        if full_name.lower() in self.taken:
            return None
        self.taken.add(full_name.lower())
        return full_name

    def full_name(self, owner: str | None = None, name: str | None = None) -> str:
        """A new unique full name; pass ``owner`` or ``name`` to keep one part fixed."""
        for attempt in range(10_000):
            claimed = self.claim(owner or self.owner(fresh=attempt > 20), name or self.repo_name())
            if claimed:
                return claimed
        raise RuntimeError("ran out of unique repository names")


def _quotas(count: int) -> list[str]:
    """Apportion ``count`` names over CATEGORY_SHARES (largest remainder), one label each."""
    exact = [(name, count * share / 100) for name, share in CATEGORY_SHARES]
    sizes = {name: int(value) for name, value in exact}
    leftovers = sorted(exact, key=lambda item: item[1] - int(item[1]), reverse=True)
    for name, _ in leftovers[: count - sum(sizes.values())]:
        sizes[name] += 1
    return [name for name, _ in CATEGORY_SHARES for _ in range(sizes[name])]


def _days_ago(now: datetime, low: float, high: float, rng: random.Random) -> datetime:
    return now - timedelta(days=rng.uniform(low, high), seconds=rng.randint(0, 86_399))


# Days since the last push for each category: healthy ones were pushed within the last
# year (skewed recent), stale ones 2-6 years ago, archived ones 1-8 years ago.
_PUSH_AGE_DAYS: dict[str, tuple[float, float]] = {
    "healthy": (0, 330), "flaky": (0, 330), "moved": (0, 330), "stale": (730, 2190),
    "archived": (365, 2900), "blocked": (30, 1500), "disabled": (200, 2000),
}


def _repository(category: str, full_name: str, repo_id: int, rng: random.Random,
                now: datetime) -> dict[str, Any]:
    """One generated repository whose fields fit its category."""
    low, high = _PUSH_AGE_DAYS[category]
    if category in ("healthy", "flaky", "moved"):
        pushed = now - timedelta(days=high * rng.random() ** 2, seconds=rng.randint(0, 86_399))
    else:
        pushed = _days_ago(now, low, high, rng)
    created = max(GITHUB_LAUNCH, pushed - timedelta(days=rng.uniform(30, 3650)))
    updated = pushed + (now - pushed) * rng.random() * 0.5
    stars = min(300_000, int(rng.paretovariate(0.6) * 10) - 10)  # long-tailed, median ~30
    adjective, noun = rng.choice(words.REPO_ADJECTIVES), rng.choice(words.REPO_NOUNS)
    description = rng.choice(words.DESCRIPTION_TEMPLATES).format(
        adj=adjective, Adj=adjective.capitalize(), noun=noun)
    repo: dict[str, Any] = {
        "id": repo_id,
        "full_name": full_name,
        "description": description if rng.random() < 0.9 else None,
        "homepage": f"https://{full_name.split('/')[1]}.readthedocs.io/" if rng.random() < 0.3 else None,
        "language": words.weighted(rng, words.LANGUAGES),
        "topics": sorted(rng.sample(words.TOPICS, rng.choice((0, 0, 1, 2, 3, 4, 5)))),
        "license": words.weighted(rng, words.LICENSES),
        "stars": stars,
        "forks": int(stars * rng.uniform(0.02, 0.3)),
        "open_issues": int(stars * rng.uniform(0.0, 0.05)) + rng.randint(0, 5),
        "watchers": int(stars * rng.uniform(0.01, 0.04)) + 1,
        "default_branch": "main" if pushed.year >= 2021 and rng.random() < 0.8 else "master",
        "archived": category == "archived",
        "disabled": category == "disabled",
        "fork": rng.random() < 0.05,
        "private": False,
        "size": rng.randint(20, 200_000),
        "created_at": iso(created),
        "pushed_at": iso(pushed),
        "updated_at": iso(updated),
        "previous_names": [],
        "block": None,
        "flaky": 0.3 if category == "flaky" else 0.0,
    }
    return repo


def generate_catalog(count: int = 500, seed: int = 1, now: datetime | None = None) -> dict[str, Any]:
    """A deterministic catalog of ``count`` import names with a realistic mix of outcomes.

    Returns ``{"repositories": [...], "import_names": [...], "categories": {name: category},
    "situations": {name: situation}}``. ``import_names`` holds what a user would import: moved
    repositories appear under their OLD name and not-found ones exist only there (and have no
    situation: ``situations.py`` says what each means). ``now`` defaults to today at midnight UTC,
    so two calls on the same day give the same catalog.
    """
    now = now or datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    rng = random.Random(seed)
    labels = _quotas(count)
    rng.shuffle(labels)
    names = _NameFactory(rng)
    ids = rng.sample(range(10_000_000, 900_000_000), count)
    repositories: list[dict[str, Any]] = []
    import_names: list[str] = []
    categories: dict[str, str] = {}
    present: list[str] = []  # the import names of the repositories that exist
    blocked_seen = 0
    for category, repo_id in zip(labels, ids, strict=True):
        full_name = names.full_name()
        import_names.append(full_name)
        categories[full_name] = category
        if category == "not_found":
            continue
        repo = _repository(category, full_name, repo_id, rng, now)
        if category == "moved":
            repo["previous_names"] = [full_name]
            owner, name = split_full_name(full_name)
            move = rng.choice(("rename", "transfer", "both"))
            repo["full_name"] = names.full_name(
                owner=owner if move == "rename" else None, name=name if move == "transfer" else None)
        if category == "blocked":
            repo["block"] = "dmca" if blocked_seen % 2 == 0 else "tos"
            blocked_seen += 1
        repositories.append(repo)
        present.append(full_name)
    assigned = situations.assign(repositories, [categories[name] for name in present], seed, now)
    return {"repositories": repositories, "import_names": import_names, "categories": categories,
            "situations": dict(zip(present, assigned, strict=True))}


# Two well-known repositories so the demo server answers the names used in the docs.
WELL_KNOWN: tuple[dict[str, Any], ...] = (
    {"id": 3544490, "full_name": "PyGithub/PyGithub",
     "description": "Typed interactions with the GitHub API v3",
     "homepage": "https://pygithub.readthedocs.io/", "language": "Python",
     "topics": ["github", "github-api", "pygithub", "python"], "license": "LGPL-3.0",
     "stars": 7122, "forks": 1793, "open_issues": 357, "watchers": 111, "size": 16425,
     "created_at": "2012-02-25T12:53:47Z", "updated_at": "2025-01-06T21:35:40Z",
     "pushed_at": "2024-12-19T12:01:11Z", "owner_type": "Organization", "owner_id": 11288996,
     "releases": [{"tag": "v2.5.0", "published_at": "2024-11-06T11:52:31Z"},
                  {"tag": "v2.4.0", "published_at": "2024-08-26T07:18:32Z"}]},
    {"id": 1362490, "full_name": "psf/requests",
     "description": "A simple, yet elegant, HTTP library.",
     "homepage": "https://requests.readthedocs.io/en/latest/", "language": "Python",
     "topics": ["http", "python", "python-requests", "requests"], "license": "Apache-2.0",
     "stars": 52000, "forks": 9300, "open_issues": 250, "watchers": 1300, "size": 13000,
     "created_at": "2011-02-13T18:38:17Z", "updated_at": "2025-01-10T10:00:00Z",
     "pushed_at": "2025-01-09T09:00:00Z", "owner_type": "Organization", "owner_id": 1525981,
     "releases": [{"tag": "v2.32.3", "published_at": "2024-05-29T15:37:47Z"},
                  {"tag": "v2.32.2", "published_at": "2024-05-21T20:37:33Z"}]},
)


def default_catalog() -> list[dict[str, Any]]:
    """The demo catalog served when no catalog is given: 500 generated names plus WELL_KNOWN."""
    return [*generate_catalog(500, seed=1)["repositories"], *WELL_KNOWN]


# --------------------------------------------------------------------------- CLI

def _write(text: str, path: str | None) -> None:
    if path in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m fakegithub.catalog``: write a generated catalog and its import names."""
    parser = argparse.ArgumentParser(prog="python -m fakegithub.catalog", description=__doc__)
    parser.add_argument("--count", type=int, default=500, help="number of import names")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--now", help="ISO timestamp the ages are relative to (default: today)")
    parser.add_argument("--out", help="catalog JSON file (default: stdout)")
    parser.add_argument("--names-out", help="text file with one import name per line")
    args = parser.parse_args(list(argv) if argv is not None else None)
    catalog = generate_catalog(args.count, args.seed, parse_iso(args.now) if args.now else None)
    _write(json.dumps(catalog, indent=2) + "\n", args.out)
    if args.names_out:
        _write("".join(f"{name}\n" for name in catalog["import_names"]), args.names_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
