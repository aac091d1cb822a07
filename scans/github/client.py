"""The GitHub client: the only module that talks to GitHub (or GitHub Enterprise, or fakegithub).

One HTTP transport (scans/github/transport.py) with a pool sized to the scan's concurrency, a timeout on every call,
and a token pool that spreads requests over every configured token (personal tokens and a
GitHub App installation's token, see scans/github/tokens.py). Rate limits, retries and
redirects are handled here; callers get an `Answer` or one of this module's exceptions.
`GitHubClient.points_spent` adds up the rate-limit points GitHub charged: in REST one per
request it counted (a 304 made with a token costs none), in GraphQL the `rateLimit.cost` it
reported for each query.
Behaviour follows docs/github.md and https://docs.github.com/rest/repos/repos.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urljoin, urlparse

from urllib3.exceptions import (
    ConnectTimeoutError, NameResolutionError, NewConnectionError, ReadTimeoutError, SSLError,
)

from repohealth.runtime.times import parse_iso
from scans.github.breaker import Breaker
from scans.github.errors import BadCredentials, Cancelled, ConnectionFailed, GitHubUnreachable, TransientFailure
from scans.github.tokens import GitHubApp, InstallationToken, TokenPool, WaitCallback, int_header
from scans.github.transport import Response, Transport

USER_AGENT = "RepoHealth/1.0 (+https://github.com/repohealth)"
API_VERSION = "2022-11-28"


@dataclass
class Answer:
    """One HTTP answer from GitHub, after retries and rate-limit waits."""

    status: int
    body: Any
    headers: dict[str, str]
    url: str
    duration_ms: int


class GitHubClient:
    """Typed calls for the endpoints RepoHealth uses; waits and retries are handled inside."""

    def __init__(
        self,
        *,
        api_url: str,
        graphql_url: str | None = None,
        tokens: list[str] | None = None,
        app: GitHubApp | None = None,
        timeout: float = 20.0,
        pool_size: int = 8,
        max_retries: int = 4,
        backoff: float = 1.0,
        secondary_backoff: float = 60.0,
        should_stop: Callable[[], bool] = lambda: False,
        on_wait: WaitCallback = lambda message, until: None,
        sleep: Callable[[float], None] = time.sleep,
        unreachable_threshold: int = 20,
        unreachable_timeout: float = 600.0,
        budget=None,
        budget_share: float = 1.0,
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
        self.installation = InstallationToken(app, self.create_installation_token) if app else None
        # With a shared budget (scans/github/budget.py) every process using these tokens paces as one.
        shared = {"budget": budget, "host": urlparse(self.api_url).netloc, "share": budget_share,
                  "batch": 2 * pool_size}
        self.core = TokenPool.from_tokens(list(tokens or []), "core", self.installation, **shared)
        self.graphql_pool = TokenPool.from_tokens(list(tokens or []), "graphql", self.installation, **shared)
        self.breaker = Breaker(threshold=unreachable_threshold, timeout=unreachable_timeout,
                               first_backoff=min(backoff, 1.0))
        self._points_lock = threading.Lock()
        self._points = {"core": 0, "graphql": 0}
        self.transport = Transport(self.api_url, pool_size=pool_size, timeout=timeout, headers={
            "User-Agent": USER_AGENT, "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION})

    def close(self) -> None:
        for pool in (self.core, self.graphql_pool):
            pool.flush()
        self.transport.close()

    @property
    def authenticated(self) -> bool:
        """Whether requests carry a credential (GraphQL needs one)."""
        return any(t.token or t.installation for t in self.core.tokens)

    @property
    def points_spent(self) -> int:
        """Rate-limit points GitHub charged this client so far, REST and GraphQL together."""
        with self._points_lock:
            return sum(self._points.values())

    def points_by_resource(self) -> dict[str, int]:
        with self._points_lock:
            return dict(self._points)

    def _spend(self, resource: str, points: int) -> None:
        if points:
            with self._points_lock:
                self._points[resource] += points

    # --- endpoints -----------------------------------------------------------------------------
    def get_repository(self, full_name: str, *, etag: str | None = None) -> Answer:
        """GET /repos/{owner}/{repo}: https://docs.github.com/rest/repos/repos#get-a-repository

        Answers as they come (200, 304, 301 followed, 404, 451, 403 blocked). A redirect is
        followed once, on the same host, to its Location (GitHub's /repositories/{id}); the answer
        returned is the target's, its duration_ms both requests'.
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

    def get_repository_by_id(self, github_id: int) -> Answer:
        """GET /repositories/{id}: a repository by its numeric id, whatever its name now (the
        target of GitHub's rename redirects)."""
        return self._request("GET", f"{self.api_url}/repositories/{int(github_id)}", pool=self.core)

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> Answer:
        """POST /graphql: https://docs.github.com/graphql/overview/resource-limitations

        A RATE_LIMITED error answer waits for the reset and retries; other errors are returned.
        The points GitHub charged (`rateLimit { cost }`, which every query should ask) are added
        to `points_spent`.
        """
        payload = {"query": query, "variables": variables} if variables else {"query": query}
        answer = self._request("POST", self.graphql_url, pool=self.graphql_pool, json=payload)
        self._spend("graphql", graphql_cost(answer))
        return answer

    def create_installation_token(self, app: GitHubApp) -> tuple[str, float]:
        """POST /app/installations/{installation_id}/access_tokens, authenticated as the app (its JWT):
        https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app

        Returns the token and when it expires (epoch seconds). Asking costs no rate-limit points.
        """
        url = f"{self.api_url}/app/installations/{int(app.installation_id)}/access_tokens"
        pool = TokenPool.from_tokens([app.jwt()], "app")
        try:
            answer = self._request("POST", url, pool=pool)
        except BadCredentials:
            raise BadCredentials("GitHub rejected the GitHub App's JWT (401): check GITHUB_APP_ID and "
                                 "GITHUB_APP_PRIVATE_KEY") from None
        body = answer.body if isinstance(answer.body, dict) else {}
        expires_at = parse_iso(body.get("expires_at"))
        if answer.status == 201 and body.get("token") and expires_at:
            return body["token"], expires_at.timestamp()
        if answer.status == 404:
            raise BadCredentials(f"GitHub App installation {app.installation_id} was not found for this app: "
                                 "check GITHUB_APP_INSTALLATION_ID")
        raise TransientFailure(f"creating an installation token answered HTTP {answer.status}: "
                               f"{body.get('message') or 'no token'}"[:300])

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
        refreshed: set[int] = set()  # installation tokens already renewed after a 401
        while True:
            self.breaker.wait_until_closed(should_stop=self.should_stop, on_wait=self.on_wait, sleep=self._sleep)
            state, lease = pool.acquire(should_stop=self.should_stop, on_wait=self.on_wait, sleep=self._sleep)
            request_headers = dict(headers or {})
            attempt += 1
            response = None
            try:
                credential = state.credential()
            except BadCredentials as exc:  # the app's key, id or installation is wrong
                pool.release(lease)
                pool.drop(state, reason=str(exc))
                if not any(t.alive for t in pool.tokens):
                    raise
                attempt -= 1
                continue
            except TransientFailure as exc:
                pool.release(lease)
                last_reason = f"minting the installation token failed: {exc}"
            else:
                if credential:
                    request_headers["Authorization"] = f"Bearer {credential}"
                try:
                    response = self.transport.request(method, url, headers=request_headers, json_body=json)
                except ConnectionFailed as exc:
                    pool.release(lease)
                    last_reason = connection_failure(exc, url, self.timeout)
                    if self.breaker.failed(last_reason):
                        attempt -= 1  # the outage is to blame, not this request: the breaker waits it out
                        continue
                except BaseException:
                    pool.release(lease)
                    raise
            if response is not None:
                self.breaker.succeeded()
                pool.settle(state, lease, response.headers)  # the lease back, the headers kept: one round trip
                body = _json_or_none(response)
                status = response.status_code
                kind = _classify_refusal(status, response.headers, body)
                if kind == "bad_credentials":
                    if state.installation is not None and id(state) not in refreshed:
                        refreshed.add(id(state))  # revoked or expired early: mint a new one, once
                        state.installation.expire(credential)
                        attempt -= 1
                        continue
                    pool.drop(state)
                    if any(t.alive for t in pool.tokens):
                        attempt -= 1
                        continue
                    raise BadCredentials("The GitHub token was rejected (401 Bad credentials): check GITHUB_TOKEN")
                if kind == "primary":
                    reset = int_header(response.headers, "X-RateLimit-Reset") or int(time.time() + 60)
                    pool.exhaust(state, float(reset))
                    attempt -= 1  # a rate-limited answer is not a failed try
                    continue
                if kind == "secondary":
                    secondary_attempt += 1
                    if secondary_attempt > self.max_retries:
                        last_reason = "secondary rate limit persisted"
                    else:
                        retry_after = int_header(response.headers, "Retry-After")
                        delay = retry_after if retry_after is not None else self.secondary_backoff * 2 ** (secondary_attempt - 1)
                        pool.pause(state, time.time() + delay)
                        attempt -= 1
                        continue
                elif status < 500 or (status in (502, 504) and _alias_count(json) > 1):
                    # Ordinary answers go back to the caller; so does a GraphQL batch that timed
                    # out at GitHub (502/504), which the caller splits rather than resends whole.
                    if pool is self.core and status < 500 and not (status == 304 and credential):
                        self._spend("core", 1)  # GitHub counts it; a conditional 304 with a token is free
                    return Answer(status, body, dict(response.headers), url,
                                  int((time.monotonic() - started) * 1000))
                else:
                    last_reason = f"HTTP {status}"
            if attempt > self.max_retries:
                raise TransientFailure(f"{last_reason} after {attempt} {'try' if attempt == 1 else 'tries'}")
            self._backoff(attempt)

    def _backoff(self, attempt: int) -> None:
        delay = min(30.0, self.backoff * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
        deadline = time.monotonic() + delay
        while (remaining := deadline - time.monotonic()) > 0:  # read the clock once a turn
            if self.should_stop():
                raise Cancelled()
            self._sleep(min(0.2, remaining))


def connection_failure(exc: Exception, url: str, timeout: float) -> str:
    """Where a request failed and why, for a person: '127.0.0.1:9: connection refused',
    'api.github.com: name resolution failed', 'api.github.com: no answer within 20 s'."""
    host = urlparse(url).netloc or url
    causes, seen = [], exc
    while seen is not None and len(causes) < 10:
        causes.append(seen)
        seen = seen.__cause__ or seen.__context__ or (seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None)
        if seen is None and hasattr(causes[-1], "reason") and isinstance(causes[-1].reason, BaseException):
            seen = causes[-1].reason
    names = " ".join(type(c).__name__ for c in causes) + " " + " ".join(str(c) for c in causes)
    if any(isinstance(c, NameResolutionError) for c in causes) or "NameResolution" in names or "gaierror" in names \
            or "Name or service not known" in names:
        why = "name resolution failed"
    elif any(isinstance(c, ConnectionRefusedError) for c in causes) or "Connection refused" in names:
        why = "connection refused"
    elif any(isinstance(c, ConnectionResetError) for c in causes) or "reset by peer" in names:
        why = "connection reset"
    elif any(isinstance(c, SSLError) for c in causes):
        why = "TLS handshake failed"
    elif any(isinstance(c, ConnectTimeoutError) and not isinstance(c, NewConnectionError) for c in causes):
        why = f"could not connect within {timeout:g} s"  # (urllib3's NewConnectionError subclasses it)
    elif any(isinstance(c, (ReadTimeoutError, TimeoutError)) for c in causes):
        why = f"no answer within {timeout:g} s"
    else:
        why = f"connection failed ({type(causes[-1]).__name__})"
    return f"{host}: {why}"


def graphql_cost(answer: Answer) -> int:
    """What GitHub charged for a GraphQL answer: its `rateLimit { cost }`; a query that ran
    without asking it costs at least 1; one refused before it ran (errors, no data) costs 0."""
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.status != 200 or not isinstance(body.get("data"), dict):
        return 0
    cost = (body["data"].get("rateLimit") or {}).get("cost")
    return cost if isinstance(cost, int) else 1


def _alias_count(payload: Any) -> int:
    query = payload.get("query", "") if isinstance(payload, dict) else ""
    return query.count(": repository(")


def _json_or_none(response: Response) -> Any:
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
