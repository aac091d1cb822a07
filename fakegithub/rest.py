"""REST endpoints: ``GET /repos/{owner}/{repo}`` and ``GET /repositories/{id}``, each with its
``/commits`` and ``/releases/latest``, and ``GET /rate_limit``.

Order of checks, as GitHub applies them: credentials (401), secondary limit (403), then
the answer itself; faults (5xx) come from the front end and spend nothing; the primary
limit is checked last, when the cost is known (a 304 made with a token is free).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from dataclasses import dataclass, replace
from email.utils import format_datetime
from typing import Any, Callable
from urllib.parse import quote, urlencode

from . import responses
from .activity import CommitLog, Release, commit_at, commit_log, latest, since_until
from .catalog import license_object, split_full_name
from .index import Lookup
from .request import ApiRequest, authenticate, secondary_check
from .responses import DOCS_GET_REPO, DOCS_LATEST_RELEASE, DOCS_LIST_COMMITS, DOCS_REST, Response
from .state import FakeState
from .times import parse_iso

PER_PAGE_DEFAULT, PER_PAGE_MAX = 30, 100


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


# --------------------------------------------------------------------------- documents

def user_document(login: str, user_id: int, base_url: str, kind: str = "User") -> dict[str, Any]:
    """The short user object GitHub nests in commits and releases."""
    return {"login": login, "id": user_id, "node_id": base64.b64encode(f"04:User{user_id}".encode()).decode(),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4", "type": kind,
            "site_admin": False, "url": f"{base_url}/users/{login}", "html_url": f"https://github.com/{login}"}


def commit_document(repo: dict[str, Any], log: CommitLog, index: int, base_url: str) -> dict[str, Any]:
    """One item of ``GET /repos/{o}/{r}/commits``: commit ``index`` of the default branch (0 the newest),
    written by the owner, with one date for author and committer."""
    full_name, commit = repo["full_name"], commit_at(repo, log, index)
    owner, sha = full_name.split("/")[0], commit.sha
    person = {"name": owner, "email": f"{owner}@users.noreply.github.com", "date": commit.date}
    user = user_document(owner, repo["owner_id"], base_url)
    api = f"{base_url}/repos/{full_name}"
    parents = [commit.parent] if commit.parent else []
    return {
        "sha": sha,
        "node_id": commit.node_id,
        "url": f"{api}/commits/{sha}",
        "html_url": commit.html_url,
        "comments_url": f"{api}/commits/{sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{sha}",
            "author": person,
            "committer": person,
            "message": commit.message,
            "tree": {"sha": hashlib.sha1(sha.encode()).hexdigest(), "url": f"{api}/git/trees/{sha}"},
            "comment_count": 0,
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None,
                             "verified_at": None},
        },
        "author": user,
        "committer": user,
        "parents": [{"sha": parent, "url": f"{api}/commits/{parent}",
                     "html_url": f"https://github.com/{full_name}/commit/{parent}"} for parent in parents],
    }


def release_document(repo: dict[str, Any], release: Release, base_url: str) -> dict[str, Any]:
    """``GET /repos/{o}/{r}/releases/latest``: a published full release, without assets."""
    full_name, tag = repo["full_name"], quote(release.tag, safe="")
    api = f"{base_url}/repos/{full_name}"
    return {
        "url": f"{api}/releases/{release.id}",
        "assets_url": f"{api}/releases/{release.id}/assets",
        "upload_url": f"https://uploads.github.com/repos/{full_name}/releases/{release.id}/assets{{?name,label}}",
        "html_url": release.html_url,
        "id": release.id,
        "node_id": release.node_id,
        "author": user_document(full_name.split("/")[0], repo["owner_id"], base_url),
        "tag_name": release.tag,
        "target_commitish": repo["default_branch"],
        "name": release.name,
        "draft": False,
        "prerelease": False,
        "immutable": False,
        "created_at": release.created_at,
        "published_at": release.published_at,
        "updated_at": release.published_at,
        "assets": [],
        "tarball_url": f"{api}/tarball/{tag}",
        "zipball_url": f"{api}/zipball/{tag}",
        "body": "",
    }


# --------------------------------------------------------------------------- answers

def answer_cached(document: Any, request: ApiRequest, headers: dict[str, str] | None = None) -> Response:
    """200 with caching headers, or 304 when ``If-None-Match`` holds the current ETag. The ETag
    covers the body and a ``Link`` header (the count of pages is part of the answer)."""
    body = json.dumps(document, separators=(",", ":")).encode()
    headers = headers or {}
    etag = etag_for(body + headers.get("Link", "").encode(), request.token)
    headers = {"ETag": etag, "Cache-Control": "private, max-age=60",
               "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP", **headers}
    if matches_etag(request.headers.get("If-None-Match"), etag):
        return Response(304, None, headers)
    return Response(200, body, {"Content-Type": responses.JSON_TYPE, **headers})


def answer_repo(repo: dict[str, Any], request: ApiRequest) -> Response:
    """The repository object (``Last-Modified``: its ``updated_at``)."""
    modified = format_datetime(parse_iso(repo["updated_at"]), usegmt=True)
    return answer_cached(repo_document(repo, request.base_url), request, {"Last-Modified": modified})


def _page_arguments(request: ApiRequest) -> tuple[int, int]:
    """``per_page`` (default 30, at most 100) and ``page`` (from 1); GitHub ignores values below 1."""
    try:
        per_page = int(request.query.get("per_page") or PER_PAGE_DEFAULT)
        page = int(request.query.get("page") or 1)
    except ValueError:
        raise ValueError("per_page and page must be whole numbers") from None
    return (min(per_page, PER_PAGE_MAX) if per_page > 0 else PER_PAGE_DEFAULT), max(page, 1)


def link_header(request: ApiRequest, path: str, page: int, pages: int) -> str | None:
    """GitHub's ``Link`` header: ``next`` and ``last`` before the last page, ``prev`` and ``first``
    after the first; none for a single page. The URLs keep the request's other parameters."""
    if pages <= 1:
        return None
    kept = [(key, value) for key, value in request.query_pairs if key != "page"]
    def url(number: int) -> str:
        return f"{request.base_url}{path}?{urlencode([*kept, ('page', number)])}"
    links = []
    if page < pages:
        links += [f'<{url(page + 1)}>; rel="next"', f'<{url(pages)}>; rel="last"']
    if page > 1:
        links += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
    return ", ".join(links)


