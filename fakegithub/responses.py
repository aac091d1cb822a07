"""Answers shared by the REST and GraphQL endpoints, shaped like GitHub's.

Every message, status and header here mirrors a recorded GitHub answer; see
docs/github.md for the table the scanner classifies them with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .ratelimit import Quota
from .state import Fault

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

DOCS_REST = "https://docs.github.com/rest"
DOCS_GET_REPO = "https://docs.github.com/rest/repos/repos#get-a-repository"
DOCS_LIST_COMMITS = "https://docs.github.com/rest/commits/commits#list-commits"
DOCS_LATEST_RELEASE = "https://docs.github.com/rest/releases/releases#get-the-latest-release"
DOCS_PRIMARY = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
DOCS_SECONDARY = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
DOCS_GRAPHQL_AUTH = "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"

SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID {}."
)
HTML_ERRORS = {
    502: "<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or "
         "incomplete response.\n</body></html>\n",
    503: "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle "
         "this request.\n</body></html>\n",
}
JSON_ERRORS = {502: "Server Error", 503: "Service Unavailable"}


@dataclass
class Response:
    """An encoded answer: status, body bytes (``None`` for no body) and headers."""

    status: int
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, document: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer, compact like GitHub's."""
    body = json.dumps(document, separators=(",", ":")).encode("utf-8")
    return Response(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})


def error(status: int, message: str, documentation_url: str = DOCS_REST,
          with_status: bool = False, **extra: Any) -> Response:
    """GitHub's error document: ``message``, ``documentation_url`` and, lately, ``status``."""
    document: dict[str, Any] = {"message": message, **extra, "documentation_url": documentation_url}
    if with_status:
        document["status"] = str(status)
    return json_response(status, document)


def not_found(documentation_url: str = DOCS_GET_REPO) -> Response:
    """404: deleted, never existed, or private and not visible to this token."""
    return error(404, "Not Found", documentation_url, with_status=True)


def bad_credentials() -> Response:
    """401 for a wrong token: retrying cannot help."""
    return error(401, "Bad credentials", DOCS_REST, with_status=True)


def requires_authentication() -> Response:
    """401 for GraphQL without a token: GraphQL has no unauthenticated access."""
    return error(401, "This endpoint requires you to be authenticated.", DOCS_GRAPHQL_AUTH)


def primary_limited(quota: Quota, user_id: int, token: str | None, status: int) -> Response:
    """Primary limit exhausted: remaining 0 and a reset the client must wait for.

    Unauthenticated requests are counted per IP, so GitHub names the IP instead of a user.
    """
    if token:
        message = f"API rate limit exceeded for user ID {user_id}."
    else:
        message = ("API rate limit exceeded for 127.0.0.1. (But here's the good news: "
                   "Authenticated requests get a higher rate limit. Check out the "
                   "documentation for more details.)")
    answer = error(status, message, DOCS_PRIMARY)
    answer.headers.update(quota.headers())
    return answer


def secondary_limited(request_id: str, retry_after: int | None, status: int) -> Response:
    """Secondary limit: ``Retry-After`` when GitHub knows the wait, else none at all."""
    answer = error(status, SECONDARY_MESSAGE.format(request_id), DOCS_SECONDARY)
    answer.headers["X-GitHub-Request-Id"] = request_id
    if retry_after is not None:
        answer.headers["Retry-After"] = str(retry_after)
    return answer


def server_error(fault: Fault) -> Response:
    """A 502/503 from GitHub's front end: either its HTML page or a JSON message."""
    if fault.html:
        return Response(fault.status, HTML_ERRORS[fault.status].encode("utf-8"),
                        {"Content-Type": HTML_TYPE})
    return json_response(fault.status, {"message": JSON_ERRORS[fault.status]})
