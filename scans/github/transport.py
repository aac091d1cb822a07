"""HTTP to GitHub: one urllib3 pool manager per client, sized to the scan's concurrency.

urllib3 rather than requests: requests' per-call layers (merging settings, reading the proxy
variables from the environment on every call, its own header and hook machinery) cost twice the
CPU of the request itself, and a scan sends one request per repository on a worker that shares
its cores with the database and Redis. What requests did for us is done here, once: the proxy
and CA-bundle variables are read when the transport is made (`repohealth/runtime/http.py`), redirects are never followed
(the client follows GitHub's 301s itself, within the API host), and there are no retries here
(the client retries, with its own backoff and circuit breaker).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from repohealth.runtime.http import pool_manager
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
        self.manager = pool_manager(api_url, pool_size=pool_size)

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

