"""Test doubles for outbound requests: a real HTTP receiver on loopback, and a patched network
(name resolution and connections) so that tests of public-looking or private targets never send
a byte beyond loopback.

`Receiver` records every request (method, path, headers, body) and answers what the test says
(status, body, Location, a delay). `FakeNet` patches `socket.getaddrinfo` to answer from a table
(host -> addresses, or a list of answers given in turn) and `socket.socket.connect` to record
every address our code asks for; a connection to a public test address is carried to the
receiver, anything else beyond loopback fails the test.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"ok": true}'
    location: str = ""
    delay: float = 0.0


class Receiver:
    """A real HTTP server on 127.0.0.1 in a thread; `answers` are used in turn (the last repeats)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.answers: list[Answer] = [Answer()]
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(Request("POST", self.path, dict(self.headers.items()), body))
                    answer = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                if answer.delay:
                    time.sleep(answer.delay)  # a slow receiver, as the test asked
                self.send_response(answer.status)
                if answer.location:
                    self.send_header("Location", answer.location)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(answer.body)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def answer(self, *answers: Answer) -> None:
        with self._lock:
            self.answers = list(answers)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


PUBLIC = "93.184.216.34"  # a public address that is never connected to: FakeNet carries it to the receiver


@dataclass
class FakeNet:
    receiver: Receiver
    names: dict[str, list] = field(default_factory=dict)  # host -> [addresses] or [[first answer], [later], ...]
    connects: list[tuple] = field(default_factory=list)  # every (host, port) our code connected to
    lookups: list[str] = field(default_factory=list)

    def resolve(self, host: str, *addresses) -> None:
        """`host` answers these addresses (a list per lookup when given lists: rebinding)."""
        self.names[host] = list(addresses)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def fake_net(receiver, monkeypatch):
    net = FakeNet(receiver)
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in net.names:
            net.lookups.append(name)
            answers = net.names[name]
            if answers and isinstance(answers[0], list):  # one answer per lookup, the last repeating
                current = answers.pop(0) if len(answers) > 1 else answers[0]
            else:
                current = answers
            out = []
            for address in current:
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                sockaddr = (address, int(port or 0), 0, 0) if family == socket.AF_INET6 else (address, int(port or 0))
                out.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
            return out
        try:  # numeric hosts need no DNS; other names are unknown here (no test asks the real DNS)
            socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name.strip("[]"))
        except OSError:
            if name not in ("localhost",):
                raise socket.gaierror(socket.EAI_NONAME, f"{name}: unknown in this test") from None
        return real_getaddrinfo(host, port, *args, **kwargs)

    def connect(sock, address):
        if isinstance(address, tuple) and sock.family in (socket.AF_INET, socket.AF_INET6):
            net.connects.append((address[0], address[1]))
            if address[0] == PUBLIC:
                return real_connect(sock, ("127.0.0.1", net.receiver.port))
            if address[0] not in ("127.0.0.1", "::1"):
                raise AssertionError(f"a test tried to connect beyond loopback: {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return net
