"""The GraphQL fetcher: up to 100 repositories per request, several requests in flight.

Two queries of aliased `repository(owner:, name:)` lookups. GitHub scores a query by its
connections (https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api:
the requests every connection needs, / 100, rounded, at least 1):

* the **lean** query has no connection: 1 point per 100 repositories. It gives everything the
  health rules and most of the catalog need;
* the **full** query adds five connections per repository (topics, watchers, open issues, open
  pull requests, and the default branch's history since a date for the maintenance signals):
  500 requests, 5 points per 100 repositories; and the latest release, an object, no connection.

Both ask the default branch's newest commit date (`target { ... on Commit { committedDate } }`:
an object, no connection), so the maintenance verdict's freshest signal is fresh on every scan.

A `RepoRef` says which one it needs (`full`); a scan asks the full one when a repository's full
metadata is due (`wants_full_metadata`). Outcomes match the REST fetcher's: a null alias with
NOT_FOUND is not_found, a different `nameWithOwner` is a move, FORBIDDEN "Repository access
blocked" is blocked, `isArchived`/`isDisabled`/`pushedAt` as in REST. GraphQL gives no ETag, so
a GraphQL rescan cannot be conditional (docs/github-access.md). What GitHub charged (`rateLimit.cost`) is
added up by the client (`GitHubClient.points_spent`).
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator, NamedTuple

from repohealth.runtime.times import parse_iso
from scans.fetch.common import ACTIVE_DAYS, FetchResult, Kind, RepoRef, counting_since, drain
from scans.fetch.rest import check_identity
from scans.github.client import GitHubClient
from scans.github.errors import TransientFailure

# No connections: GitHub's formula scores a query of these at 1 point, whatever the batch size.
LEAN_FIELDS = """databaseId id nameWithOwner url isArchived isDisabled isFork isPrivate description homepageUrl
  stargazerCount forkCount pushedAt createdAt updatedAt
  primaryLanguage { name } licenseInfo { spdxId }"""
LEAN_BRANCH = "defaultBranchRef { name target { ... on Commit { committedDate } } }"
# One connection request each per repository (FULL_ONLY_FIELDS); `latestRelease` is an object.
CONNECTION_FIELDS = """repositoryTopics(first: 20) { nodes { topic { name } } }
  watchers { totalCount }
  openIssues: issues(states: OPEN) { totalCount }
  openPullRequests: pullRequests(states: OPEN) { totalCount }
  latestRelease { tagName publishedAt createdAt }"""
FULL_BRANCH = ("defaultBranchRef { name target { ... on Commit { committedDate "
               "history(since: $since) { totalCount } } } }")
# The full query's variable besides the names: where `commits_last_year` starts counting.
SINCE = ("since", "GitTimestamp!")


def fragment(*, full: bool) -> str:
    fields = f"{LEAN_FIELDS}\n  {FULL_BRANCH}\n  {CONNECTION_FIELDS}" if full else f"{LEAN_FIELDS}\n  {LEAN_BRANCH}"
    return f"fragment F on Repository {{\n  {fields}\n}}"


class Query(NamedTuple):
    """A GraphQL document and its variables. The names travel as variables, so every batch of one
    size and kind sends the same text: a server can keep it parsed (and no name needs escaping)."""

    text: str
    variables: dict[str, str]


def build_query(refs: list[RepoRef], *, full: bool = True, since: str = "") -> Query:
    """One query for these repositories: the full one (commits counted from `since`, ISO 8601;
    by default ACTIVE_DAYS back), or the lean one (no connections)."""
    variables = _name_variables([ref.full_name for ref in refs])
    if full:
        variables[SINCE[0]] = since or counting_since(ACTIVE_DAYS)
    return Query(_repositories_document(len(refs), "{ ...F }", fragment(full=full), SINCE if full else None),
                 variables)


# Names per old-names query, whatever SCAN_GRAPHQL_BATCH says: `{ databaseId }` alone has no
# connection, so a query is 1 point however many names it asks, and it is light for GitHub to
# answer (a query GitHub times out on is halved, as the repository queries are).
OWNERS_PER_QUERY = 250


def build_owners_query(names: list[str]) -> Query:
    """Which repository each name answers for now (`repository` follows renames): the old names of
    moved repositories, checked on every scan for a name someone else took."""
    return Query(_repositories_document(len(names), "{ databaseId }", ""), _name_variables(names))


@functools.lru_cache(maxsize=32)
def _repositories_document(count: int, selection: str, fragments: str,
                           extra: tuple[str, str] | None = None) -> str:
    """`r0` ... `r{count-1}`: `repository(owner: $o<i>, name: $n<i>)`, each with `selection`;
    `extra`: one more variable (name, type) the fragments use."""
    parameters = ", ".join(f"$o{i}: String!, $n{i}: String!" for i in range(count))
    if extra:
        parameters += f", ${extra[0]}: {extra[1]}"
    lines = [f"  r{i}: repository(owner: $o{i}, name: $n{i}) {selection}" for i in range(count)]
    return (f"query({parameters}) {{\n" + "\n".join(lines) + "\n  rateLimit { cost remaining resetAt }\n}\n"
            + fragments)


def _name_variables(names: list[str]) -> dict[str, str]:
    variables = {}
    for index, name in enumerate(names):
        owner, _, repo = name.partition("/")
        variables[f"o{index}"], variables[f"n{index}"] = owner, repo
    return variables


def metadata_from_graphql(node: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    """A GraphQL Repository as Repository field values (the same keys as metadata_from_rest;
    from the lean query, without FULL_ONLY_FIELDS, so the stored values stay)."""
    def total(key: str) -> int:
        return int((node.get(key) or {}).get("totalCount") or 0)

    full_name = node.get("nameWithOwner") or ""
    branch = node.get("defaultBranchRef") or {}  # null: an empty repository
    head = branch.get("target") or {}
    metadata = {
        "full_name": full_name,
        "github_id": node.get("databaseId"),
        "node_id": node.get("id") or "",
        "html_url": node.get("url") or f"https://github.com/{full_name}",
        "description": node.get("description") or "",
        "homepage": node.get("homepageUrl") or "",
        "language": (node.get("primaryLanguage") or {}).get("name") or "",
        "license": (node.get("licenseInfo") or {}).get("spdxId") or "",
        "stars": int(node.get("stargazerCount") or 0),
        "forks": int(node.get("forkCount") or 0),
        "last_commit_at": parse_iso(head.get("committedDate")),
        "archived": bool(node.get("isArchived")),
        "disabled": bool(node.get("isDisabled")),
        "fork": bool(node.get("isFork")),
        "pushed_at": parse_iso(node.get("pushedAt")),
        "created_at_github": parse_iso(node.get("createdAt")),
    }
    if branch:  # an empty repository has no default branch ref: the stored name stays
        metadata["default_branch"] = branch.get("name") or ""
    if full:
        topics = [(n.get("topic") or {}).get("name") for n in (node.get("repositoryTopics") or {}).get("nodes") or []]
        metadata["topics"] = [t for t in topics if t]
        metadata["open_issues"] = total("openIssues") + total("openPullRequests")
        metadata["watchers"] = total("watchers")
        metadata["commits_last_year"] = int((head.get("history") or {}).get("totalCount") or 0)
        release = node.get("latestRelease") or {}
        metadata["last_release_at"] = parse_iso(release.get("publishedAt") or release.get("createdAt"))
        metadata["last_release_tag"] = release.get("tagName") or ""
    return metadata


def result_from_alias(ref: RepoRef, node: dict | None, error: dict | None, *, duration_ms: int,
                      full: bool = True) -> FetchResult:
    """Classify one alias of a batch answer from the full query, or the lean one."""
    common = {"duration_ms": duration_ms, "full_metadata": full}
    if node is not None:
        return FetchResult(ref, Kind.FOUND, http_status=200, metadata=metadata_from_graphql(node, full=full),
                           etag=ref.etag, **common)
    kind = (error or {}).get("type") or ""
    message = (error or {}).get("message") or "no data for this repository"
    if kind == "NOT_FOUND":
        return FetchResult(ref, Kind.NOT_FOUND, http_status=404,
                           detail="not found on GitHub (deleted, private or never existed)", **common)
    if kind == "FORBIDDEN" or "access blocked" in message.lower():
        detail = "DMCA takedown" if "dmca" in message.lower() else "access blocked by GitHub"
        return FetchResult(ref, Kind.BLOCKED, http_status=403, detail=detail, **common)
    return FetchResult(ref, Kind.ERROR, http_status=200, detail=f"GraphQL {kind or 'error'}: {message}"[:300],
                       **common)


class GraphQLFetcher:
    """Batches of `batch_size` aliases; `concurrency` batches in flight at once."""

    MAX_IN_FLIGHT = 4  # GitHub asks for few concurrent GraphQL requests; latency is what we hide

    def __init__(self, client: GitHubClient, *, batch_size: int = 100, concurrency: int = 4,
                 signals_since: str = "") -> None:
        self.client = client
        self.signals_since = signals_since  # where `commits_last_year` counts from ("": build_query's default)
        self.query_size = max(1, min(batch_size, 100))
        self.in_flight = max(1, min(concurrency, self.MAX_IN_FLIGHT))
        self.batch_size = self.query_size * self.in_flight
        self._pool = ThreadPoolExecutor(max_workers=self.in_flight, thread_name_prefix="graphql")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def fetch(self, batch: list[RepoRef]) -> Iterator[FetchResult | None]:
        """The full query for the refs that want it, the lean one for the others; never a
        query that mixes them (one connection would cost its requests for every alias)."""
        queries = []
        for full in (True, False):
            refs = [ref for ref in batch if ref.full == full]
            queries += [(refs[i:i + self.query_size], full) for i in range(0, len(refs), self.query_size)]
        return drain({self._pool.submit(self.fetch_query, refs, full=full) for refs, full in queries})

    def fetch_query(self, refs: list[RepoRef], *, full: bool = True) -> list[FetchResult]:
        """One request for these repositories; a batch GitHub times out on (502/504) is split
        in half and each half asked again, down to single repositories."""
        try:
            answer = self.client.graphql(*build_query(refs, full=full, since=self.signals_since))
        except TransientFailure as exc:
            return [FetchResult(ref, Kind.ERROR, detail=str(exc)) for ref in refs]
        if answer.status in (502, 504) and len(refs) > 1:
            middle = len(refs) // 2
            return self.fetch_query(refs[:middle], full=full) + self.fetch_query(refs[middle:], full=full)
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.status != 200 or "data" not in body:
            detail = f"HTTP {answer.status}: {body.get('message') or 'GraphQL request failed'}"[:300]
            return [FetchResult(ref, Kind.ERROR, http_status=answer.status, detail=detail) for ref in refs]
        data = body.get("data") or {}
        errors = {}
        for error in body.get("errors") or []:
            path = error.get("path") or []
            if path:
                errors[path[0]] = error
        per_repo = answer.duration_ms // max(1, len(refs))
        results = [result_from_alias(ref, data.get(f"r{i}"), errors.get(f"r{i}"), duration_ms=per_repo, full=full)
                   for i, ref in enumerate(refs)]
        return [self._identified(result) for result in results]

    def _identified(self, result: FetchResult) -> FetchResult:
        try:  # a name taken by another repository: ours by its id (rare; REST)
            return check_identity(self.client, result.ref, result)
        except TransientFailure as exc:
            return FetchResult(result.ref, Kind.ERROR, detail=str(exc))

    def owners(self, names: list[str]) -> dict[str, int | None]:
        """One lean query (no connection: 1 point) per OWNERS_PER_QUERY names, `in_flight` at once."""
        chunks = [names[start:start + OWNERS_PER_QUERY] for start in range(0, len(names), OWNERS_PER_QUERY)]
        found: dict[str, int | None] = {}
        for answer in self._pool.map(self._owners_query, chunks):
            found.update(answer)
        return found

    def _owners_query(self, names: list[str]) -> dict[str, int | None]:
        try:
            answer = self.client.graphql(*build_owners_query(names))
        except TransientFailure:
            return {}  # unknown this time; the next scan asks again
        if answer.status in (502, 504) and len(names) > 1:
            middle = len(names) // 2
            return {**self._owners_query(names[:middle]), **self._owners_query(names[middle:])}
        data = (answer.body or {}).get("data") or {} if isinstance(answer.body, dict) else {}
        return {name: node.get("databaseId") if isinstance(node := data.get(f"r{i}"), dict) else None
                for i, name in enumerate(names)}
