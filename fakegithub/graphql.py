"""``POST /graphql``: aliased ``repository(owner:, name:)`` lookups and ``rateLimit``.

The query is parsed (``document.py``), checked against the small part of GitHub's schema the
fake knows (``TYPES``: ``Query.repository``, ``Query.rateLimit`` and what a ``Repository``
holds), and answered with exactly the fields it selects, under their aliases. An unknown field
is GitHub's ``undefinedField`` error (HTTP 200, no data, no points spent). The cost is GitHub's
formula (``cost.py``); it is charged to the token's GraphQL points, answered in ``rateLimit``
and counted in the stats. ``rateLimit(dryRun: true)`` answers the cost without running the
query or charging it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Callable

from . import responses
from .catalog import license_object
from .cost import query_cost
from .document import Document, Field, GraphQLSyntaxError, Operation, parse, resolve, selection_fields
from .index import Lookup
from .ratelimit import Quota
from .request import ApiRequest, authenticate, secondary_check
from .responses import Response
from .rest import node_id
from .state import Fault, FakeState

# The fake's part of GitHub's schema: type -> field -> the field's object type (None: a scalar).
TYPES: dict[str, dict[str, str | None]] = {
    "Query": {"repository": "Repository", "rateLimit": "RateLimit"},
    "RateLimit": dict.fromkeys(("cost", "remaining", "resetAt", "limit", "used", "nodeCount")),
    "Repository": {
        **dict.fromkeys((
            "databaseId", "id", "name", "nameWithOwner", "url", "isArchived", "isDisabled", "isFork",
            "isPrivate", "isTemplate", "isEmpty", "description", "homepageUrl", "stargazerCount",
            "forkCount", "pushedAt", "createdAt", "updatedAt", "diskUsage", "visibility")),
        "owner": "RepositoryOwner", "primaryLanguage": "Language", "licenseInfo": "License",
        "defaultBranchRef": "Ref", "repositoryTopics": "RepositoryTopicConnection",
        "watchers": "UserConnection", "stargazers": "StargazerConnection",
        "issues": "IssueConnection", "pullRequests": "PullRequestConnection",
    },
    "RepositoryOwner": dict.fromkeys(("login", "url")),
    "Language": dict.fromkeys(("name", "color")),
    "License": dict.fromkeys(("spdxId", "key", "name")),
    "Ref": dict.fromkeys(("name", "prefix")),
    "RepositoryTopicConnection": {"totalCount": None, "nodes": "RepositoryTopic",
                                  "edges": "RepositoryTopicEdge", "pageInfo": "PageInfo"},
    "RepositoryTopicEdge": {"node": "RepositoryTopic", "cursor": None},
    "RepositoryTopic": {"topic": "Topic", "url": None},
    "Topic": dict.fromkeys(("name",)),
    "UserConnection": {"totalCount": None},
    "StargazerConnection": {"totalCount": None},
    "IssueConnection": {"totalCount": None},
    "PullRequestConnection": {"totalCount": None},
    "PageInfo": dict.fromkeys(("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")),
}
# Interfaces a fragment's type condition may name instead of the type itself.
INTERFACES: dict[str, frozenset[str]] = {
    "Repository": frozenset({"Repository", "Node", "RepositoryInfo", "UniformResourceLocatable",
                             "Starrable", "Subscribable", "ProjectOwner", "PackageOwner"}),
    "RepositoryOwner": frozenset({"RepositoryOwner", "User", "Organization", "Node"}),
}


def _types(type_name: str) -> frozenset[str]:
    return INTERFACES.get(type_name, frozenset({type_name}))


class QueryError(Exception):
    """GraphQL errors that stop the whole query (HTTP 200, ``errors`` and no ``data``)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors


@dataclass
class Request:
    """A parsed, checked ``POST /graphql`` body."""

    document: Document
    operation: Operation
    variables: dict[str, Any]
    fields: list[Field]  # the operation's root fields, fragments flattened

    def repositories(self) -> list[Field]:
        return [found for found in self.fields if found.name == "repository"]

    def argument(self, found: Field, name: str) -> Any:
        return resolve(found.arguments.get(name), self.variables)

    def dry_run(self) -> bool:
        return any(found.name == "rateLimit" and self.argument(found, "dryRun") is True for found in self.fields)


def _parse_body(body: bytes) -> tuple[str, dict[str, Any], str | None] | None:
    try:
        payload = json.loads(body or b"null")
        query, variables = payload["query"], payload.get("variables") or {}
        operation_name = payload.get("operationName")
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not isinstance(query, str) or not isinstance(variables, dict):
        return None
    return query, variables, operation_name if isinstance(operation_name, str) else None


def _undefined(type_name: str, found: Field, path: list[str]) -> dict[str, Any]:
    return {"path": path, "locations": [found.location],
            "extensions": {"code": "undefinedField", "typeName": type_name, "fieldName": found.name},
            "message": f"Field '{found.name}' doesn't exist on type '{type_name}'"}


