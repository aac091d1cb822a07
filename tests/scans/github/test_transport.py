"""scans/github/transport.py and the client's account of a failed connection, over real loopback sockets."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devserver.processes import free_port
from repohealth.runtime.http import proxy_for as _proxy_for
from scans.github.client import connection_failure
from scans.github.errors import ConnectionFailed
from scans.github.transport import Transport


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self):  # http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = json.dumps({"got": json.loads(body), "type": self.headers["Content-Type"],
                             "agent": self.headers["User-Agent"], "auth": self.headers["Authorization"]}).encode()
        self.send_response(201)
        self.send_header("X-RateLimit-Remaining", "41")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_GET(self):
        self.send_response(301)
        self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def silent():
    """A server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_request_sends_the_headers_and_json_and_reads_status_headers_and_body(server):
    transport = Transport(server, pool_size=2, timeout=5, headers={"User-Agent": "RepoHealth/test"})
    answer = transport.request("POST", f"{server}/graphql", headers={"Authorization": "Bearer t"},
                               json_body={"query": "{ viewer { login } }"})
    assert answer.status_code == 201
    assert answer.headers["x-ratelimit-remaining"] == "41"  # case-insensitive, as GitHub's headers are read
    assert answer.json() == {"got": {"query": "{ viewer { login } }"}, "type": "application/json",
                             "agent": "RepoHealth/test", "auth": "Bearer t"}


def test_a_redirect_is_handed_back_not_followed(server):
    answer = Transport(server, pool_size=2, timeout=5, headers={}).request("GET", f"{server}/repos/a/b")
    assert answer.status_code == 301
    assert answer.headers["Location"] == "/elsewhere"


def test_nobody_listening_is_connection_refused():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ConnectionFailed) as failed:
        Transport(url, pool_size=2, timeout=2, headers={}).request("GET", f"{url}/repos/a/b")
    assert connection_failure(failed.value, url, 2) == f"{url.removeprefix('http://')}: connection refused"


def test_a_server_that_never_answers_is_no_answer_within_the_timeout(silent):
    with pytest.raises(ConnectionFailed) as failed:
        Transport(silent, pool_size=2, timeout=0.3, headers={}).request("GET", f"{silent}/repos/a/b")
    assert connection_failure(failed.value, silent, 0.3) == f"{silent.removeprefix('http://')}: no answer within 0.3 s"


def test_tls_to_a_plain_http_server_is_a_failed_handshake(server):
    url = server.replace("http://", "https://")
    with pytest.raises(ConnectionFailed) as failed:
        Transport(url, pool_size=2, timeout=5, headers={}).request("GET", f"{url}/repos/a/b")
    assert connection_failure(failed.value, url, 5).endswith(": TLS handshake failed")


def test_the_proxy_variables_are_read_once_with_no_proxy_honoured(monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                 "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert _proxy_for("https://api.github.com") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert _proxy_for("https://api.github.com") == "http://proxy.internal:3128"
    assert _proxy_for("http://127.0.0.1:8000") is None  # no http proxy named
    monkeypatch.setenv("NO_PROXY", "github.com")
    assert _proxy_for("https://api.github.com") is None
    transport = Transport("https://api.github.com", pool_size=2, timeout=5, headers={})
    assert type(transport.manager).__name__ == "PoolManager"
    monkeypatch.delenv("NO_PROXY")
    transport = Transport("https://api.github.com", pool_size=2, timeout=5, headers={})
    assert type(transport.manager).__name__ == "ProxyManager"
    assert transport.manager.proxy.host == "proxy.internal"
