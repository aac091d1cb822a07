"""deps.dev's API (v3), asked for the source repository of a package version. Plain Python.

    GET /v3/systems/{system}/packages/{name}                      versions[].isDefault
    GET /v3/systems/{system}/packages/{name}/versions/{version}   relatedProjects[]: projectKey.id,
                                                                  relationType, relationProvenance

Names and versions are percent-encoded whole, as deps.dev asks (``@colors/colors`` ->
``%40colors%2Fcolors``). A package without a version asks for its default version first: at most
two requests a package, more only when an answer is retried (5xx, 429, a timeout, no connection;
with backoff, never past the deadline). After a package's retries found no connection at all the
client is `down`: what is left is not asked. Unreachable means "ask again later"; a 404 is an
answer: no repository known.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote

from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError

from repohealth.runtime.http import pool_manager
from repositories.dependencies.github import repository_from_url

# package-URL type -> deps.dev system
SYSTEMS = {"npm": "NPM", "pypi": "PYPI", "golang": "GO", "cargo": "CARGO", "maven": "MAVEN", "nuget": "NUGET",
           "gem": "RUBYGEMS"}
ATTEMPTS = 3
BACKOFF_SECONDS = 0.2
REQUEST_TIMEOUT_SECONDS = 10.0
RETRIED = frozenset({429, 500, 502, 503, 504})
NO_REPOSITORY = "no repository known"


class Unreachable(Exception):
    """No answer in time (or none at all): ask again on the next import."""


@dataclass(frozen=True)
class Found:
    """deps.dev's answer for one package: the GitHub repository and how deps.dev knows it
    (its ``relationProvenance``), or why there is none."""

    repository: str | None
    how: str | None = None
    reason: str | None = None


def _quoted(text: str) -> str:
    return quote(text, safe="")


class DepsDev:
    def __init__(self, api_url: str, *, deadline: float, pool_size: int = 8) -> None:
        """`deadline`: a `time.monotonic()` after which nothing more is asked."""
        self.api_url = api_url.rstrip("/")
        self.deadline = deadline
        self.manager = pool_manager(self.api_url, pool_size=pool_size)
        self.down = False
        self.requests = 0
        self._lock = threading.Lock()

    def source_repository(self, system: str, name: str, version: str | None) -> Found:
        """The repository of this version (of the default version when `version` is None).
        Raises Unreachable."""
        path = f"/v3/systems/{_quoted(system)}/packages/{_quoted(name)}"
        if version is None:
            package = self._get(path)
            version = _default_version(package)
            if version is None:
                return Found(None, reason=NO_REPOSITORY)
        answer = self._get(f"{path}/versions/{_quoted(version)}")
        return _source_repo(answer) if answer is not None else Found(None, reason=NO_REPOSITORY)

    def _get(self, path: str) -> dict | None:
        """The JSON answer; None for a 404. Raises Unreachable."""
        for attempt in range(ATTEMPTS):
            if attempt:
                self._pause(BACKOFF_SECONDS * 2 ** (attempt - 1))
            left = self.deadline - time.monotonic()
            if self.down or left <= 0:
                raise Unreachable("no time left" if left <= 0 else "deps.dev is unreachable")
            with self._lock:
                self.requests += 1
            try:
                answer = self.manager.request("GET", self.api_url + path, timeout=min(left, REQUEST_TIMEOUT_SECONDS),
                                              headers={"Accept": "application/json"}, redirect=False)
            except NewConnectionError:
                if attempt == ATTEMPTS - 1:
                    self.down = True
                continue
            except (Urllib3Error, OSError):
                continue
            if answer.status == 404:
                return None
            if answer.status in RETRIED:
                continue
            if answer.status != 200:
                raise Unreachable(f"deps.dev answered {answer.status}")
            try:
                document = json.loads(answer.data)
            except ValueError:
                raise Unreachable("deps.dev answered something that is not JSON") from None
            return document if isinstance(document, dict) else {}
        raise Unreachable("deps.dev did not answer")

    def _pause(self, seconds: float) -> None:
        time.sleep(max(0.0, min(seconds, self.deadline - time.monotonic())))

    def close(self) -> None:
        self.manager.clear()


def _default_version(package: dict | None) -> str | None:
    versions = (package or {}).get("versions")
    for version in versions if isinstance(versions, list) else ():
        if isinstance(version, dict) and version.get("isDefault"):
            key = version.get("versionKey")
            found = key.get("version") if isinstance(key, dict) else None
            return found if isinstance(found, str) and found else None
    return None


def _source_repo(answer: dict) -> Found:
    """The first SOURCE_REPO project on GitHub, a verified relation before an unverified one."""
    elsewhere = None
    candidates = []
    related_projects = answer.get("relatedProjects")
    for related in related_projects if isinstance(related_projects, list) else ():
        if not isinstance(related, dict) or related.get("relationType") != "SOURCE_REPO":
            continue
        key = related.get("projectKey")
        project = str(key.get("id") or "") if isinstance(key, dict) else ""
        repository = repository_from_url(project)
        if repository is None:
            elsewhere = elsewhere or project
            continue
        how = str(related.get("relationProvenance") or "UNKNOWN")
        candidates.append((how == "UNVERIFIED_METADATA", Found(repository, how=how)))
    if candidates:
        return min(candidates, key=lambda item: item[0])[1]
    return Found(None, reason=f"source repository not on GitHub: {elsewhere[:150]}" if elsewhere else NO_REPOSITORY)
