"""REST endpoints: ``GET /repos/{owner}/{repo}``, ``GET /repositories/{id}``, ``GET /rate_limit``.

Order of checks, as GitHub applies them: credentials (401), secondary limit (403), then
the answer itself; faults (5xx) come from the front end and spend nothing; the primary
limit is checked last, when the cost is known (a 304 made with a token is free).
"""

from __future__ import annotations

import base64
import hashlib
import json
from email.utils import format_datetime
from typing import Any, Callable

from . import responses
from .catalog import license_object, parse_iso, split_full_name
from .index import Lookup
from .request import ApiRequest, authenticate, secondary_check
from .responses import DOCS_GET_REPO, DOCS_REST, Response
from .state import FakeState


def node_id(repo_id: int) -> str:
    """The legacy global node id GitHub still returns (``MDEwOlJlcG9zaXRvcnkzNTQ0NDkw``)."""
    return base64.b64encode(f"010:Repository{repo_id}".encode()).decode()


def repo_document(repo: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The REST repository object with GitHub's field names and legacy duplicates."""
    owner, name = split_full_name(repo["full_name"])
    full_name = repo["full_name"]
    return {
        "id": repo["id"],
        "node_id": node_id(repo["id"]),
        "name": name,
        "full_name": full_name,
        "private": repo["private"],
        "owner": {"login": owner, "id": repo["owner_id"], "type": repo["owner_type"],
                  "html_url": f"https://github.com/{owner}"},
        "html_url": f"https://github.com/{full_name}",
        "description": repo["description"],
        "fork": repo["fork"],
        "url": f"{base_url}/repos/{full_name}",
        "homepage": repo["homepage"],
        "size": repo["size"],
        "language": repo["language"],
        "created_at": repo["created_at"],
        "updated_at": repo["updated_at"],
        "pushed_at": repo["pushed_at"],
        "stargazers_count": repo["stars"],
        "watchers_count": repo["stars"],  # legacy: a copy of the star count
        "forks_count": repo["forks"],
        "open_issues_count": repo["open_issues"],
        "forks": repo["forks"],
        "open_issues": repo["open_issues"],
        "watchers": repo["stars"],
        "subscribers_count": repo["watchers"],  # the real watcher count
        "network_count": repo["forks"],
        "archived": repo["archived"],
        "disabled": repo["disabled"],
        "visibility": "private" if repo["private"] else "public",
        "is_template": repo["is_template"],
        "license": license_object(repo["license"]),
        "topics": list(repo["topics"]),
        "default_branch": repo["default_branch"],
    }


def etag_for(body: bytes, token: str | None) -> str:
    """A weak ETag over the body and the token: GitHub's ETags differ per token."""
    digest = hashlib.sha256(body + b"\x00" + (token or "").encode("utf-8")).hexdigest()
    return f'W/"{digest}"'


def matches_etag(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` uses weak comparison and may list several tags."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or wanted in tags


def visible(lookup: Lookup | None) -> Lookup | None:
    """Private repositories are 404 to this token, exactly like missing ones."""
    return None if lookup is None or lookup.repo["private"] else lookup


# --------------------------------------------------------------------------- answers

def answer_repo(repo: dict[str, Any], request: ApiRequest) -> Response:
    """200 with caching headers, or 304 when ``If-None-Match`` holds the current ETag."""
    body = json.dumps(repo_document(repo, request.base_url), separators=(",", ":")).encode()
    etag = etag_for(body, request.token)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(parse_iso(repo["updated_at"]), usegmt=True),
        "Cache-Control": "private, max-age=60",
        "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
    }
    if matches_etag(request.headers.get("If-None-Match"), etag):
        return Response(304, None, headers)
    return Response(200, body, {"Content-Type": responses.JSON_TYPE, **headers})


def answer_moved(repo: dict[str, Any], request: ApiRequest) -> Response:
    """301 for a previous name (rename, owner rename or transfer), pointing at the id."""
    location = f"{request.base_url}/repositories/{repo['id']}"
    return responses.json_response(
        301, {"message": "Moved Permanently", "url": location, "documentation_url": DOCS_GET_REPO},
        {"Location": location})


def answer_blocked(repo: dict[str, Any]) -> Response:
    """451 for a DMCA takedown, 403 for a terms-of-service (or otherwise unavailable) block."""
    reason = repo["block"]
    created = repo["block_created_at"]
    if reason == "dmca":
        name = repo["full_name"].split("/")[1]
        html_url = f"https://github.com/github/dmca/blob/master/{created[:4]}/{created[5:7]}/{created[:10]}-{name}.md"
    else:
        html_url = f"https://github.com/{repo['full_name']}"
    return responses.json_response(451 if reason == "dmca" else 403, {
        "message": "Repository access blocked",
        "block": {"reason": reason, "created_at": created, "html_url": html_url},
    })


def answer_lookup(lookup: Lookup | None, request: ApiRequest, not_found_docs: str) -> Response:
    """The answer for a resolved (or unresolved) name, before rate limiting."""
    if lookup is None:
        return responses.not_found(not_found_docs)
    if lookup.moved:
        return answer_moved(lookup.repo, request)
    if lookup.repo["block"]:
        return answer_blocked(lookup.repo)
    return answer_repo(lookup.repo, request)  # disabled repositories are a 200 too


def serve_lookup(state: FakeState, request: ApiRequest,
                 find: Callable[[], Lookup | None], not_found_docs: str) -> Response:
    """Shared flow of both repository endpoints: auth, secondary, fault, answer, primary."""
    denied = authenticate(state, request) or secondary_check(state, request)
    if denied:
        return denied
    lookup = visible(find())
    fault = state.fault([lookup.repo] if lookup else [])
    if fault:
        return responses.server_error(fault)
    answer = answer_lookup(lookup, request, not_found_docs)
    cost = 0 if answer.status == 304 and request.token else 1
    quota = state.core.acquire(request.bucket, cost)
    if quota.limited:
        return responses.primary_limited(quota, state.user_id(request.token), request.token,
                                         state.config.rate_limit_status)
    state.stats.spend("core", cost)
    answer.headers.update(quota.headers())
    return answer


# --------------------------------------------------------------------------- endpoints

def get_repo(state: FakeState, request: ApiRequest, owner: str, name: str) -> Response:
    """``GET /repos/{owner}/{repo}``: case-insensitive, previous names answer 301."""
    return serve_lookup(state, request, lambda: state.index.resolve(owner, name), DOCS_GET_REPO)


def get_repository_by_id(state: FakeState, request: ApiRequest, repo_id: int) -> Response:
    """``GET /repositories/{id}``: where a 301 points; the same body as the canonical name."""
    def find() -> Lookup | None:
        repo = state.index.by_id(repo_id)
        return Lookup(repo, moved=False) if repo else None
    return serve_lookup(state, request, find, DOCS_REST)


def get_rate_limit(state: FakeState, request: ApiRequest) -> Response:
    """``GET /rate_limit``: the caller's quotas; asking does not spend anything."""
    denied = authenticate(state, request)
    if denied:
        return denied
    core = state.core.peek(request.bucket)
    graphql = state.graphql.peek(request.bucket)
    return responses.json_response(200, {
        "resources": {"core": core.as_json(), "graphql": graphql.as_json()},
        "rate": core.as_json(),
    }, core.headers())
