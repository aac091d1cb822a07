"""One incoming API request, and how GitHub reads its ``Authorization`` header."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping
from urllib.parse import parse_qsl, urlsplit

from . import responses
from .responses import Response
from .state import FakeState


@dataclass
class ApiRequest:
    """What an endpoint needs to know about a request."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""
    base_url: str = ""
    in_flight: int = 1
    token: str | None = field(init=False)
    account: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.token = token_from(self.headers.get("Authorization"))

    @cached_property
    def query_pairs(self) -> list[tuple[str, str]]:
        """The query string's parameters, in their order."""
        return parse_qsl(urlsplit(self.path).query, keep_blank_values=True)

    @cached_property
    def query(self) -> dict[str, str]:
        """The query string's parameters; a repeated one keeps its last value."""
        return dict(self.query_pairs)

    @property
    def bucket(self) -> str:
        """Rate-limit key: the account ``authenticate`` found (an installation's tokens share
        one), else the token, or '' for the shared unauthenticated bucket."""
        return self.account if self.account is not None else self.token or ""


def token_from(authorization: str | None) -> str | None:
    """``Bearer X`` and ``token X`` both carry token X; any other value is taken whole."""
    if authorization is None:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() in ("bearer", "token"):
        return rest.strip()
    return authorization.strip()


def authenticate(state: FakeState, request: ApiRequest) -> Response | None:
    """401 for an empty token, or one not in the configured list; ``None`` lets it through.

    Without an Authorization header the request is unauthenticated, which REST allows.
    """
    if request.token is None:
        return None
    if not request.token or not state.token_known(request.token):
        return responses.bad_credentials()
    request.account = state.account(request.token)
    return None


def secondary_check(state: FakeState, request: ApiRequest, kind: str = "rest") -> Response | None:
    """A secondary rate limit (injected, concurrency, or points per minute); it spends no points."""
    if not state.secondary_limited(request.in_flight, request.bucket, kind):
        return None
    state.stats.add_secondary_answer()
    config = state.config
    retry_after = None if config.secondary_no_retry_after else config.secondary_retry_after
    return responses.secondary_limited(state.request_id(), retry_after, config.secondary_status)