def answer_commits(repo: dict[str, Any], request: ApiRequest) -> Response:
    """The default branch's commits, newest first, paged; ``since``/``until`` narrow them. An empty
    repository is 409; a ``sha`` other than the default branch (or its head) is 404."""
    log = commit_log(repo)
    if log.empty:
        return responses.error(409, "Git Repository is empty.", DOCS_LIST_COMMITS, with_status=True)
    sha = request.query.get("sha") or repo["default_branch"]
    if sha not in (repo["default_branch"], "HEAD", log.sha(repo["id"], 0)):
        return responses.error(404, f"No commit found for SHA: {sha}", DOCS_LIST_COMMITS, with_status=True)
    try:
        window = log.window(*since_until(request.query.get("since"), request.query.get("until")))
        per_page, page = _page_arguments(request)
    except ValueError as problem:
        return responses.error(400, str(problem), DOCS_LIST_COMMITS, with_status=True)
    shown = window[(page - 1) * per_page: page * per_page]
    link = link_header(request, f"/repositories/{repo['id']}/commits", page, math.ceil(len(window) / per_page))
    return answer_cached([commit_document(repo, log, index, request.base_url) for index in shown], request,
                         {"Link": link} if link else None)


def answer_latest_release(repo: dict[str, Any], request: ApiRequest) -> Response:
    """The latest published full release, or 404 when there is none."""
    release = latest(repo)
    if release is None:
        return responses.not_found(DOCS_LATEST_RELEASE)
    return answer_cached(release_document(repo, release, request.base_url), request)


