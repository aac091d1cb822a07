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
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote, urlencode, urljoin, urlparse

from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError, ReadTimeoutError, SSLError

from repohealth.runtime.times import parse_iso
from scans.github.breaker import Breaker
from scans.github.errors import BadCredentials, Cancelled, ConnectionFailed, TransientFailure
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


@dataclass
class _Call:
    """One request across its tries, and its retry accounting."""

    method: str
    url: str
    pool: TokenPool
    headers: dict[str, str]
    json: Any
    started: float = field(default_factory=time.monotonic)
    failed: int = 0  # tries that failed: each backs off, and one past max_retries raises
    secondary: int = 0  # secondary rate limits met, each paced by a backoff of its own
    refreshed: set[int] = field(default_factory=set)  # installation tokens already renewed after a 401


@dataclass(frozen=True)
class _Retry:
    """A try that gave the caller no answer: with a `failure`, a failed try; without one, a wait
    GitHub or the breaker asked for, or another token, and the request is tried again at once."""

    failure: str | None = None


_AGAIN = _Retry()


class GitHubClient:
    """Typed calls for the endpoints RepoHealth uses; waits and retries are handled inside."""

    def __init__(
        self,
        *,
        api_url: str,
        budget,
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
        # The budget every worker shares (scans/github/budget.py, a SharedBudget): every process using
        # these tokens paces as one.
        self.budget = budget
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
        headers = {"If-None-Match": etag} if etag else {}
        answer = self._request("GET", self._repo_url(full_name), pool=self.core, headers=headers)
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

    def get_commits(self, full_name: str, *, sha: str, since: str | None = None, etag: str | None = None) -> Answer:
        """GET /repos/{owner}/{repo}/commits?sha=&per_page=1[&since=]:
        https://docs.github.com/rest/commits/commits#list-commits

        One commit a page: the body holds the newest commit of `sha` (at or after `since`), and the
        `Link` header's `rel="last"` page is how many there are (no `Link`: one page, or none).
        An empty repository answers 409."""
        query = {**({"sha": sha} if sha else {}), "per_page": "1", **({"since": since} if since else {})}
        return self._request("GET", f"{self._repo_url(full_name)}/commits?{urlencode(query)}", pool=self.core,
                             headers={"If-None-Match": etag} if etag else {})

    def get_latest_release(self, full_name: str, *, etag: str | None = None) -> Answer:
        """GET /repos/{owner}/{repo}/releases/latest: the newest published release, 404 when there
        is none. https://docs.github.com/rest/releases/releases#get-the-latest-release"""
        return self._request("GET", f"{self._repo_url(full_name)}/releases/latest", pool=self.core,
                             headers={"If-None-Match": etag} if etag else {})

    def _repo_url(self, full_name: str) -> str:
        owner, _, name = full_name.partition("/")
        return f"{self.api_url}/repos/{quote(owner, safe='')}/{quote(name, safe='')}"

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
        pool = TokenPool.from_tokens([app.jwt()], "app", budget=self.budget, host=urlparse(self.api_url).netloc)
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
        """One answer for the caller. Only a failed try counts toward max_retries and backs off:
        waiting out a rate limit or an outage, or going on with another token, is no failure."""
        call = _Call(method, url, pool, dict(headers or {}), json)
        while True:
            self.breaker.wait_until_closed(should_stop=self.should_stop, on_wait=self.on_wait, sleep=self._sleep)
            state, lease = pool.acquire(should_stop=self.should_stop, on_wait=self.on_wait, sleep=self._sleep)
            outcome = self._try(call, state, lease)
            if isinstance(outcome, Answer):
                return outcome
            if outcome is _AGAIN:
                continue
            call.failed += 1
            if call.failed > self.max_retries:
                tries = "try" if call.failed == 1 else "tries"
                raise TransientFailure(f"{outcome.failure} after {call.failed} {tries}")
            self._backoff(call.failed)

    def _try(self, call: _Call, state, lease) -> Answer | _Retry:
        """One try with one token: its lease goes back to the pool whatever happens."""
        try:
            credential = state.credential()
        except BadCredentials as exc:  # the app's key, id or installation is wrong
            call.pool.release(lease)
            call.pool.drop(state, reason=str(exc))
            if not any(t.alive for t in call.pool.tokens):
                raise
            return _AGAIN
        except TransientFailure as exc:
            call.pool.release(lease)
            return _Retry(f"minting the installation token failed: {exc}")
        headers = {**call.headers, "Authorization": f"Bearer {credential}"} if credential else call.headers
        try:
            response = self.transport.request(call.method, call.url, headers=headers, json_body=call.json)
        except ConnectionFailed as exc:
            call.pool.release(lease)
            reason = connection_failure(exc, call.url, self.timeout)
            # When the breaker opens, the outage is to blame, not this request: the breaker waits it out.
            return _AGAIN if self.breaker.failed(reason) else _Retry(reason)
        except BaseException:
            call.pool.release(lease)
            raise
        self.breaker.succeeded()
        call.pool.settle(state, lease, response.headers)  # the lease back, the headers kept: one round trip
        return self._judge(call, state, credential, response)

    def _judge(self, call: _Call, state, credential: str | None, response: Response) -> Answer | _Retry:
        """What GitHub's answer means: one for the caller, a refusal to wait out, or a failed try."""
        body = _json_or_none(response)
        status = response.status_code
        kind = _classify_refusal(status, response.headers, body)
        if kind == "bad_credentials":
            return self._rejected(call, state, credential)
        if kind == "primary":
            reset = int_header(response.headers, "X-RateLimit-Reset") or int(time.time() + 60)
            call.pool.exhaust(state, float(reset))
            return _AGAIN  # a rate-limited answer is not a failed try
        if kind == "secondary":
            return self._secondary_limit(call, state, response.headers)
        if status < 500 or (status in (502, 504) and _alias_count(call.json) > 1):
            # Ordinary answers go back to the caller; so does a GraphQL batch that timed
            # out at GitHub (502/504), which the caller splits rather than resends whole.
            if call.pool is self.core and status < 500 and not (status == 304 and credential):
                self._spend("core", 1)  # GitHub counts it; a conditional 304 with a token is free
            return Answer(status, body, dict(response.headers), call.url,
                          int((time.monotonic() - call.started) * 1000))
        return _Retry(f"HTTP {status}")

    def _rejected(self, call: _Call, state, credential: str | None) -> _Retry:
        """A 401: an installation token is renewed once; any other token is dropped, and the
        request goes on with the tokens left."""
        if state.installation is not None and id(state) not in call.refreshed:
            call.refreshed.add(id(state))  # revoked or expired early: mint a new one, once
            state.installation.expire(credential)
            return _AGAIN
        call.pool.drop(state)
        if any(t.alive for t in call.pool.tokens):
            return _AGAIN
        raise BadCredentials("The GitHub token was rejected (401 Bad credentials): check GITHUB_TOKEN")

    def _secondary_limit(self, call: _Call, state, headers) -> _Retry:
        """A secondary rate limit pauses the token (Retry-After, else a doubling backoff of its
        own); once it has persisted past max_retries, each further one is a failed try."""
        call.secondary += 1
        if call.secondary > self.max_retries:
            return _Retry("secondary rate limit persisted")
        retry_after = int_header(headers, "Retry-After")
        delay = retry_after if retry_after is not None else self.secondary_backoff * 2 ** (call.secondary - 1)
        call.pool.pause(state, time.time() + delay)
        return _AGAIN

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
        wrapped = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = seen.__cause__ or seen.__context__ or wrapped
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
