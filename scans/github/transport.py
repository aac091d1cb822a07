"""HTTP to GitHub: one urllib3 pool manager per client, sized to the scan's concurrency.

urllib3 rather than requests: requests' per-call layers (merging settings, reading the proxy
variables from the environment on every call, its own header and hook machinery) cost twice the
CPU of the request itself, and a scan sends one request per repository on a worker that shares
its cores with the database and Redis. What requests did for us is done here, once: the proxy
and CA-bundle variables are read when the transport is made, redirects are never followed
(the client follows GitHub's 301s itself, within the API host), and there are no retries here
(the client retries, with its own backoff and circuit breaker).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.request import getproxies, proxy_bypass

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from scans.github.errors import ConnectionFailed

DEFAULT_HEADERS = {"Accept-Encoding": "gzip, deflate"}


@dataclass
class Response:
    status_code: int
    headers: Any  # urllib3's HTTPHeaderDict: case-insensitive, like GitHub's headers are
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class Transport:
    def __init__(self, api_url: str, *, pool_size: int, timeout: float, headers: dict[str, str]) -> None:
        self.timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self.headers = {**DEFAULT_HEADERS, **headers}
        options = {"maxsize": max(pool_size, 2), "block": False, "num_pools": 4, "retries": False,
                   "ca_certs": _ca_bundle()}
        proxy = _proxy_for(api_url)
        self.manager = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)

    def request(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                json_body: Any = None) -> Response:
        """One request, its answer read whole; ConnectionFailed when there is none."""
        sent = {**self.headers, **(headers or {})}
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        try:
            answer = self.manager.request(method, url, headers=sent, body=body, timeout=self.timeout,
                                          redirect=False, retries=False, preload_content=True)
        except (Urllib3Error, OSError) as exc:
            raise ConnectionFailed(str(exc)) from exc
        return Response(answer.status, answer.headers, answer.data or b"")

    def close(self) -> None:
        self.manager.clear()


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY), as
    curl and requests read them."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if proxy_bypass(host):
        return None
    proxies = getproxies()
    return proxies.get(scheme) or proxies.get("all")


def _ca_bundle() -> str:
    """The CA bundle: REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE when set (as with requests), else certifi's."""
    found = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if found:
        return found
    import certifi

    return certifi.where()
