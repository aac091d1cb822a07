"""What a ``POST /graphql`` body asks: parsed (``document.py``), checked against the small part of
GitHub's schema the fake knows (``TYPES``), and costed by GitHub's formula (``cost.py``).

A query text is analysed once and remembered (``_analyse``), as a server keeps its parsed
queries: a client that sends its arguments as variables sends one text for many requests.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from .cost import query_cost
from .document import Document, Field, GraphQLSyntaxError, Operation, Variable, parse, resolve, selection_fields
from .times import parse_iso

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
        "issues": "IssueConnection", "pullRequests": "PullRequestConnection", "latestRelease": "Release",
    },
    "RepositoryOwner": dict.fromkeys(("login", "url")),
    "Language": dict.fromkeys(("name", "color")),
    "License": dict.fromkeys(("spdxId", "key", "name")),
    "Ref": {"name": None, "prefix": None, "target": "GitObject"},
    "GitObject": dict.fromkeys(("id", "oid", "abbreviatedOid", "commitUrl", "commitResourcePath")),
    "Commit": {**dict.fromkeys(("id", "oid", "abbreviatedOid", "commitUrl", "commitResourcePath", "url",
                                "committedDate", "authoredDate", "message", "messageHeadline")),
               "history": "CommitHistoryConnection"},
    "CommitHistoryConnection": {"totalCount": None},
    "Release": dict.fromkeys(("id", "databaseId", "tagName", "name", "publishedAt", "createdAt", "updatedAt",
                              "isDraft", "isPrerelease", "isLatest", "url")),
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
    "Commit": frozenset({"Commit", "GitObject", "Node", "Subscribable", "UniformResourceLocatable"}),
    "Release": frozenset({"Release", "Node", "Reactable", "UniformResourceLocatable"}),
}
# An interface-typed field answers one object type in the fake: a branch's head is always a commit.
# Outside a fragment only the interface's fields may be asked; `... on Commit { ... }` asks the rest.
ANSWERED_AS: dict[str, str] = {"GitObject": "Commit"}
# Arguments that take a GitTimestamp (ISO 8601), checked per request: (type, field) -> names.
TIMESTAMP_ARGUMENTS: dict[tuple[str, str], tuple[str, ...]] = {("Commit", "history"): ("since", "until")}


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


def _selection_mismatch(found: Field, here: list[str], inner: str | None) -> dict[str, Any] | None:
    """A scalar with a selection set, or an object without one."""
    if (inner is None) == (not found.selections):
        return None
    extensions = {"code": "selectionMismatch", "nodeName": f"field '{found.name}'"}
    if inner is None:
        message = (f"Selections can't be made on scalars (field '{found.name}' returns a scalar but has "
                   f"selections)")
    else:
        message = (f"Field must have selections (field '{found.name}' returns {inner} but has no selections. "
                   f"Did you mean '{found.name} {{ ... }}'?)")
    return {"path": here, "locations": [found.location], "extensions": extensions, "message": message}


def _outside_fragments(selections: list, interface: str, path: list[str]) -> list[dict[str, Any]]:
    """An interface's own fields are all a selection may ask outside a fragment."""
    return [_undefined(interface, found, [*path, found.key]) for found in selections
            if isinstance(found, Field) and found.name != "__typename" and found.name not in TYPES[interface]]


class TimestampArguments(NamedTuple):
    """A field whose arguments take a GitTimestamp: where it is, and which arguments."""

    found: Field
    path: list[str]
    names: tuple[str, ...]


def check(selections: list, document: Document, type_name: str, path: list[str],
          timestamps: list[TimestampArguments] | None = None) -> list[dict[str, Any]]:
    """GraphQL validation errors of a selection set against ``TYPES``; the fields whose arguments
    take timestamps are added to ``timestamps`` (their values are checked per request)."""
    answered = ANSWERED_AS.get(type_name, type_name)
    errors = [] if answered == type_name else _outside_fragments(selections, type_name, path)
    try:
        fields = selection_fields(selections, document.fragments, types_of(answered))
    except KeyError as missing:
        return [{"path": path, "message": f"Fragment {missing.args[0]} was used, but not defined",
                 "extensions": {"code": "useAndDefineFragment", "fragmentName": missing.args[0]}}]
    for found in fields:
        here = [*path, found.key]
        if found.name == "__typename" or any(error["path"] == here for error in errors):
            continue
        if found.name not in TYPES[answered]:
            errors.append(_undefined(answered, found, here))
            continue
        if (answered, found.name) in TIMESTAMP_ARGUMENTS and timestamps is not None:
            timestamps.append(TimestampArguments(found, here, TIMESTAMP_ARGUMENTS[(answered, found.name)]))
        inner = TYPES[answered][found.name]
        mismatch = _selection_mismatch(found, here, inner)
        if mismatch:
            errors.append(mismatch)
        elif inner is not None:
            errors.extend(check(found.selections, document, inner, here, timestamps))
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
    timestamps: list[TimestampArguments]  # checked for each request's variables
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
    timestamps: list[TimestampArguments] = []
    errors = check(operation.selections, document, "Query", [operation.kind], timestamps)
    return _Analysis(document, operation, fields, errors, timestamps)


def read_request(query: str, variables: dict[str, Any], operation_name: str | None) -> Request:
    """Parse and check a query; raises ``QueryError`` with GitHub-shaped errors."""
    analysis = _analyse(query, operation_name)
    request = Request(analysis, {**analysis.operation.variable_defaults, **variables})
    if not request.dry_run():  # a dry run is only costed: the fake need not know its fields
        errors = analysis.errors or _missing_arguments(request) or _bad_timestamps(request)
        if errors:
            raise QueryError(errors)
    return request


def _bad_timestamps(request: Request) -> list[dict[str, Any]]:
    """GitHub's errors for a GitTimestamp argument that is not ISO 8601, or a required variable
    for one that was not given."""
    problems = (_timestamp_problem(request, where, name)
                for where in request.analysis.timestamps for name in where.names)
    return [problem for problem in problems if problem]


def _timestamp_problem(request: Request, where: TimestampArguments, name: str) -> dict[str, Any] | None:
    found = where.found
    written = found.arguments.get(name)
    value = request.argument(found, name)
    if isinstance(written, Variable):
        declared = request.operation.variable_types.get(written.name, "GitTimestamp")
        if value is None and not declared.endswith("!"):
            return None
        if value is not None and _is_timestamp(value):
            return None
        explanation = ("Expected value to not be null" if value is None
                       else f"Could not coerce value {json.dumps(value)} to GitTimestamp")
        return {"extensions": {"value": value, "problems": [{"path": [], "explanation": explanation}]},
                "locations": [found.location],
                "message": f"Variable ${written.name} of type {declared} was provided invalid value"}
    if written is None or _is_timestamp(value):
        return None
    return {"path": [*where.path, name], "locations": [found.location],
            "extensions": {"code": "argumentLiteralsIncompatible", "typeName": "Field", "argumentName": name},
            "message": f"Argument '{name}' on Field '{found.name}' has an invalid value ({json.dumps(value)}). "
                       f"Expected type 'GitTimestamp'."}


def _is_timestamp(value: Any) -> bool:
    try:
        return isinstance(value, str) and parse_iso(value) is not None
    except ValueError:
        return False


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
