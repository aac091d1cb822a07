"""The GitHub client: the only module that talks to GitHub (or GitHub Enterprise, or fakegithub).

One `requests.Session` with a pool sized to the scan's concurrency, a timeout on every call,
and a token pool that spreads requests over every configured token. Rate limits, retries and
redirects are handled here; callers get an `Answer` or one of this module's exceptions.
Behaviour follows docs/github.md and https://docs.github.com/rest/repos/repos.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urljoin, urlparse

import requests
from requests.adapters import HTTPAdapter

logger = logging.getLogger(__name__)

USER_AGENT = "RepoHealth/1.0 (+https://github.com/repohealth)"
API_VERSION = "2022-11-28"


class GitHubError(Exception):
    """Base of this module's exceptions."""


class BadCredentials(GitHubError):
    """401: the configured token was rejected; retrying cannot help."""


class Cancelled(GitHubError):
    """The caller asked to stop while a request was waiting (rate limit or backoff)."""


class TransientFailure(GitHubError):
    """5xx, timeout or connection error that outlived every retry."""


@dataclass
class Answer:
    """One HTTP answer from GitHub, after retries and rate-limit waits."""

    status: int
    body: Any
    headers: dict[str, str]
    url: str
    duration_ms: int


@dataclass
class TokenState:
    token: str | None
    remaining: int | None = None
    limit: int | None = None
    reset_at: float = 0.0  # epoch seconds; while in the future and remaining == 0 the token rests
    alive: bool = True

    @property
    def label(self) -> str:
        if self.token is None:
            return "unauthenticated"
        return f"token …{self.token[-4:]}" if len(self.token) > 8 else "token"


WaitCallback = Callable[[str, float | None], None]


@dataclass
class TokenPool:
    """Spreads requests across tokens; a spent token rests until its reset; a 401 drops a token.

    Only when every token is spent does a caller wait. One pool per resource (core, graphql).
    """

    tokens: list[TokenState]
    resource: str = "core"
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0
    paused_until: float = 0.0  # secondary rate limit: nobody sends before this

    @classmethod
    def from_tokens(cls, tokens: list[str], resource: str = "core") -> "TokenPool":
        states = [TokenState(t) for t in tokens] or [TokenState(None)]
        return cls(tokens=states, resource=resource)

    def acquire(self, *, should_stop: Callable[[], bool], on_wait: WaitCallback, sleep=time.sleep) -> TokenState:
        announced = 0.0
        while True:
            if should_stop():
                raise Cancelled()
            with self._lock:
                alive = [t for t in self.tokens if t.alive]
                if not alive:
                    raise BadCredentials("Every configured GitHub token was rejected (401 Bad credentials): check GITHUB_TOKEN")
                now = time.time()
                wait_until = self.paused_until
                if wait_until <= now:
                    for offset in range(len(alive)):
                        candidate = alive[(self._next + offset) % len(alive)]
                        if _available(candidate, now):
                            if candidate.remaining == 0:
                                candidate.remaining = None  # its window rolled over
                            self._next = (self._next + offset + 1) % len(alive)
                            if candidate.remaining:
                                candidate.remaining -= 1  # optimistic: stop before GitHub refuses
                            return candidate
                    wait_until = min(t.reset_at + RESET_MARGIN for t in alive)
            if wait_until != announced:
                on_wait(_wait_message(wait_until, secondary=self.paused_until >= wait_until), wait_until)
                announced = wait_until
            sleep(min(0.5, max(0.01, wait_until - time.time())))

    def record(self, state: TokenState, headers: dict[str, str]) -> None:
        remaining = _int_header(headers, "X-RateLimit-Remaining")
        reset = _int_header(headers, "X-RateLimit-Reset")
        limit = _int_header(headers, "X-RateLimit-Limit")
        with self._lock:
            if remaining is not None:
                state.remaining = remaining
            if reset is not None:
                state.reset_at = float(reset)
            if limit is not None:
                state.limit = limit

    def exhaust(self, state: TokenState, reset_at: float) -> None:
        with self._lock:
            state.remaining = 0
            state.reset_at = reset_at

    def pause(self, until: float) -> None:
        with self._lock:
            self.paused_until = max(self.paused_until, until)

    def drop(self, state: TokenState) -> None:
        with self._lock:
            state.alive = False
        if any(t.alive for t in self.tokens):
            logger.warning("GitHub rejected %s (401 Bad credentials); going on with the other tokens", state.label)

    def snapshot(self) -> dict[str, Any]:
        """The pool as the progress payload's `rate_limit` reports it."""
        with self._lock:
            alive = [t for t in self.tokens if t.alive]
            known = [t for t in alive if t.remaining is not None]
            remaining = sum(t.remaining or 0 for t in known) if known else None
            resets = [t.reset_at for t in alive if t.reset_at]
            return {
                "resource": self.resource,
                "remaining": remaining,
                "limit": sum(t.limit or 0 for t in known) if known else None,
                "reset_at": _iso(min(resets)) if resets else None,
                "tokens": len(self.tokens),
                "tokens_available": sum(1 for t in alive if _available(t, time.time())),
                "tokens_rejected": sum(1 for t in self.tokens if not t.alive),
            }


