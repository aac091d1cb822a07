"""``/_fake/*``: run-time control of the fake over HTTP, for tests that run it in another process.

These endpoints are not GitHub's: they spend no points, sleep no latency and are not
counted in the stats or the request log.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from . import responses
from .catalog import repositories_from
from .responses import Response
from .state import FakeState


def _json_body(body: bytes) -> Any:
    return json.loads(body) if body.strip() else {}


def _query_number(query: str, name: str, kind: type) -> Any:
    values = parse_qs(query).get(name)
    return kind(values[0]) if values else None


def _stats(state: FakeState, method: str, body: bytes, query: str, rest: list[str]) -> Response:
    return responses.json_response(200, state.stats.snapshot())


def _requests(state: FakeState, method: str, body: bytes, query: str, rest: list[str]) -> Response:
    """The request log, oldest first; ``?since=EPOCH`` and ``?limit=N`` narrow it."""
    entries = state.stats.log(_query_number(query, "since", float), _query_number(query, "limit", int))
    return responses.json_response(200, {"count": len(entries), "requests": entries})


def _config(state: FakeState, method: str, body: bytes, query: str, rest: list[str]) -> Response:
    """GET the settings, or POST a JSON object of settings to change."""
    if method == "POST":
        changes = _json_body(body)
        if not isinstance(changes, dict):
            raise ValueError("POST /_fake/config takes a JSON object of settings")
        state.configure(**changes)
    return responses.json_response(200, state.config.as_json())


def _reset(state: FakeState, method: str, body: bytes, query: str, rest: list[str]) -> Response:
    """Zero the stats and the request log, and restart every rate-limit window."""
    state.reset()
    return responses.json_response(200, {"reset": True})


def _catalog(state: FakeState, method: str, body: bytes, query: str, rest: list[str]) -> Response:
    """GET the catalog, or POST ``{"repositories": [...], "replace": false}`` (answers the new size)."""
    if method == "POST":
        document = _json_body(body)
        replace = bool(document.get("replace", False)) if isinstance(document, dict) else False
        return responses.json_response(200, {"count": state.index.load(repositories_from(document), replace=replace)})
    return responses.json_response(200, {"count": len(state.index), "repositories": state.index.all()})


def _repo(state: FakeState, method: str, body: bytes, query: str, rest: list[str]) -> Response:
    """GET one repository's catalog entry, or POST fields to change (a rename keeps a redirect)."""
    if len(rest) != 2:
        return responses.not_found()
    owner, name = rest
    if method == "POST":
        changes = _json_body(body)
        if not isinstance(changes, dict):
            raise ValueError("POST /_fake/repos/{owner}/{name} takes a JSON object of fields")
        repo = state.index.patch(owner, name, changes)
    else:
        lookup = state.index.resolve(owner, name, follow_renames=False)
        repo = lookup.repo if lookup else None
    return responses.json_response(200, repo) if repo else responses.not_found()


ROUTES = {
    ("GET", "stats"): _stats,
    ("GET", "requests"): _requests,
    ("GET", "config"): _config,
    ("POST", "config"): _config,
    ("POST", "reset"): _reset,
    ("GET", "catalog"): _catalog,
    ("POST", "catalog"): _catalog,
    ("GET", "repos"): _repo,
    ("POST", "repos"): _repo,
}


def handle_control(state: FakeState, method: str, parts: list[str], query: str, body: bytes) -> Response:
    """Dispatch ``/_fake/<name>/...``; bad input answers 400 with the reason."""
    route = ROUTES.get((method, parts[0] if parts else ""))
    if route is None:
        return responses.error(404, "Not Found: unknown /_fake endpoint")
    try:
        return route(state, method, body, query, parts[1:])
    except (ValueError, TypeError) as problem:
        return responses.error(400, str(problem))
