"""Who a request to GitHub is sent as: the token pool, and a GitHub App's installation token.

The pool spreads requests over every credential (personal tokens from GITHUB_TOKEN, and a GitHub
App installation's token) through the budget every worker shares (scans/github/budget.py), which
rests a spent one until its reset; the pool drops a rejected one. A caller waits only when no
credential may send. A GitHub App
(https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation)
signs a JWT (RS256) with its private key and trades it for an installation token
(`GitHubClient.create_installation_token`), which lasts an hour; `InstallationToken` keeps the
current one and buys the next a few minutes before it runs out.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

import jwt

from scans.github.errors import BadCredentials, Cancelled
from scans.github.grants import Grants

logger = logging.getLogger(__name__)


JWT_BACKDATE_SECONDS = 60   # GitHub's advice: iat a minute back, against clock drift
JWT_LIFETIME_SECONDS = 540  # GitHub refuses an exp more than 10 minutes after iat
REFRESH_MARGIN_SECONDS = 300.0


@dataclass(frozen=True)
class GitHubApp:
    """GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY (the PEM text) and GITHUB_APP_INSTALLATION_ID."""

    app_id: str
    private_key: str = field(repr=False)
    installation_id: int

    def jwt(self, *, now: float | None = None) -> str:
        """The app's JWT: https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app"""
        issued = int(time.time() if now is None else now) - JWT_BACKDATE_SECONDS
        claims = {"iat": issued, "exp": issued + JWT_LIFETIME_SECONDS, "iss": str(self.app_id)}
        return jwt.encode(claims, self.private_key, algorithm="RS256")


Mint = Callable[[GitHubApp], tuple[str, float]]  # -> (token, expires at, epoch seconds)


