"""The HTTP server, its routes (deps.dev's v3 and ``/_fake/*`` control), and ``FakeDepsDev``."""

from __future__ import annotations

import json
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from .state import State

NOT_FOUND = {"code": 5, "message": "not found", "details": []}


def _version(system: str, name: str, version: str, package: dict[str, Any]) -> dict[str, Any]:
    return {"versionKey": {"system": system, "name": name, "version": version},
            "publishedAt": "2024-01-01T00:00:00Z", "isDefault": version == package["default"],
            "isDeprecated": False}


def api(state: State, parts: list[str]) -> tuple[int, Any]:
    """``/v3/systems/{system}/packages/{name}[/versions/{version}]`` (parts percent-decoded)."""
    if len(parts) not in (5, 7) or parts[:2] != ["v3", "systems"] or parts[3] != "packages":
        return 404, NOT_FOUND
    system, name = parts[2].upper(), parts[4]
    package = state.package(system, name)
    if package is None:
        return 404, NOT_FOUND
    if len(parts) == 5:
        return 200, {"packageKey": {"system": system, "name": name},
                     "versions": [_version(system, name, v, package) for v in package["versions"]]}
    if parts[5] != "versions" or parts[6] not in package["versions"]:
        return 404, NOT_FOUND
    version = parts[6]
    related = package["versions"][version]
    links = [{"label": "SOURCE_REPO", "url": "https://" + str(r["projectKey"].get("id"))} for r in related
             if isinstance(r.get("projectKey"), dict)]  # a test may serve related projects of another shape
    return 200, {**_version(system, name, version, package), "licenses": [], "advisoryKeys": [], "links": links,
                 "slsaProvenances": [], "attestations": [], "registries": [], "relatedProjects": related}


def control(state: State, method: str, parts: list[str], body: bytes) -> tuple[int, Any]:
    """``GET|POST /_fake/config``, ``POST /_fake/packages`` ({"packages": [{"system", "name",
    "versions", "default"}]}), ``GET /_fake/stats``, ``POST /_fake/reset``."""
    document = json.loads(body) if body.strip() else {}
    if parts == ["config"]:
        return 200, state.configure(**document) if method == "POST" else state.config.as_json()
    if parts == ["packages"] and method == "POST":
        for package in document.get("packages", []):
            state.add(package["system"], package["name"], package.get("versions", {}), package.get("default"))
        return 200, state.stats()
    if parts == ["stats"]:
        return 200, state.stats()
    if parts == ["reset"] and method == "POST":
        state.reset()
        return 200, {"reset": True}
    return 404, {"message": "no such control endpoint"}


class Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake counts its requests instead."""

    def do_GET(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        parts = [unquote(part) for part in url.path.strip("/").split("/") if part]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            if parts[:1] == ["_fake"]:
                try:
                    status, document = control(state, self.command, parts[1:], body)
                except (ValueError, KeyError, TypeError) as exc:
                    status, document = 400, {"message": str(exc)}
            else:
                failing = state.record(url.path)
                state.stopping.wait(state.config.latency_ms / 1000)
                status, document = (503, {"code": 14, "message": "unavailable"}) if failing else api(state, parts)
        except Exception:  # a bug in the fake must not look like an answer
            traceback.print_exc(file=sys.stderr)
            status, document = 500, {"message": "fakedepsdev internal error"}
        data = json.dumps(document, separators=(",", ":")).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_POST = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: State) -> None:
        self.state = state
        super().__init__(address, Handler)


class FakeDepsDev:
    """A fake deps.dev on 127.0.0.1, served from a background thread.

    >>> with FakeDepsDev(latency_ms=25) as fake:                               # doctest: +SKIP
    ...     fake.add("npm", "left-pad", {"1.3.0": ("github.com/stevemao/left-pad", "UNVERIFIED_METADATA")})
    ...     fake.url
    'http://127.0.0.1:54321'
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **settings: Any) -> None:
        self.state = State(**settings)
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "FakeDepsDev":
        if self._server is None:
            self.state.stopping.clear()
            self._server = _Server(self._address, self.state)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="fakedepsdev", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> "FakeDepsDev":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeDepsDev is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, ecosystem_or_system: str, name: str, versions: dict[str, Any], default: str | None = None) -> None:
        """Serve a package (see `State.add`); the system is deps.dev's (NPM) or a purl type (npm, gem...)."""
        system = {"golang": "GO", "gem": "RUBYGEMS"}.get(ecosystem_or_system.lower(), ecosystem_or_system)
        self.state.add(system, name, versions, default)

    def configure(self, **changes: Any) -> dict[str, Any]:
        return self.state.configure(**changes)

    @property
    def requests(self) -> list[str]:
        """The paths asked (not ``/_fake``), oldest first."""
        with self.state.lock:
            return list(self.state.requests)

    def reset(self, *, packages: bool = False) -> None:
        """Forget the requests (and with `packages`, the packages); settings back to their defaults."""
        self.state.reset()
        self.state.configure(latency_ms=0, error_rate=0, fail_first=0, seed=0)
        if packages:
            with self.state.lock:
                self.state.packages.clear()