@dataclass(frozen=True)
class Resource:
    """What a repository URL answers once the repository is found: the stats name, the answer,
    the documentation its errors link to, and the path after the repository a 301 keeps."""

    stats: str
    answer: Callable[[dict[str, Any], ApiRequest], Response]
    docs: str
    path: str


REPOSITORY = Resource("rest_repo", answer_repo, DOCS_GET_REPO, "")
# The path below /repos/{owner}/{repo} (or /repositories/{id}) -> what it answers.
RESOURCES: dict[str, Resource] = {
    "": REPOSITORY,
    "commits": Resource("rest_commits", answer_commits, DOCS_LIST_COMMITS, "/commits"),
    "releases/latest": Resource("rest_release", answer_latest_release, DOCS_LATEST_RELEASE, "/releases/latest"),
}
# The repository itself by id is counted apart, and its 404 links to the REST docs' front page.
BY_ID = replace(REPOSITORY, stats="rest_repository_id", docs=DOCS_REST)


def resource_at(below: str, *, by_id: bool = False) -> Resource | None:
    """What the path below a repository (``""``, ``"commits"``, ``"releases/latest"``) answers."""
    resource = RESOURCES.get(below)
    return BY_ID if by_id and resource is REPOSITORY else resource


def answer_moved(repo: dict[str, Any], request: ApiRequest, resource: Resource) -> Response:
    """301 for a previous name (rename, owner rename or transfer), pointing at the same resource
    under the repository's id, with the request's parameters."""
    location = f"{request.base_url}/repositories/{repo['id']}{resource.path}"
    if resource.path and request.query_pairs:
        location += "?" + urlencode(request.query_pairs)
    return responses.json_response(
        301, {"message": "Moved Permanently", "url": location, "documentation_url": resource.docs},
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


def answer_lookup(lookup: Lookup | None, request: ApiRequest, resource: Resource) -> Response:
    """The answer for a resolved (or unresolved) name, before rate limiting."""
    if lookup is None:
        return responses.not_found(resource.docs)
    if lookup.moved:
        return answer_moved(lookup.repo, request, resource)
    if lookup.repo["block"]:
        return answer_blocked(lookup.repo)
    return resource.answer(lookup.repo, request)  # disabled repositories answer too


def serve_lookup(state: FakeState, request: ApiRequest,
                 find: Callable[[], Lookup | None], resource: Resource) -> Response:
    """Shared flow of every repository URL: auth, secondary, fault, answer, primary."""
    denied = authenticate(state, request) or secondary_check(state, request)
    if denied:
        return denied
    lookup = visible(find())
    fault = state.fault([lookup.repo] if lookup else [])
    if fault:
        return responses.server_error(fault)
    answer = answer_lookup(lookup, request, resource)
    cost = 0 if answer.status == 304 and request.token else 1
    quota = state.core.acquire(request.bucket, cost)
    if quota.limited:
        return responses.primary_limited(quota, state.user_id(request.token), request.token,
                                         state.config.rate_limit_status)
    state.stats.spend("core", cost)
    answer.headers.update(quota.headers())
    return answer


# --------------------------------------------------------------------------- endpoints

def get_by_name(state: FakeState, request: ApiRequest, owner: str, name: str,
                resource: Resource = REPOSITORY) -> Response:
    """``GET /repos/{owner}/{repo}[/...]``: case-insensitive, previous names answer 301."""
    return serve_lookup(state, request, lambda: state.index.resolve(owner, name), resource)


def get_by_id(state: FakeState, request: ApiRequest, repo_id: int, resource: Resource = BY_ID) -> Response:
    """``GET /repositories/{id}[/...]``: where a 301 points; the same answers as the current name."""
    def find() -> Lookup | None:
        repo = state.index.by_id(repo_id)
        return Lookup(repo, moved=False) if repo else None
    return serve_lookup(state, request, find, resource)


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
