"""The HTTP server: routing, response writing, and the ``FakeGitHub`` Python API."""

from __future__ import annotations

import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import unquote, urlsplit

from . import app, control, graphql, responses, rest
from .catalog import default_catalog, load_catalog, repositories_from
from .request import ApiRequest
from .responses import Response
from .state import FakeState

Endpoint = Callable[[FakeState, ApiRequest], Response]


def repository_route(parts: list[str]) -> tuple[str, Endpoint] | None:
    """``/repos/{owner}/{repo}`` or ``/repositories/{id}``, then one of ``rest.RESOURCES``
    (nothing, ``/commits``, ``/releases/latest``); None for any other path."""
    if len(parts) >= 3 and parts[0] == "repos":
        resource = rest.resource_at("/".join(parts[3:]))
        owner, name = parts[1], parts[2]
        return None if resource is None else (
            resource.stats, lambda state, request: rest.get_by_name(state, request, owner, name, resource))
    if len(parts) >= 2 and parts[0] == "repositories" and parts[1].isdigit():
        resource = rest.resource_at("/".join(parts[2:]), by_id=True)
        repo_id = int(parts[1])
        return None if resource is None else (
            resource.stats, lambda state, request: rest.get_by_id(state, request, repo_id, resource))
    return None


def route(method: str, parts: list[str]) -> tuple[str, Endpoint]:
    """Map a request to its stats category and its endpoint; anything else is a 404."""
    reading = method in ("GET", "HEAD")
    found = repository_route(parts) if reading else None
    if found:
        return found
    if reading and parts == ["rate_limit"]:
        return "rate_limit", rest.get_rate_limit
    if method == "POST" and parts == ["graphql"]:
        return "graphql", graphql.post_graphql
    if (method == "POST" and len(parts) == 4 and parts[:2] == ["app", "installations"]
            and parts[2].isdigit() and parts[3] == "access_tokens"):
        installation_id = int(parts[2])
        return "app_token", lambda state, request: app.post_access_token(state, request, installation_id)
    if method == "DELETE" and parts == ["installation", "token"]:
        return "app_token", app.delete_installation_token
    return "other", lambda state, request: responses.error(404, "Not Found", responses.DOCS_REST)


class FakeHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server that owns one ``FakeState``."""

    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: FakeState) -> None:
        self.state = state
        super().__init__(address, Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class Handler(BaseHTTPRequestHandler):
    """Reads one request, answers it, keeps the connection alive."""

    server: FakeHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log at ``/_fake/requests`` replaces the access log."""

    def _handle(self) -> None:
        url = urlsplit(self.path)
        parts = [unquote(part) for part in url.path.strip("/").split("/") if part]
        body = self._read_body()
        try:
            if parts[:1] == ["_fake"]:
                answer = control.handle_control(self.server.state, self.command, parts[1:], url.query, body)
            else:
                answer = self._api(parts, body)
        except Exception:  # a bug in the fake must not look like a GitHub answer
            traceback.print_exc(file=sys.stderr)
            answer = responses.error(500, "fakegithub internal error")
        self._write(answer)

    def _api(self, parts: list[str], body: bytes) -> Response:
        """Answer an API request: latency first, then the endpoint, then the stats."""
        state = self.server.state
        endpoint, answer_for = route(self.command, parts)
        in_flight = state.stats.enter()
        try:
            state.pause_before_answer()
            request = ApiRequest(self.command, self.path, self.headers, body,
                                 self.server.base_url, in_flight)
            answer = answer_for(state, request)
        finally:
            state.stats.leave()
        answer.headers.setdefault("X-GitHub-Request-Id", state.request_id())
        answer.headers["X-GitHub-Api-Version-Selected"] = "2022-11-28"
        answer.headers["X-GitHub-Media-Type"] = "github.v3; format=json"
        state.stats.record(endpoint, self.command, self.path, answer.status, request.token)
        return answer

    def _read_body(self) -> bytes:
        """Read the whole body (Content-Length or chunked) so keep-alive stays in sync."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _write(self, answer: Response) -> None:
        """Status, headers, then the body; 304 has no body, HEAD sends only its length."""
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.body is not None:
                self.send_header("Content-Length", str(len(answer.body)))
            elif answer.status != 304:
                self.send_header("Content-Length", "0")
            self.end_headers()
            if answer.body and self.command != "HEAD":
                self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _catalog_repositories(catalog: Any) -> list[dict[str, Any]]:
    """``None`` -> the demo catalog; a path -> its file; a dict or list -> its repositories."""
    if catalog is None:
        return default_catalog()
    if isinstance(catalog, (str, Path)):
        return load_catalog(catalog)
    return list(repositories_from(catalog))


class FakeGitHub:
    """A fake GitHub API on 127.0.0.1, served from a background thread.

    >>> with FakeGitHub(catalog=[{"id": 1, "full_name": "psf/requests"}]) as fg:
    ...     fg.url  # doctest: +SKIP
    'http://127.0.0.1:54321'
    """

    def __init__(self, catalog: Any = None, latency_ms: float = 0, error_rate: float = 0.0,
                 rate_limit: Any = None, tokens: Any = None, graphql_rate_limit: Any = None,
                 graphql_max_batch: int | None = None, seed: int = 0,
                 host: str = "127.0.0.1", port: int = 0, **settings: Any) -> None:
        self.state = FakeState(
            _catalog_repositories(catalog), latency_ms=latency_ms, error_rate=error_rate,
            rate_limit=rate_limit, tokens=tokens, graphql_rate_limit=graphql_rate_limit,
            graphql_max_batch=graphql_max_batch, seed=seed, **settings)
        self._address = (host, port)
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> "FakeGitHub":
        """Bind (port 0 picks a free port) and serve in a daemon thread; returns self."""
        if self._server is None:
            self.state.stopping.clear()
            self._server = FakeHTTPServer(self._address, self.state)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                name=f"fakegithub:{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; handlers sleeping in latency or a hang wake up at once."""
        if self._server is None:
            return
        self.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> "FakeGitHub":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeGitHub is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: use it as the API base URL."""
        if self._server is None:
            raise RuntimeError("FakeGitHub is not started")
        return self._server.base_url

    # ---------------------------------------------------------------- control

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change settings at run time (same names as ``POST /_fake/config``); returns them all."""
        return self.state.configure(**changes)

    def config(self) -> dict[str, Any]:
        return self.state.config.as_json()

    def stats(self) -> dict[str, Any]:
        """The ``GET /_fake/stats`` document."""
        return self.state.stats.snapshot()

    def reset_stats(self) -> None:
        """Zero the stats and clear the request log (rate-limit windows are kept)."""
        self.state.stats.reset()

    def reset(self) -> None:
        """``POST /_fake/reset``: zero the stats and restart every rate-limit window."""
        self.state.reset()

    def request_log(self, since: float | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """The ``GET /_fake/requests`` entries, oldest first."""
        return self.state.stats.log(since, limit)

    def load_catalog(self, repositories: Iterable[dict[str, Any]], replace: bool = False) -> int:
        """Add (or with ``replace`` swap in) repositories; returns the catalog size."""
        return self.state.index.load(repositories, replace=replace)

    def patch_repo(self, full_name: str, /, **changes: Any) -> dict[str, Any]:
        """Change one repository; a new ``full_name`` (a rename: `patch_repo("a/b", full_name="a/c")`)
        moves the old one to ``previous_names``."""
        owner, _, name = full_name.partition("/")
        repo = self.state.index.patch(owner, name, changes)
        if repo is None:
            raise KeyError(full_name)
        return repo

    def repositories(self) -> list[dict[str, Any]]:
        """The catalog as it is now."""
        return self.state.index.all()
