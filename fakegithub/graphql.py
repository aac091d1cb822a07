"""``POST /graphql``: aliased ``repository(owner:, name:)`` lookups and ``rateLimit``.

The query is parsed and checked against the small part of GitHub's schema the fake knows
(``query.py``: ``Query.repository``, ``Query.rateLimit`` and what a ``Repository`` holds), and
answered with exactly the fields it selects, under their aliases. An unknown field
is GitHub's ``undefinedField`` error (HTTP 200, no data, no points spent). The cost is GitHub's
formula (``cost.py``); it is charged to the token's GraphQL points, answered in ``rateLimit``
and counted in the stats. ``rateLimit(dryRun: true)`` answers the cost without running the
query or charging it.
"""

from __future__ import annotations

import base64
from typing import Any, Callable

from . import responses
from .activity import commit_at, commit_log, latest, since_until
from .catalog import license_object
from .document import Field, selection_fields
from .index import Lookup
from .query import ANSWERED_AS, TYPES, QueryError, Request, parse_body, read_request, request_cost, types_of
from .ratelimit import Quota
from .request import ApiRequest, authenticate, secondary_check
from .responses import Response
from .rest import node_id
from .state import FakeState, Fault


def _connection(items: list[Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A connection's value for its arguments: ``first``/``last`` pick the page."""
    def page(arguments: dict[str, Any]) -> dict[str, Any]:
        first, last = arguments.get("first"), arguments.get("last")
        chosen = items[:first] if isinstance(first, int) else items[-last:] if isinstance(last, int) and last else items
        cursors = [base64.b64encode(f"cursor:{items.index(item) + 1}".encode()).decode() for item in chosen]
        return {"totalCount": len(items), "nodes": chosen,
                "edges": [{"node": item, "cursor": cursor} for item, cursor in zip(chosen, cursors, strict=True)],
                "pageInfo": {"hasNextPage": len(chosen) < len(items) and first is not None,
                             "hasPreviousPage": len(chosen) < len(items) and last is not None,
                             "startCursor": cursors[0] if cursors else None,
                             "endCursor": cursors[-1] if cursors else None}}
    return page


def _count(total: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A connection the fake can only count (``totalCount``)."""
    return lambda arguments: {"totalCount": total}


def _open_only(total: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Issues or pull requests: the catalog knows the open ones; other states count 0."""
    def count(arguments: dict[str, Any]) -> dict[str, Any]:
        states = arguments.get("states")
        states = [states] if isinstance(states, str) else states
        return {"totalCount": total if not states or "OPEN" in states else 0}
    return count


def branch_ref(repo: dict[str, Any]) -> dict[str, Any] | None:
    """``defaultBranchRef``: the branch and its head commit (null for an empty repository, as on
    GitHub). ``history`` counts the commits within ``since``/``until`` (checked by query.py)."""
    log = commit_log(repo)
    if log.empty:
        return None
    head = commit_at(repo, log, 0)
    return {"name": repo["default_branch"], "prefix": "refs/heads/", "target": {
        "id": head.node_id, "oid": head.sha, "abbreviatedOid": head.sha[:7], "commitUrl": head.html_url,
        "url": head.html_url, "commitResourcePath": head.html_url.removeprefix("https://github.com"),
        "committedDate": head.date, "authoredDate": head.date, "message": head.message,
        "messageHeadline": head.message,
        "history": lambda arguments: {"totalCount": len(log.window(
            *since_until(arguments.get("since"), arguments.get("until"))))},
    }}


def release_object(repo: dict[str, Any]) -> dict[str, Any] | None:
    """``latestRelease``: the release REST's ``/releases/latest`` gives, or null."""
    release = latest(repo)
    if release is None:
        return None
    return {"id": release.node_id, "databaseId": release.id, "tagName": release.tag, "name": release.name,
            "publishedAt": release.published_at, "createdAt": release.created_at,
            "updatedAt": release.published_at, "isDraft": False, "isPrerelease": False, "isLatest": True,
            "url": release.html_url}


def repository_object(repo: dict[str, Any]) -> dict[str, Any]:
    """Every ``Repository`` field the fake knows; connections take their arguments."""
    owner, name = repo["full_name"].split("/")
    license_info = license_object(repo["license"])
    topics = [{"topic": {"name": topic}, "url": f"https://github.com/topics/{topic}"} for topic in repo["topics"]]
    pull_requests = repo["open_pull_requests"]
    return {
        "databaseId": repo["id"],
        "id": node_id(repo["id"]),
        "name": name,
        "nameWithOwner": repo["full_name"],
        "owner": {"login": owner, "url": f"https://github.com/{owner}"},
        "url": f"https://github.com/{repo['full_name']}",
        "isArchived": repo["archived"],
        "isDisabled": repo["disabled"],
        "isFork": repo["fork"],
        "isPrivate": repo["private"],
        "isTemplate": repo["is_template"],
        "isEmpty": repo["size"] == 0,
        "visibility": "PRIVATE" if repo["private"] else "PUBLIC",
        "description": repo["description"],
        "homepageUrl": repo["homepage"],
        "stargazerCount": repo["stars"],
        "forkCount": repo["forks"],
        "diskUsage": repo["size"],
        "pushedAt": repo["pushed_at"],
        "createdAt": repo["created_at"],
        "updatedAt": repo["updated_at"],
        "primaryLanguage": {"name": repo["language"], "color": None} if repo["language"] else None,
        "licenseInfo": ({"spdxId": license_info["spdx_id"], "key": license_info["key"],
                         "name": license_info["name"]} if license_info else None),
        "defaultBranchRef": lambda arguments: branch_ref(repo),  # computed only when asked
        "latestRelease": lambda arguments: release_object(repo),
        "repositoryTopics": _connection(topics),
        "watchers": _count(repo["watchers"]),
        "stargazers": _count(repo["stars"]),
        "issues": _open_only(repo["open_issues"] - pull_requests),
        "pullRequests": _open_only(pull_requests),
    }


def project(value: Any, type_name: str, selections: list, request: Request) -> Any:
    """``value`` shaped by a (checked) selection set: only the fields asked, under their keys."""
    if value is None:
        return None
    if isinstance(value, list):
        return [project(item, type_name, selections, request) for item in value]
    answer: dict[str, Any] = {}
    for found in selection_fields(selections, request.document.fragments, types_of(type_name)):
        if found.name == "__typename":
            answer[found.key] = type_name
            continue
        raw = value.get(found.name)
        if callable(raw):
            raw = raw({name: request.argument(found, name) for name in found.arguments})
        inner = TYPES[type_name][found.name]
        answer[found.key] = raw if inner is None else project(
            raw, ANSWERED_AS.get(inner, inner), found.selections, request)
    return answer


def _lookup(state: FakeState, request: Request, found: Field) -> Lookup | None:
    """Resolve one field; renames are followed unless ``followRenames: false``."""
    follow = request.argument(found, "followRenames") is not False
    lookup = state.index.resolve(str(request.argument(found, "owner")),
                                 str(request.argument(found, "name")), follow_renames=follow)
    return None if lookup is None or lookup.repo["private"] else lookup


def _field_answer(request: Request, found: Field, lookup: Lookup | None) -> tuple[Any, dict | None]:
    """The data value of one alias and, when it is null, the error GitHub adds for it."""
    if lookup is None:
        asked = f"{request.argument(found, 'owner')}/{request.argument(found, 'name')}"
        return None, {"type": "NOT_FOUND", "path": [found.key], "locations": [found.location],
                      "message": f"Could not resolve to a Repository with the name '{asked}'."}
    block = lookup.repo["block"]
    if block:
        message = "Repository access blocked (DMCA)" if block == "dmca" else "Repository access blocked"
        return None, {"type": "FORBIDDEN", "path": [found.key], "locations": [found.location],
                      "message": message}
    # Disabled repositories answer, with isDisabled: true.
    return project(repository_object(lookup.repo), "Repository", found.selections, request), None


def _rate_limit_object(quota: Quota, cost: int) -> dict[str, Any]:
    return {"cost": cost, "remaining": quota.remaining, "resetAt": quota.reset_iso(),
            "limit": quota.limit, "used": quota.used, "nodeCount": 0}


def _rate_limited(state: FakeState, request: ApiRequest, quota: Quota) -> Response:
    """GraphQL's primary limit answers HTTP 200 with a RATE_LIMITED error and no data."""
    message = f"API rate limit exceeded for user ID {state.user_id(request.token)}."
    return responses.json_response(
        200, {"errors": [{"type": "RATE_LIMITED", "message": message}]}, quota.headers())


def _dry_run(state: FakeState, api: ApiRequest, request: Request, cost: int) -> Response:
    """The cost, computed and not charged; nothing else is run."""
    quota = state.graphql.peek(api.bucket)
    data: dict[str, Any] = {found.key: None for found in request.fields}
    for found in request.fields:
        if found.name == "rateLimit":
            data[found.key] = project(_rate_limit_object(quota, cost), "RateLimit", found.selections, request)
    return responses.json_response(200, {"data": data}, quota.headers())


def _id_lookup(request: Request, repositories: list[Field]) -> bool:
    """Whether every repository alias selects its ``databaseId`` alone: who holds each name now
    (counted apart in the stats, ``graphql_id_lookups``)."""
    return bool(repositories) and all(
        [found.name for found in selection_fields(alias.selections, request.document.fragments)] == ["databaseId"]
        for alias in repositories)


def post_graphql(state: FakeState, api: ApiRequest) -> Response:
    """Answer one GraphQL request: auth, secondary, query, batch size, faults, points, data."""
    if api.token is None:
        return responses.requires_authentication()
    denied = authenticate(state, api) or secondary_check(state, api, "graphql")
    if denied:
        return denied
    body = parse_body(api.body)
    if body is None:
        return responses.error(400, "Problems parsing JSON", "https://docs.github.com/graphql")
    try:
        request = read_request(*body)
    except QueryError as invalid:
        return responses.json_response(200, {"errors": invalid.errors})
    repositories = request.repositories()
    state.stats.add_aliases(len(repositories))
    _, cost = request_cost(request)
    if request.dry_run():
        return _dry_run(state, api, request, cost)
    max_batch = state.config.graphql_max_batch
    if max_batch is not None and len(repositories) > max_batch:
        return responses.server_error(Fault(502, html=False))  # GitHub's 10 s timeout
    lookups = {found.key: _lookup(state, request, found) for found in repositories}
    fault = state.fault([lookup.repo for lookup in lookups.values() if lookup])
    if fault:
        return responses.server_error(fault)
    quota = state.graphql.acquire(api.bucket, cost)
    if quota.limited:
        return _rate_limited(state, api, quota)
    state.stats.spend("graphql", cost)
    state.stats.add_query_cost(cost)
    if _id_lookup(request, repositories):
        state.stats.add_id_lookup(len(repositories), cost)
    return responses.json_response(200, _answer(request, lookups, quota, cost), quota.headers())


def _answer(request, lookups: dict[str, Any], quota, cost: int) -> dict[str, Any]:
    """The document of a query that ran: each field's data, and an error per repository not given."""
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for found in request.fields:
        if found.name == "repository":
            data[found.key], problem = _field_answer(request, found, lookups[found.key])
            if problem:
                errors.append(problem)
        elif found.name == "rateLimit":
            data[found.key] = project(_rate_limit_object(quota, cost), "RateLimit", found.selections, request)
        else:  # __typename
            data[found.key] = "Query"
    document: dict[str, Any] = {"data": data}
    if errors:
        document["errors"] = errors
    return document
