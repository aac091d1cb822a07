"""``POST /graphql``: many aliased ``repository(owner:, name:)`` lookups in one request.

Not a GraphQL parser: regexes find each ``alias: repository(...)`` field and whether
``rateLimit`` is asked; every found repository answers with all the fields the scanner's
fragment selects, whatever the selection set says (it is a fake).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from . import responses
from .catalog import license_object
from .index import Lookup
from .ratelimit import Quota
from .request import ApiRequest, authenticate, secondary_check
from .responses import Response
from .rest import node_id
from .state import Fault, FakeState

_STRING = r'"(?:[^"\\\n]|\\.)*"'
_ALIAS = r'(?:\b(?P<alias>[_A-Za-z]\w*)\s*:\s*)?'
REPOSITORY_FIELD = re.compile(_ALIAS + r'\brepository\s*\((?P<args>(?:[^()"]|' + _STRING + r')*)\)')
RATE_LIMIT_FIELD = re.compile(_ALIAS + r'\brateLimit\b')
ARGUMENT = re.compile(
    r'(?P<name>[_A-Za-z]\w*)\s*:\s*(?P<value>' + _STRING + r'|\$[_A-Za-z]\w*|-?\d+|[_A-Za-z]\w*)')
QUERY_COST = 1  # aliased repository lookups without nested connections cost 1 point


@dataclass
class RepositoryField:
    """One ``alias: repository(owner: "...", name: "...")`` of the query."""

    key: str
    arguments: dict[str, Any]
    line: int
    column: int

    @property
    def location(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}


@dataclass
class ParsedQuery:
    """The parts of a query the fake answers."""

    repositories: list[RepositoryField] = field(default_factory=list)
    rate_limit_key: str | None = None


def _position(query: str, offset: int) -> tuple[int, int]:
    """1-based line and column, as GraphQL error ``locations`` give them."""
    line = query.count("\n", 0, offset) + 1
    return line, offset - (query.rfind("\n", 0, offset) + 1) + 1


def _value(token: str, variables: dict[str, Any]) -> Any:
    """A literal argument: a string (JSON escapes), a ``$variable``, a boolean or a word."""
    if token.startswith('"'):
        try:
            return json.loads(token)
        except ValueError:
            return token[1:-1]
    if token.startswith("$"):
        return variables.get(token[1:])
    return {"true": True, "false": False, "null": None}.get(token, token)


def parse_query(query: str, variables: dict[str, Any] | None = None) -> ParsedQuery:
    """Find the repository fields (in order) and the ``rateLimit`` field, if any."""
    variables = variables or {}
    parsed = ParsedQuery()
    for match in REPOSITORY_FIELD.finditer(query):
        arguments = {arg["name"]: _value(arg["value"], variables)
                     for arg in ARGUMENT.finditer(match["args"])}
        line, column = _position(query, match.start())
        parsed.repositories.append(
            RepositoryField(match["alias"] or "repository", arguments, line, column))
    rate_limit = RATE_LIMIT_FIELD.search(query)
    if rate_limit:
        parsed.rate_limit_key = rate_limit["alias"] or "rateLimit"
    return parsed


def repository_node(repo: dict[str, Any]) -> dict[str, Any]:
    """A ``Repository`` object with every field the scanner's fragment selects."""
    owner, name = repo["full_name"].split("/")
    license_info = license_object(repo["license"])
    return {
        "databaseId": repo["id"],
        "id": node_id(repo["id"]),
        "name": name,
        "nameWithOwner": repo["full_name"],
        "owner": {"login": owner},
        "url": f"https://github.com/{repo['full_name']}",
        "isArchived": repo["archived"],
        "isDisabled": repo["disabled"],
        "isFork": repo["fork"],
        "isPrivate": repo["private"],
        "isTemplate": repo["is_template"],
        "description": repo["description"],
        "homepageUrl": repo["homepage"],
        "stargazerCount": repo["stars"],
        "forkCount": repo["forks"],
        "pushedAt": repo["pushed_at"],
        "createdAt": repo["created_at"],
        "updatedAt": repo["updated_at"],
        "primaryLanguage": {"name": repo["language"]} if repo["language"] else None,
        "licenseInfo": ({"spdxId": license_info["spdx_id"], "key": license_info["key"],
                         "name": license_info["name"]} if license_info else None),
        "defaultBranchRef": {"name": repo["default_branch"]},
        "repositoryTopics": {"nodes": [{"topic": {"name": topic}} for topic in repo["topics"]]},
        "watchers": {"totalCount": repo["watchers"]},
        "issues": {"totalCount": repo["open_issues"]},
        "openIssues": {"totalCount": repo["open_issues"]},
    }