def check(selections: list, document: Document, type_name: str, path: list[str]) -> list[dict[str, Any]]:
    """GraphQL validation errors of a selection set against ``TYPES``."""
    errors: list[dict[str, Any]] = []
    try:
        fields = selection_fields(selections, document.fragments, _types(type_name))
    except KeyError as missing:
        return [{"path": path, "message": f"Fragment {missing.args[0]} was used, but not defined",
                 "extensions": {"code": "useAndDefineFragment", "fragmentName": missing.args[0]}}]
    for found in fields:
        here = [*path, found.key]
        if found.name == "__typename":
            continue
        if found.name not in TYPES[type_name]:
            errors.append(_undefined(type_name, found, here))
            continue
        inner = TYPES[type_name][found.name]
        if inner is None and found.selections:
            errors.append({"path": here, "locations": [found.location],
                           "extensions": {"code": "selectionMismatch", "nodeName": f"field '{found.name}'"},
                           "message": f"Selections can't be made on scalars (field '{found.name}' "
                                      f"returns a scalar but has selections)"})
        elif inner is not None and not found.selections:
            errors.append({"path": here, "locations": [found.location],
                           "extensions": {"code": "selectionMismatch", "nodeName": f"field '{found.name}'"},
                           "message": f"Field must have selections (field '{found.name}' returns {inner} "
                                      f"but has no selections. Did you mean '{found.name} {{ ... }}'?)"})
        elif inner is not None:
            errors.extend(check(found.selections, document, inner, here))
    return errors


def _missing_arguments(request: Request) -> list[dict[str, Any]]:
    """GraphQL validation errors for ``repository`` fields without ``owner`` or ``name``."""
    errors = []
    for found in request.repositories():
        missing = [arg for arg in ("owner", "name") if not request.argument(found, arg)]
        if missing:
            errors.append({
                "path": ["query", found.key],
                "extensions": {"code": "missingRequiredArguments", "arguments": ", ".join(missing)},
                "locations": [found.location],
                "message": f"Field 'repository' is missing required arguments: {', '.join(missing)}",
            })
    return errors


def read_request(query: str, variables: dict[str, Any], operation_name: str | None) -> Request:
    """Parse and check a query; raises ``QueryError`` with GitHub-shaped errors."""
    try:
        document = parse(query)
        operation = document.operation(operation_name)
    except GraphQLSyntaxError as problem:
        raise QueryError([{"message": f"Parse error: {problem}",
                           "locations": [{"line": problem.line, "column": problem.column}]}]) from None
    except ValueError as problem:
        raise QueryError([{"message": str(problem)}]) from None
    if operation.kind != "query":
        raise QueryError([{"message": f"The fake GitHub answers queries only, not a {operation.kind}"}])
    merged = {**operation.variable_defaults, **variables}
    try:
        fields = selection_fields(operation.selections, document.fragments, _types("Query"))
    except KeyError as missing:
        raise QueryError([{"message": f"Fragment {missing.args[0]} was used, but not defined"}]) from None
    request = Request(document, operation, merged, fields)
    if not request.dry_run():  # a dry run is only costed: the fake need not know its fields
        errors = check(operation.selections, document, "Query", [operation.kind])
        errors = errors or _missing_arguments(request)
        if errors:
            raise QueryError(errors)
    return request


# --------------------------------------------------------------------------- answering

def _connection(items: list[Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A connection's value for its arguments: ``first``/``last`` pick the page."""
    def page(arguments: dict[str, Any]) -> dict[str, Any]:
        first, last = arguments.get("first"), arguments.get("last")
        chosen = items[:first] if isinstance(first, int) else items[-last:] if isinstance(last, int) and last else items
        cursors = [base64.b64encode(f"cursor:{items.index(item) + 1}".encode()).decode() for item in chosen]
        return {"totalCount": len(items), "nodes": chosen,
                "edges": [{"node": item, "cursor": cursor} for item, cursor in zip(chosen, cursors)],
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
        "defaultBranchRef": {"name": repo["default_branch"], "prefix": "refs/heads/"},
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
    for found in selection_fields(selections, request.document.fragments, _types(type_name)):
        if found.name == "__typename":
            answer[found.key] = type_name
            continue
        raw = value.get(found.name)
        if callable(raw):
            raw = raw({name: request.argument(found, name) for name in found.arguments})
        inner = TYPES[type_name][found.name]
        answer[found.key] = raw if inner is None else project(raw, inner, found.selections, request)
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


def post_graphql(state: FakeState, api: ApiRequest) -> Response:
    """Answer one GraphQL request: auth, secondary, query, batch size, faults, points, data."""
    if api.token is None:
        return responses.requires_authentication()
    denied = authenticate(state, api) or secondary_check(state, api, "graphql")
    if denied:
        return denied
    body = _parse_body(api.body)
    if body is None:
        return responses.error(400, "Problems parsing JSON", "https://docs.github.com/graphql")
    try:
        request = read_request(*body)
    except QueryError as invalid:
        return responses.json_response(200, {"errors": invalid.errors})
    repositories = request.repositories()
    state.stats.add_aliases(len(repositories))
    _, cost = query_cost(request.operation.selections, request.document.fragments, request.variables)
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
    return responses.json_response(200, document, quota.headers())
