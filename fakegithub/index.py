"""The live catalog: repositories by id, by current name and by previous name.

Lookups are case-insensitive, as GitHub's are. Repository dicts are never mutated in
place: a patch stores a new dict, so a request that already holds one sees a consistent
snapshot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from .catalog import normalize_repo, split_full_name, stable_int
from .times import ISO_FORMAT


@dataclass(frozen=True)
class Lookup:
    """A resolved name: the repository, and whether the name asked was a previous one."""

    repo: dict[str, Any]
    moved: bool


class RepoIndex:
    """Thread-safe repository store with GitHub's name resolution rules."""

    def __init__(self, repositories: Iterable[dict[str, Any]] = ()) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[int, dict[str, Any]] = {}
        self._by_name: dict[str, int] = {}
        self._by_old_name: dict[str, int] = {}
        self.load(repositories, replace=True)

    def __len__(self) -> int:
        return len(self._by_id)

    def load(self, repositories: Iterable[dict[str, Any]], replace: bool = False) -> int:
        """Add repositories (a repository with a known id replaces the old one).

        Every repository is validated before any is stored, so a bad catalog changes
        nothing. Returns how many repositories the catalog then holds.
        """
        normalized = [normalize_repo(raw) for raw in repositories]
        with self._lock:
            if replace:
                self._by_id.clear()
            for repo in normalized:
                if repo.get("id") is None:
                    repo["id"] = self._free_id(repo["full_name"])
                self._by_id[repo["id"]] = repo
            self._rebuild()
            return len(self._by_id)

    def all(self) -> list[dict[str, Any]]:
        """Every repository, in insertion order."""
        with self._lock:
            return list(self._by_id.values())

    def by_id(self, repo_id: int) -> dict[str, Any] | None:
        """``GET /repositories/{id}``: ids never change, even across renames."""
        with self._lock:
            return self._by_id.get(repo_id)

    def resolve(self, owner: str, name: str, follow_renames: bool = True) -> Lookup | None:
        """Find a repository by current name, else (if allowed) by a previous name.

        Current names win over previous ones, as on GitHub, where a new repository can
        take a freed name and stop the redirect.
        """
        key = f"{owner}/{name}".lower()
        with self._lock:
            repo_id = self._by_name.get(key)
            if repo_id is not None:
                return Lookup(self._by_id[repo_id], moved=False)
            repo_id = self._by_old_name.get(key) if follow_renames else None
            if repo_id is not None:
                return Lookup(self._by_id[repo_id], moved=True)
            return None

    def patch(self, owner: str, name: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Change one repository's fields; a new ``full_name`` keeps the old one as previous.

        Mirrors GitHub: a rename or transfer leaves a redirect behind, and any change bumps
        ``updated_at`` unless the patch sets it.
        """
        found = self.resolve(owner, name, follow_renames=False)
        if found is None:
            return None
        current = found.repo
        updated = {**current, **changes, "id": current["id"]}
        new_name = updated["full_name"]
        split_full_name(new_name)
        if new_name.lower() != current["full_name"].lower():
            previous = [n for n in current["previous_names"] if n.lower() != new_name.lower()]
            updated["previous_names"] = [*previous, current["full_name"]]
        if "updated_at" not in changes:
            updated["updated_at"] = datetime.now(timezone.utc).strftime(ISO_FORMAT)
        repo = normalize_repo(updated)
        with self._lock:
            holder = self._by_name.get(new_name.lower())
            if holder is not None and holder != repo["id"]:
                raise ValueError(f"{new_name} is already the name of repository {holder}")
            self._by_id[repo["id"]] = repo
            self._rebuild()
        return repo

    def _free_id(self, full_name: str) -> int:
        repo_id = stable_int(full_name.lower(), 100_000_000, 900_000_000)
        while repo_id in self._by_id:
            repo_id += 1
        return repo_id

    def _rebuild(self) -> None:
        """Recompute both name maps (cheap: catalogs hold thousands, not millions)."""
        self._by_name = {repo["full_name"].lower(): repo_id for repo_id, repo in self._by_id.items()}
        self._by_old_name = {
            old.lower(): repo_id
            for repo_id, repo in self._by_id.items()
            for old in repo["previous_names"]
        }