def _missing_arguments(parsed: ParsedQuery) -> list[dict[str, Any]]:
    """GraphQL validation errors for ``repository`` fields without ``owner`` or ``name``."""
    errors = []
    for repo_field in parsed.repositories:
        missing = [arg for arg in ("owner", "name") if not repo_field.arguments.get(arg)]
        if missing:
            errors.append({
                "path": ["query", repo_field.key],
                "extensions": {"code": "missingRequiredArguments", "arguments": ", ".join(missing)},
                "locations": [repo_field.location],
                "message": f"Field 'repository' is missing required arguments: {', '.join(missing)}",
            })
    return errors


def _lookup(state: FakeState, repo_field: RepositoryField) -> Lookup | None:
    """Resolve one field; renames are followed unless ``followRenames: false``."""
    follow = repo_field.arguments.get("followRenames", True) is not False
    lookup = state.index.resolve(str(repo_field.arguments["owner"]),
                                 str(repo_field.arguments["name"]), follow_renames=follow)
    return None if lookup is None or lookup.repo["private"] else lookup


def _field_answer(repo_field: RepositoryField, lookup: Lookup | None) -> tuple[Any, dict | None]:
    """The data value of one alias and, when it is null, the error GitHub adds for it."""
    if lookup is None:
        asked = f"{repo_field.arguments['owner']}/{repo_field.arguments['name']}"
        return None, {"type": "NOT_FOUND", "path": [repo_field.key],
                      "locations": [repo_field.location],
                      "message": f"Could not resolve to a Repository with the name '{asked}'."}
    block = lookup.repo["block"]
    if block:
        message = "Repository access blocked (DMCA)" if block == "dmca" else "Repository access blocked"
        return None, {"type": "FORBIDDEN", "path": [repo_field.key],
                      "locations": [repo_field.location], "message": message}
    return repository_node(lookup.repo), None  # disabled ones answer with isDisabled: true


def _rate_limit_node(quota: Quota) -> dict[str, Any]:
    return {"cost": QUERY_COST, "remaining": quota.remaining, "resetAt": quota.reset_iso(),
            "limit": quota.limit, "used": quota.used, "nodeCount": 0}


def _rate_limited(state: FakeState, request: ApiRequest, quota: Quota) -> Response:
    """GraphQL's primary limit answers HTTP 200 with a RATE_LIMITED error and no data."""
    message = f"API rate limit exceeded for user ID {state.user_id(request.token)}."
    return responses.json_response(
        200, {"errors": [{"type": "RATE_LIMITED", "message": message}]}, quota.headers())


def _parse_body(body: bytes) -> tuple[str, dict[str, Any]] | None:
    try:
        payload = json.loads(body or b"null")
        query, variables = payload["query"], payload.get("variables") or {}
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return (query, variables) if isinstance(query, str) and isinstance(variables, dict) else None


def post_graphql(state: FakeState, request: ApiRequest) -> Response:
    """Answer one GraphQL request: auth, secondary, batch size, faults, points, data."""
    if request.token is None:
        return responses.requires_authentication()
    denied = authenticate(state, request) or secondary_check(state, request)
    if denied:
        return denied
    body = _parse_body(request.body)
    if body is None:
        return responses.error(400, "Problems parsing JSON", "https://docs.github.com/graphql")
    parsed = parse_query(*body)
    state.stats.add_aliases(len(parsed.repositories))
    invalid = _missing_arguments(parsed)
    if invalid:
        return responses.json_response(200, {"errors": invalid})
    max_batch = state.config.graphql_max_batch
    if max_batch is not None and len(parsed.repositories) > max_batch:
        return responses.server_error(Fault(502, html=False))  # GitHub's 10 s timeout
    lookups = [_lookup(state, repo_field) for repo_field in parsed.repositories]
    fault = state.fault([lookup.repo for lookup in lookups if lookup])
    if fault:
        return responses.server_error(fault)
    quota = state.graphql.acquire(request.bucket, QUERY_COST)
    if quota.limited:
        return _rate_limited(state, request, quota)
    state.stats.spend("graphql", QUERY_COST)
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for repo_field, lookup in zip(parsed.repositories, lookups):
        data[repo_field.key], problem = _field_answer(repo_field, lookup)
        if problem:
            errors.append(problem)
    if parsed.rate_limit_key:
        data[parsed.rate_limit_key] = _rate_limit_node(quota)
    document: dict[str, Any] = {"data": data}
    if errors:
        document["errors"] = errors
    return responses.json_response(200, document, quota.headers())
