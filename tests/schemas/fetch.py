"""GitHub's published API descriptions, fetched once into a cache outside the clone.

    python -m tests.schemas.fetch        # `make test` runs it first; fast when cached

The tests check every GraphQL document the scanner sends against GitHub's GraphQL schema and
every REST field it reads against GitHub's OpenAPI description (tests/scans/fetch/test_github_schema.py).
Both come from the npm registry at pinned versions, with npm itself (`npm pack`: no install, no
scripts run), into `${XDG_CACHE_HOME:-~/.cache}/repohealth/schemas/<package>@<version>/`. Each
step has a timeout, so a missing network costs seconds, not a hang. When a file cannot be had
this prints why and exits 0: the schema tests then say the same, and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

NPM_TIMEOUT_SECONDS = 300  # the OpenAPI package is a 29 MB tarball


@dataclass(frozen=True)
class NpmFile:
    """One file of a pinned npm package."""

    package: str
    version: str
    member: str  # path inside the package

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"


# https://github.com/octokit/graphql-schema: GitHub's public GraphQL schema (SDL).
GRAPHQL_SCHEMA = NpmFile("@octokit/graphql-schema", "15.26.1", "schema.graphql")
# https://github.com/octokit/openapi: GitHub's REST API description for api.github.com.
OPENAPI = NpmFile("@octokit/openapi", "23.0.2", "generated/api.github.com.json")
FILES = (GRAPHQL_SCHEMA, OPENAPI)


class SchemaUnavailable(Exception):
    """The file is not cached and cannot be fetched; str() says why."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "repohealth" / "schemas"


def cached_path(file: NpmFile) -> Path:
    return cache_root() / file.spec / Path(file.member).name


def ensure(file: NpmFile, *, timeout: float = NPM_TIMEOUT_SECONDS) -> Path:
    """The cached file, fetched first if needed; raises SchemaUnavailable with the reason."""
    target = cached_path(file)
    if target.is_file() and target.stat().st_size > 0:
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise SchemaUnavailable(f"npm is not installed, so {file.spec} cannot be fetched into {target.parent} "
                                "(install Node.js and npm, e.g. Debian's `npm` package)")
    with tempfile.TemporaryDirectory(prefix="repohealth-schema-") as folder:
        try:
            done = subprocess.run(
                [npm, "pack", file.spec, "--pack-destination", folder, "--silent", "--ignore-scripts",
                 "--fetch-timeout=60000", "--fetch-retries=1"],
                cwd=folder, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise SchemaUnavailable(f"`npm pack {file.spec}` did not finish within {timeout:g} s "
                                    "(is the npm registry reachable?)") from None
        tarballs = list(Path(folder).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no tarball"]
            raise SchemaUnavailable(f"`npm pack {file.spec}` failed (exit {done.returncode}): {reason[0][:300]}")
        try:
            with tarfile.open(tarballs[0]) as tarball:
                source = tarball.extractfile(f"package/{file.member}")
                if source is None:
                    raise KeyError(file.member)
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
                with source, open(partial, "wb") as out:
                    shutil.copyfileobj(source, out)
        except (KeyError, tarfile.TarError) as exc:
            raise SchemaUnavailable(f"{file.spec} has no usable {file.member} ({exc})") from None
        os.replace(partial, target)  # atomic: a concurrent run sees the whole file or none
    return target


def main() -> int:
    for file in FILES:
        try:
            path = ensure(file)
        except SchemaUnavailable as problem:
            print(f"schemas: {problem}; the GitHub schema tests will say so (and fail under CI=true)",
                  file=sys.stderr)
        else:
            print(f"schemas: {file.spec} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