class InstallationToken:
    """The installation's current token, minted on first use and again once it is within
    REFRESH_MARGIN_SECONDS of expiring (or GitHub rejected it). Thread-safe: one mint at a time,
    the others wait for it and use its token."""

    def __init__(self, app: GitHubApp, mint: Mint, *, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self._mint = mint
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.minted = 0

    @property
    def label(self) -> str:
        return f"GitHub App installation {self.app.installation_id}"

    def get(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - REFRESH_MARGIN_SECONDS:
                self._token, self._expires_at = self._mint(self.app)
                self.minted += 1
            return self._token

    def expire(self, token: str) -> None:
        """GitHub rejected `token`: the next `get` mints another (unless one already did)."""
        with self._lock:
            if self._token == token:
                self._token = None


@dataclass
class TokenState:
    token: str | None
    remaining: int | None = None
    limit: int | None = None
    reset_at: float = 0.0  # epoch seconds; while in the future and remaining == 0 the token rests
    alive: bool = True
    installation: InstallationToken | None = None  # a GitHub App's: `token` is then unused
    budget_id: str | None = None  # its id in the shared budget, once computed (TokenPool.credential_id)

    @property
    def label(self) -> str:
        if self.installation is not None:
            return self.installation.label
        if self.token is None:
            return "unauthenticated"
        return f"token …{self.token[-4:]}" if len(self.token) > 8 else "token"

    def credential(self) -> str | None:
        """The token to send now; an installation's is minted or refreshed here when due."""
        return self.installation.get() if self.installation is not None else self.token


WaitCallback = Callable[[str, float | None], None]


@dataclass
class TokenPool:
    """Spreads requests across tokens; a spent token rests until its reset; a 401 drops a token.

    Only when no token may send does a caller wait. One pool per resource (core, graphql).
    The tokens' state lives in the `budget` (scans/github/budget.py, in Redis), shared by every
    worker: `acquire` paces below GitHub's secondary limits and takes a lease that `release` gives
    back (both through scans/github/grants.py, which batches the round trips; `flush` writes what
    is left when the client closes). `share` (0-1] keeps a scan to that share of each token's
    primary budget. What GitHub said is also kept here, for `snapshot` while Redis is away.
    """

    tokens: list[TokenState]
    budget: Any  # a scans.github.budget.SharedBudget
    resource: str = "core"
    host: str = ""
    share: float = 1.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0
    _grants: Grants = field(default_factory=Grants)  # grants asked for together

    @classmethod
    def from_tokens(cls, tokens: list[str], resource: str = "core",
                    installation: InstallationToken | None = None, *, budget: Any, batch: int = 1,
                    **options: Any) -> "TokenPool":
        states = [TokenState(t) for t in tokens]
        if installation is not None:
            states.append(TokenState(None, installation=installation))
        return cls(tokens=states or [TokenState(None)], budget=budget, resource=resource,
                   _grants=Grants(max_batch=batch), **options)

    def credential_id(self, state: TokenState) -> str:
        from scans.github.budget import credential_id

        if state.budget_id is None:
            secret = (f"app:{state.installation.app.installation_id}" if state.installation is not None
                      else state.token)
            state.budget_id = credential_id(secret, host=self.host)
        return state.budget_id

    def acquire(self, *, should_stop: Callable[[], bool], on_wait: WaitCallback,
                sleep=time.sleep) -> tuple[TokenState, Any]:
        """A token that may send now, and its lease from the shared budget."""
        from redis.exceptions import RedisError

        announced = ""
        while True:
            if should_stop():
                raise Cancelled()
            with self._lock:
                alive = self._alive()
                by_id = {self.credential_id(t): t for t in alive}
            try:
                lease, wait_until, why = self._grants.take(self._ask)
            except (RedisError, OSError):  # the shared budget is unknown: wait, never send unpaced
                lease, wait_until, why = None, time.time() + 1.0, "redis"
            if lease is not None:
                if lease.credential in by_id:
                    return by_id[lease.credential], lease
                self.release(lease)  # granted to a token dropped since
                continue
            message = _wait_message(wait_until, why)
            # Pacing and concurrency waits are short and constant: say so only when they are not.
            if message != announced and (why not in ("pacing", "concurrency") or wait_until - time.time() > 2):
                on_wait(message, wait_until)
                announced = message
            sleep(min(0.5, max(0.005, wait_until - time.time())))

    def _ask(self, count: int, settled) -> tuple[list, float, str]:
        """Ask the shared budget for `count` grants (scans/github/grants.py), the next token first."""
        with self._lock:
            alive = self._alive()
            start = self._next % len(alive)
            order = alive[start:] + alive[:start]
            self._next = start + 1
        index, leases, wait_until, why = self.budget.acquire_many(
            [self.credential_id(t) for t in order], resource=self.resource, share=self.share, count=count,
            settled=settled)
        return leases, wait_until, why

    def release(self, lease: Any) -> None:
        """Give back a request's lease once its answer came (or it failed): with the next ask."""
        self._grants.settle(lease, self._write_settled)

    def flush(self) -> None:
        """Write the leases and figures still waiting for an ask (the client is closing)."""
        self._grants.flush(self._write_settled)

    def _write_settled(self, settled) -> None:
        self._shared(lambda: self.budget.settle_all(settled))  # leases expire by themselves if this fails

    def _alive(self) -> list[TokenState]:
        alive = [t for t in self.tokens if t.alive]
        if not alive:
            raise BadCredentials("Every configured GitHub token was rejected (401 Bad credentials): "
                                 "check GITHUB_TOKEN and the GITHUB_APP_* settings")
        return alive

    def settle(self, state: TokenState, lease: Any, headers: dict[str, str]) -> None:
        """An answer came: keep what GitHub said of the primary limit and give the request's
        lease back (with a shared budget, both in one Redis round trip)."""
        remaining = int_header(headers, "X-RateLimit-Remaining")
        reset = int_header(headers, "X-RateLimit-Reset")
        limit = int_header(headers, "X-RateLimit-Limit")
        with self._lock:
            if remaining is not None:
                state.remaining = remaining
            if reset is not None:
                state.reset_at = float(reset)
            if limit is not None:
                state.limit = limit
        self._grants.settle(lease, self._write_settled, credential=self.credential_id(state),
                            resource=self.resource, remaining=remaining, limit=limit,
                            reset_at=float(reset) if reset is not None else None)

    def exhaust(self, state: TokenState, reset_at: float) -> None:
        with self._lock:
            state.remaining = 0
            state.reset_at = reset_at
        self._shared(lambda: self.budget.exhaust(self.credential_id(state), self.resource, reset_at))

    def pause(self, state: TokenState, until: float) -> None:
        """A secondary limit on this token's account: it sends nothing before `until`."""
        self._shared(lambda: self.budget.pause(self.credential_id(state), until))

    def _shared(self, write: Callable[[], None]) -> None:
        try:
            write()
        except Exception:  # the next acquire waits for Redis; what GitHub said is said again soon
            logger.warning("could not write the shared GitHub budget", exc_info=True)

    def drop(self, state: TokenState, reason: str = "") -> None:
        """Stop using a credential GitHub refused (`reason`: why, when it is not a plain 401)."""
        with self._lock:
            state.alive = False
        if any(t.alive for t in self.tokens):
            why = reason or f"GitHub rejected {state.label} (401 Bad credentials)"
            logger.warning("%s; going on with the other tokens", why)

    def snapshot(self) -> dict[str, Any]:
        """The pool as the progress payload's `rate_limit` reports it: the shared figures, or this
        process's while Redis is away."""
        with self._lock:
            alive = [t for t in self.tokens if t.alive]
        states = self._shared_states(alive)
        if states is None:
            with self._lock:
                states = [(t.remaining, t.limit, t.reset_at) for t in alive]
        known = [s for s in states if s[0] is not None]
        resets = [s[2] for s in states if s[2]]
        now = time.time()
        return {
            "resource": self.resource,
            "remaining": int(sum(s[0] for s in known)) if known else None,
            "limit": int(sum(s[1] or 0 for s in known)) if known else None,
            "reset_at": _iso(min(resets)) if resets else None,
            "tokens": len(self.tokens),
            "tokens_available": sum(1 for s in states if s[0] != 0 or not s[2] or now >= s[2] + RESET_MARGIN),
            "tokens_rejected": sum(1 for t in self.tokens if not t.alive),
        }

    def _shared_states(self, alive: list[TokenState]) -> list[tuple] | None:
        try:
            found = [self.budget.state(self.credential_id(t), self.resource) for t in alive]
        except Exception:
            return None
        return [(int(s["remaining"]) if s["remaining"] is not None else None,
                 int(s["limit"]) if s["limit"] is not None else None, s["reset_at"] or 0.0) for s in found]


RESET_MARGIN = 1.0  # docs/github.md: wait until X-RateLimit-Reset + 1 s, never before


_WAITS = {
    "primary": "Rate limited by GitHub",
    "secondary": "Secondary rate limit hit at GitHub",
    "share": "This scan's share of the rate limit is spent",
    "pacing": "Pacing below GitHub's secondary limits",
    "concurrency": "Waiting for a free request slot (GitHub allows 100 at once)",
    "redis": "Redis is unavailable, so the shared GitHub budget is unknown",
}


def _wait_message(until: float, why: str) -> str:
    clock = datetime.fromtimestamp(until, tz=timezone.utc).strftime("%H:%M:%S")
    return f"{_WAITS.get(why, _WAITS['primary'])}; resuming at {clock}"


def int_header(headers, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat().replace("+00:00", "Z")
