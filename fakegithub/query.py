"""What a ``POST /graphql`` body asks: parsed (``document.py``), checked against the small part of
GitHub's schema the fake knows (``TYPES``), and costed by GitHub's formula (``cost.py``).

A query text is analysed once and remembered (``_analyse``), as a server keeps its parsed
queries: a client that sends its arguments as variables sends one text for many requests.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from .cost import query_cost
from .document import Document, Field, GraphQLSyntaxError, Operation, parse, resolve, selection_fields

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


def types_of(type_name: str) -> frozenset[str]:
    return INTERFACES.get(type_name, frozenset({type_name}))


class QueryError(Exception):
    """GraphQL errors that stop the whole query (HTTP 200, ``errors`` and no ``data``)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors


@dataclass
class Request:
    """A parsed, checked ``POST /graphql`` body: its query text's analysis and its variables."""

    analysis: _Analysis
    variables: dict[str, Any]

    @property
    def document(self) -> Document:
        return self.analysis.document

    @property
    def operation(self) -> Operation:
        return self.analysis.operation

    @property
    def fields(self) -> list[Field]:
        """The operation's root fields, fragments flattened."""
        return self.analysis.fields

    def repositories(self) -> list[Field]:
        return [found for found in self.fields if found.name == "repository"]

    def argument(self, found: Field, name: str) -> Any:
        return resolve(found.arguments.get(name), self.variables)

    def dry_run(self) -> bool:
        return any(found.name == "rateLimit" and self.argument(found, "dryRun") is True for found in self.fields)


def parse_body(body: bytes) -> tuple[str, dict[str, Any], str | None] | None:
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
        fields = selection_fields(selections, document.fragments, types_of(type_name))
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


@dataclass
class _Analysis:
    """What a query text means, whatever its variables. A server keeps its parsed queries: a
    scanner that sends its names as variables sends one text per batch size, so parsing, checking
    and (where no page size is a variable) costing it happen once, not for every batch."""

    document: Document
    operation: Operation
    fields: list[Field]  # shared by every request of this text: read, never changed
    errors: list[dict[str, Any]]  # check()'s, answered unless the request is a dry run
    cost: tuple[int, int] | None = None  # (requests, cost), once known not to read a variable


@functools.lru_cache(maxsize=64)
def _analyse(query: str, operation_name: str | None) -> _Analysis:
    """Raises ``QueryError`` (not remembered) for a query that cannot be parsed."""
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
    try:
        fields = selection_fields(operation.selections, document.fragments, types_of("Query"))
    except KeyError as missing:
        raise QueryError([{"message": f"Fragment {missing.args[0]} was used, but not defined"}]) from None
    return _Analysis(document, operation, fields, check(operation.selections, document, "Query", [operation.kind]))


def read_request(query: str, variables: dict[str, Any], operation_name: str | None) -> Request:
    """Parse and check a query; raises ``QueryError`` with GitHub-shaped errors."""
    analysis = _analyse(query, operation_name)
    request = Request(analysis, {**analysis.operation.variable_defaults, **variables})
    if not request.dry_run():  # a dry run is only costed: the fake need not know its fields
        errors = analysis.errors or _missing_arguments(request)
        if errors:
            raise QueryError(errors)
    return request


class _Watched(dict):
    """Variables that note whether anything read them."""

    read = False

    def get(self, key, default=None):
        self.read = True
        return super().get(key, default)


def request_cost(request: Request) -> tuple[int, int]:
    """``(requests, cost)`` of a request, remembered with its query text when no variable counts."""
    if request.analysis.cost is not None:
        return request.analysis.cost
    variables = _Watched(request.variables)
    found = query_cost(request.operation.selections, request.document.fragments, variables)
    if not variables.read:
        request.analysis.cost = found
    return found
