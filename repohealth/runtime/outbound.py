"""Outbound requests to URLs that users choose (webhook targets today; a feed or a list fetched
by URL tomorrow): the one guard against server-side request forgery. Nothing else in the project
may send a request to an address a user typed.

`check_url` says whether a URL may be reached: `https://` (also `http://` when ALERT_ALLOW_HTTP),
no user name or password in it, and a host that resolves only to public addresses: loopback,
private (RFC 1918, unique-local IPv6), link-local, carrier-grade NAT, multicast, unspecified and
reserved ranges are refused, for IPv4, IPv6 and IPv4-mapped (or 6to4, Teredo, NAT64) IPv6.
ALERT_ALLOW_PRIVATE_TARGETS lifts the address rule (not the others). It answers a `Target`: the
URL and the addresses it was checked against.

`post` sends to a `Target` by connecting to an address that was checked (no second DNS lookup,
which a rebinding answer could change), follows no redirect, gives up after CONNECT_TIMEOUT
seconds to connect and TOTAL_TIMEOUT in all, and reads at most MAX_RESPONSE_BYTES of the answer.
Callers send only what they pass in `headers` (no cookies, no credentials).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "RepoHealth-Webhook/1.0"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


class UnsafeTarget(ValueError):
    """A URL the server will not send to; str() says why, naming the address or the rule."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str  # as in the URL (the Host header, TLS server name)
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[tuple[int, tuple], ...]  # (family, sockaddr) of every checked address


@dataclass
class Answer:
    status: int
    body: bytes  # at most MAX_RESPONSE_BYTES
    duration_ms: int
    location: str = ""  # a redirect's Location, which is reported, never followed


def address_problem(address: IPAddress) -> str | None:
    """Why this address may not be reached ('a loopback address', 'an IPv4-mapped IPv6 address of
    127.0.0.1, a loopback address', ...); None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded, how = address.ipv4_mapped, "IPv4-mapped"
        if embedded is None and address.sixtofour is not None:
            embedded, how = address.sixtofour, "6to4"
        if embedded is None and address.teredo is not None:
            embedded, how = address.teredo[1], "Teredo"
        if embedded is None and address in _NAT64:
            embedded, how = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), "NAT64"
        if embedded is not None:
            problem = address_problem(embedded)
            return f"{_a(how)} {how} IPv6 address of {embedded}, {problem}" if problem else None
    kind = _kind(address)
    return f"{_a(kind)} {kind} address" if kind else None


def _a(word: str) -> str:
    return "an" if word.startswith(("IPv4", "unspecified")) else "a"


def _kind(address: IPAddress) -> str | None:
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "carrier-grade NAT (RFC 6598)"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved:
        return "reserved"
    if any(address in network for network in _RFC1918):
        return "private (RFC 1918)"
    if isinstance(address, ipaddress.IPv6Address) and address in _UNIQUE_LOCAL:
        return "unique-local (private)"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local (private)"
    if address.is_private or not address.is_global:
        return "special-purpose (not public)"
    return None


def check_url(url: str, *, allow_http: bool | None = None, allow_private: bool | None = None) -> Target:
    """The Target this URL means, or UnsafeTarget saying why it may not be reached."""
    allow_http = settings.ALERT_ALLOW_HTTP if allow_http is None else allow_http
    allow_private = settings.ALERT_ALLOW_PRIVATE_TARGETS if allow_private is None else allow_private
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not allow_http):
        raise UnsafeTarget("the URL must start with https://" + ("" if allow_http else
                                                                  " (http:// needs ALERT_ALLOW_HTTP=1)"))
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("the URL may not hold a user name or password")
    host = parts.hostname or ""
    if not host:
        raise UnsafeTarget("the URL has no host")
    port = port or (443 if scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnsafeTarget(f"the host {host} could not be resolved ({exc})") from None
    addresses = []
    for family, _type, _proto, _name, sockaddr in found:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not allow_private and (problem := address_problem(address)):
            literal = _is_literal(host, address)
            what = f"{address} is {problem}" if literal else f"{host} resolves to {address}, {problem}"
            raise UnsafeTarget(f"{what}; webhooks only go to public addresses "
                               "(ALERT_ALLOW_PRIVATE_TARGETS=1 lifts this rule)")
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    if not addresses:
        raise UnsafeTarget(f"the host {host} has no IPv4 or IPv6 address")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url=url, scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))


def _is_literal(host: str, address: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")) == address
    except ValueError:
        return False


def _connect(target: Target, deadline: float) -> socket.socket:
    """A connected socket to one of the checked addresses (never a new lookup)."""
    failure: Exception | None = None
    for family, sockaddr in target.addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(max(0.01, min(CONNECT_TIMEOUT, deadline - time.monotonic())))
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            failure = exc
    raise ConnectionError(f"could not connect to {target.host}: {failure}")


class _PinnedConnection(http.client.HTTPConnection):
    """http.client's connection with its socket made by `_connect`: the checked address."""

    def __init__(self, target: Target, deadline: float) -> None:
        super().__init__(target.host, target.port, timeout=CONNECT_TIMEOUT)
        self._target, self._deadline = target, deadline

    def connect(self) -> None:
        sock = _connect(self._target, self._deadline)
        if self._target.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self._target.host)
        sock.settimeout(max(0.01, self._deadline - time.monotonic()))
        self.sock = sock


def post(target: Target, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to a checked target. Raises OSError (ConnectionError, TimeoutError, ssl errors)
    or http.client.HTTPException when no answer came; an answer of any status is returned."""
    started = time.monotonic()
    deadline = started + TOTAL_TIMEOUT
    connection = _PinnedConnection(target, deadline)
    # The total timeout holds however slowly the other side trickles bytes: the socket is shut.
    watchdog = threading.Timer(TOTAL_TIMEOUT, _shut, args=(connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", target.path, body=body, headers={
            "User-Agent": USER_AGENT, "Content-Type": "application/json", **headers,
            "Host": _host_header(target),
        })
        response = connection.getresponse()
        content = response.read(MAX_RESPONSE_BYTES)
        if time.monotonic() > deadline:
            raise TimeoutError(f"no complete answer within {TOTAL_TIMEOUT:g} s")
        return Answer(status=response.status, body=content, location=response.getheader("Location") or "",
                      duration_ms=int((time.monotonic() - started) * 1000))
    except OSError as exc:
        if time.monotonic() >= deadline:
            raise TimeoutError(f"no complete answer within {TOTAL_TIMEOUT:g} s") from exc
        raise
    finally:
        watchdog.cancel()
        connection.close()


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _shut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