RESET_MARGIN = 1.0  # docs/github.md: wait until X-RateLimit-Reset + 1 s, never before


def _available(state: TokenState, now: float) -> bool:
    """A token may send unless GitHub said it has nothing left and its reset has not passed."""
    return state.remaining != 0 or now >= state.reset_at + RESET_MARGIN


def _wait_message(until: float, *, secondary: bool) -> str:
    clock = datetime.fromtimestamp(until, tz=timezone.utc).strftime("%H:%M:%S")
    what = "Secondary rate limit hit at GitHub" if secondary else "Rate limited by GitHub"
    return f"{what}; resuming at {clock}"


def _int_header(headers, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat().replace("+00:00", "Z")


class GitHubClient:
    """Typed calls for the endpoints RepoHealth uses; waits and retries are handled inside."""

    def __init__(
        self,
        *,
        api_url: str,
        graphql_url: str | None = None,
        tokens: list[str] | None = None,
        timeout: float = 20.0,
        pool_size: int = 8,
        max_retries: int = 4,
        backoff: float = 1.0,
        secondary_backoff: float = 60.0,
        should_stop: Callable[[], bool] = lambda: False,
        on_wait: WaitCallback = lambda message, until: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.graphql_url = graphql_url or f"{self.api_url}/graphql"
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.secondary_backoff = secondary_backoff
        self.should_stop = should_stop
        self.on_wait = on_wait
        self._sleep = sleep
        self.core = TokenPool.from_tokens(list(tokens or []), "core")
        self.graphql_pool = TokenPool.from_tokens(list(tokens or []), "graphql")
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(pool_size, 2), max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {"User-Agent": USER_AGENT, "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        )

    def close(self) -> None:
        self.session.close()

    # --- endpoints -----------------------------------------------------------------------------
    def get_repository(self, full_name: str, *, etag: str | None = None) -> Answer:
        """GET /repos/{owner}/{repo}: https://docs.github.com/rest/repos/repos#get-a-repository

        Answers as they come (200, 304, 301 followed, 404, 451, 403 blocked). A 301 is
        followed once to /repositories/{id}; the returned Answer has `moved_from` headers kept.
        """
        owner, _, name = full_name.partition("/")
        headers = {"If-None-Match": etag} if etag else {}
        answer = self._request("GET", f"{self.api_url}/repos/{owner}/{name}", pool=self.core, headers=headers)
        if answer.status in (301, 302, 307, 308):
            location = answer.headers.get("Location") or (answer.body or {}).get("url")
            if not location:
                return answer
            target = self._same_host(urljoin(answer.url, location))
            followed = self._request("GET", target, pool=self.core)
            followed.duration_ms += answer.duration_ms
            return followed
        return answer

    def graphql(self, query: str) -> Answer:
        """POST /graphql: https://docs.github.com/graphql/overview/resource-limitations

        A RATE_LIMITED error answer waits for the reset and retries; other errors are returned.
        """
        return self._request("POST", self.graphql_url, pool=self.graphql_pool, json={"query": query})

    # --- machinery -----------------------------------------------------------------------------
    def _same_host(self, url: str) -> str:
        """Never send a token to another host: redirects are followed only within the API host."""
        if urlparse(url).netloc != urlparse(self.api_url).netloc:
            raise TransientFailure(f"GitHub redirected to another host ({urlparse(url).netloc})")
        return url

    def _request(self, method: str, url: str, *, pool: TokenPool, headers: dict | None = None,
                 json: Any = None) -> Answer:
        attempt = 0
        secondary_attempt = 0
        last_reason = ""
        started = time.monotonic()
        while True:
            state = pool.acquire(should_stop=self.should_stop, on_wait=self.on_wait, sleep=self._sleep)
            request_headers = dict(headers or {})
            if state.token:
                request_headers["Authorization"] = f"Bearer {state.token}"
            attempt += 1
            try:
                response = self.session.request(
                    method, url, headers=request_headers, json=json, timeout=self.timeout, allow_redirects=False
                )
            except requests.Timeout:
                last_reason = f"timed out after {self.timeout:g}s"
                response = None
            except requests.ConnectionError as exc:
                last_reason = f"connection failed ({type(exc).__name__})"
                response = None
            if response is not None:
                pool.record(state, response.headers)
                body = _json_or_none(response)
                status = response.status_code
                kind = _classify_refusal(status, response.headers, body)
                if kind == "bad_credentials":
                    pool.drop(state)
                    if any(t.alive for t in pool.tokens):
                        attempt -= 1
                        continue
                    raise BadCredentials("The GitHub token was rejected (401 Bad credentials): check GITHUB_TOKEN")
                if kind == "primary":
                    reset = _int_header(response.headers, "X-RateLimit-Reset") or int(time.time() + 60)
                    pool.exhaust(state, float(reset))
                    attempt -= 1  # a rate-limited answer is not a failed try
                    continue
                if kind == "secondary":
                    secondary_attempt += 1
                    if secondary_attempt > self.max_retries:
                        last_reason = "secondary rate limit persisted"
                    else:
                        retry_after = _int_header(response.headers, "Retry-After")
                        delay = retry_after if retry_after is not None else self.secondary_backoff * 2 ** (secondary_attempt - 1)
                        pool.pause(time.time() + delay)
                        attempt -= 1
                        continue
                elif status < 500 or (status in (502, 504) and _alias_count(json) > 1):
                    # Ordinary answers go back to the caller; so does a GraphQL batch that timed
                    # out at GitHub (502/504), which the caller splits rather than resends whole.
                    return Answer(status, body, dict(response.headers), url,
                                  int((time.monotonic() - started) * 1000))
                else:
                    last_reason = f"HTTP {status}"
            if attempt > self.max_retries:
                raise TransientFailure(f"{last_reason} after {attempt} tries")
            self._backoff(attempt)

    def _backoff(self, attempt: int) -> None:
        delay = min(30.0, self.backoff * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
        deadline = time.monotonic() + delay
        while (remaining := deadline - time.monotonic()) > 0:  # read the clock once a turn
            if self.should_stop():
                raise Cancelled()
            self._sleep(min(0.2, remaining))


def _alias_count(payload: Any) -> int:
    query = payload.get("query", "") if isinstance(payload, dict) else ""
    return query.count(": repository(")


def _json_or_none(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _classify_refusal(status: int, headers, body: Any) -> str | None:
    """Which refusal an answer is, per docs/github.md; None for an ordinary answer."""
    message = body.get("message", "") if isinstance(body, dict) else ""
    if status == 401:
        return "bad_credentials"
    if status in (403, 429):
        if "secondary rate limit" in message.lower():
            return "secondary"
        if headers.get("X-RateLimit-Remaining") == "0" or message.startswith("API rate limit exceeded"):
            return "primary"
        if status == 429:
            return "secondary"
    if status == 200 and isinstance(body, dict) and body.get("errors") and not body.get("data"):
        types = {e.get("type") for e in body["errors"] if isinstance(e, dict)}
        if "RATE_LIMITED" in types:
            return "primary"
    return None


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
