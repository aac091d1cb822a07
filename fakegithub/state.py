"""Everything the fake remembers: settings, catalog, rate-limit windows, faults and stats.

One ``FakeState`` is shared by all handler threads. Each part has its own lock; the random
generator is seeded and used behind a lock so a run with a given seed and a given order
of requests is reproducible.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable, Iterable

from .index import RepoIndex
from .ratelimit import RateLimiter
from .rs256 import public_numbers

ENDPOINTS = ("rest_repo", "rest_repository_id", "rest_commits", "rest_release", "graphql", "rate_limit",
             "app_token", "other")
REQUEST_LOG_SIZE = 100_000


@dataclass
class Config:
    """Run-time settings; ``FakeGitHub.configure`` and ``POST /_fake/config`` change them."""

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    error_rate: float = 0.0
    rate_limit: tuple[int, float] | None = None
    graphql_rate_limit: tuple[int, float] | None = None
    graphql_max_batch: int | None = None
    tokens: tuple[str, ...] | None = None
    rate_limit_status: int = 403
    secondary_next: int = 0
    secondary_retry_after: int = 1
    secondary_no_retry_after: bool = False
    secondary_status: int = 403
    secondary_max_concurrency: int | None = None
    # GitHub's secondary limit on points per minute (reads: one per request, answered or refused),
    # per account, in a sliding window: REST and GraphQL apart. None: not enforced.
    secondary_rest_per_window: int | None = None
    secondary_graphql_per_window: int | None = None
    secondary_window_seconds: float = 60.0
    fail_next: int = 0
    hang_next: int = 0
    hang_seconds: float = 30.0
    seed: int = 0
    app_id: str | None = None
    app_public_key: str | None = None
    app_installation_id: int | None = None
    app_token_seconds: float = 3600.0

    def as_json(self) -> dict[str, Any]:
        """The settings as JSON values (tuples become lists)."""
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in asdict(self).items()}


def parse_rate(value: Any) -> tuple[int, float] | None:
    """Accept ``None``, ``"N/SECONDS"``, ``[N, SECONDS]`` or ``(N, SECONDS)``."""
    if value is None or value == "":
        return None
    parts = value.split("/") if isinstance(value, str) else list(value)
    if len(parts) != 2:
        raise ValueError(f"a rate limit is N/SECONDS, got {value!r}")
    count, seconds = int(parts[0]), float(parts[1])
    if count < 0 or seconds <= 0:
        raise ValueError(f"a rate limit needs N >= 0 and SECONDS > 0, got {value!r}")
    return count, seconds


def parse_tokens(value: Any) -> tuple[str, ...] | None:
    """Accept ``None``, ``"a,b"`` or a list of tokens."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(item).strip() for item in items if str(item).strip())


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _optional_str(value: Any) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _public_key(value: Any) -> str | None:
    """A PEM RSA public key, checked now so that a bad one is refused when configured."""
    if value is None or value == "":
        return None
    public_numbers(str(value))
    return str(value)


def _positive(value: Any) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError(f"expected a positive number, got {value!r}")
    return number


def _probability(value: Any) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"expected a probability between 0 and 1, got {value!r}")
    return number


def _status(value: Any) -> int:
    number = int(value)
    if number not in (403, 429):
        raise ValueError(f"GitHub answers rate limits with 403 or 429, got {value!r}")
    return number


_COERCE: dict[str, Callable[[Any], Any]] = {
    "latency_ms": float, "latency_jitter_ms": float, "error_rate": _probability,
    "rate_limit": parse_rate, "graphql_rate_limit": parse_rate,
    "graphql_max_batch": _optional_int, "tokens": parse_tokens,
    "rate_limit_status": _status, "secondary_next": int, "secondary_retry_after": int,
    "secondary_no_retry_after": bool, "secondary_status": _status,
    "secondary_max_concurrency": _optional_int, "fail_next": int, "hang_next": int,
    "secondary_rest_per_window": _optional_int, "secondary_graphql_per_window": _optional_int,
    "secondary_window_seconds": _positive,
    "hang_seconds": float, "seed": int, "app_id": _optional_str, "app_public_key": _public_key,
    "app_installation_id": _optional_int, "app_token_seconds": _positive,
}
assert set(_COERCE) == {field.name for field in fields(Config)}


@dataclass(frozen=True)
class Fault:
    """An injected server error: its status and whether the body is GitHub's HTML page."""

    status: int
    html: bool


class Stats:
    """Counters behind ``GET /_fake/stats`` and the log behind ``GET /_fake/requests``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self._log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.reset()

    def reset(self) -> None:
        """Zero every counter and clear the log (requests still running stay in flight)."""
        with self._lock:
            self.requests_total = 0
            self.by_endpoint: dict[str, Counter[str]] = {name: Counter() for name in ENDPOINTS}
            self.points_spent = {"core": 0, "graphql": 0}
            self.max_concurrency = self.in_flight
            self.graphql_aliases_total = 0
            self.graphql_queries_by_cost: Counter[int] = Counter()
            self.graphql_id_lookups = {"queries": 0, "names": 0, "points": 0}
            self.app_tokens_created = 0
            self.secondary_answers = 0
            self.max_per_window: dict[str, int] = {}  # "<account> <rest|graphql>" -> most in one window
            self._log.clear()

    def enter(self) -> int:
        """Count a request as being handled; returns how many are handled now."""
        with self._lock:
            self.in_flight += 1
            self.max_concurrency = max(self.max_concurrency, self.in_flight)
            return self.in_flight

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def record(self, endpoint: str, method: str, path: str, status: int, token: str | None) -> None:
        """Count one answered API request and append it to the request log."""
        with self._lock:
            self.requests_total += 1
            self.by_endpoint[endpoint][str(status)] += 1
            self._log.append({"time": time.time(), "method": method, "path": path,
                              "status": status, "token": token, "endpoint": endpoint})

    def spend(self, resource: str, points: int) -> None:
        with self._lock:
            self.points_spent[resource] += points

    def add_aliases(self, count: int) -> None:
        with self._lock:
            self.graphql_aliases_total += count

    def add_query_cost(self, cost: int) -> None:
        """One charged GraphQL query of this cost (``graphql_queries_by_cost``)."""
        with self._lock:
            self.graphql_queries_by_cost[cost] += 1

    def add_id_lookup(self, names: int, cost: int) -> None:
        """One charged query that asks only which repository (``databaseId``) each name is now."""
        with self._lock:
            for key, value in (("queries", 1), ("names", names), ("points", cost)):
                self.graphql_id_lookups[key] += value

    def add_app_token(self) -> None:
        with self._lock:
            self.app_tokens_created += 1

    def add_secondary_answer(self) -> None:
        with self._lock:
            self.secondary_answers += 1

    def note_window(self, key: str, count: int) -> None:
        with self._lock:
            self.max_per_window[key] = max(self.max_per_window.get(key, 0), count)

    def snapshot(self) -> dict[str, Any]:
        """The ``GET /_fake/stats`` document."""
        with self._lock:
            return {
                "requests_total": self.requests_total,
                "by_endpoint": {name: dict(counts) for name, counts in self.by_endpoint.items()},
                "points_spent": dict(self.points_spent),
                "max_concurrency": self.max_concurrency,
                "in_flight": self.in_flight,
                "graphql_aliases_total": self.graphql_aliases_total,
                "graphql_queries_by_cost": {str(cost): count for cost, count
                                            in sorted(self.graphql_queries_by_cost.items())},
                "graphql_id_lookups": dict(self.graphql_id_lookups),
                "app_tokens_created": self.app_tokens_created,
                "secondary_answers": self.secondary_answers,
                "max_per_window": dict(self.max_per_window),
            }

    def log(self, since: float | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Recent requests, oldest first; ``since`` filters by time, ``limit`` keeps the newest."""
        with self._lock:
            entries = [dict(entry) for entry in self._log
                       if since is None or entry["time"] >= since]
        return entries[-limit:] if limit else entries


class FakeState:
    """The shared state of one fake server."""

    def __init__(self, catalog: Iterable[dict[str, Any]], **settings: Any) -> None:
        self.config = Config()
        self.index = RepoIndex(catalog)
        self.core = RateLimiter("core")
        self.graphql = RateLimiter("graphql")
        self.stats = Stats()
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._rng = random.Random(0)
        self._app_tokens: dict[str, tuple[float, int]] = {}  # token -> (expires at, installation)
        self._sent: dict[str, deque[float]] = {}  # "<account> <kind>" -> when its requests came
        self.configure(**settings)

    # ---------------------------------------------------------------- settings

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Validate and apply setting changes; a rate limit that changes restarts its windows."""
        unknown = sorted(set(changes) - set(_COERCE))
        if unknown:
            raise ValueError(f"unknown settings {unknown}; known: {sorted(_COERCE)}")
        coerced = {key: _COERCE[key](value) for key, value in changes.items()}
        with self._lock:
            changed = {key for key, value in coerced.items() if getattr(self.config, key) != value}
            for key, value in coerced.items():
                setattr(self.config, key, value)
            if "seed" in coerced:
                self._rng.seed(coerced["seed"])
        if "rate_limit" in changed:
            self.core.configure(coerced["rate_limit"])
        if "graphql_rate_limit" in changed:
            self.graphql.configure(coerced["graphql_rate_limit"])
        return self.config.as_json()

    def reset(self) -> None:
        """``POST /_fake/reset``: zero the stats and restart every rate-limit window."""
        self.stats.reset()
        self.core.reset()
        self.graphql.reset()
        with self._lock:
            self._sent.clear()

    # ---------------------------------------------------------------- auth

    def token_known(self, token: str) -> bool:
        """An installation token is good until it expires; any other token is good unless a
        token list is configured."""
        with self._lock:
            minted = self._app_tokens.get(token)
        if minted is not None:
            return time.time() < minted[0]
        tokens = self.config.tokens
        return tokens is None or token in tokens

    def add_app_token(self, token: str, expires_at: float, installation_id: int) -> None:
        """Remember an installation token the app endpoint handed out."""
        with self._lock:
            now = time.time()
            self._app_tokens = {t: v for t, v in self._app_tokens.items() if v[0] > now}
            self._app_tokens[token] = (expires_at, installation_id)
        self.stats.add_app_token()

    def revoke_app_token(self, token: str) -> bool:
        """Forget a live installation token; False when it is not one."""
        with self._lock:
            minted = self._app_tokens.get(token)
            if minted is None or minted[0] <= time.time():
                return False
            self._app_tokens[token] = (0.0, minted[1])  # known, and expired: 401 from now on
            return True

    def account(self, token: str | None) -> str:
        """Whose rate limit a request spends: an installation's tokens share one, as on
        GitHub; any other token is its own account ('' is the unauthenticated IP)."""
        with self._lock:
            minted = self._app_tokens.get(token or "")
        return f"installation:{minted[1]}" if minted else token or ""

    def user_id(self, token: str | None) -> int:
        """The user id GitHub names in rate-limit messages: the token's place in the list."""
        tokens = self.config.tokens or ()
        return tokens.index(token) + 1 if token in tokens else 1

    # ---------------------------------------------------------------- faults

    def take(self, counter: str) -> bool:
        """Spend one of the ``fail_next``/``secondary_next``/``hang_next`` injections."""
        with self._lock:
            left = getattr(self.config, counter)
            if left <= 0:
                return False
            setattr(self.config, counter, left - 1)
            return True

    def secondary_limited(self, in_flight: int, account: str = "", kind: str = "rest") -> bool:
        """An injected secondary limit, more requests in flight than allowed, or more requests
        from this account in the last `secondary_window_seconds` than the per-window figure."""
        ceiling = self.config.secondary_max_concurrency
        over_window = self._count_in_window(account, kind)
        return self.take("secondary_next") or (ceiling is not None and in_flight > ceiling) or over_window

    def _count_in_window(self, account: str, kind: str) -> bool:
        limit = (self.config.secondary_rest_per_window if kind == "rest"
                 else self.config.secondary_graphql_per_window)
        now = time.monotonic()
        key = f"{account or 'anonymous'} {kind}"
        with self._lock:
            sent = self._sent.setdefault(key, deque())
            sent.append(now)
            while sent and sent[0] <= now - self.config.secondary_window_seconds:
                sent.popleft()
            count = len(sent)
        self.stats.note_window(key, count)
        return limit is not None and count > limit

    def fault(self, repos: Iterable[dict[str, Any]]) -> Fault | None:
        """Whether a repository request fails: ``fail_next``, then ``error_rate``, then ``flaky``."""
        if self.take("fail_next"):
            return Fault(502, html=False)
        with self._lock:
            if self.config.error_rate and self._rng.random() < self.config.error_rate:
                return Fault(self._rng.choice((502, 503)), html=self._rng.random() < 0.5)
            for repo in repos:
                if repo["flaky"] and self._rng.random() < repo["flaky"]:
                    return Fault(502, html=True)
        return None

    def pause_before_answer(self) -> None:
        """Sleep ``latency_ms`` (+ jitter), and ``hang_seconds`` when a hang is injected."""
        with self._lock:
            jitter = self._rng.uniform(0, self.config.latency_jitter_ms) if self.config.latency_jitter_ms else 0.0
            delay = (self.config.latency_ms + jitter) / 1000.0
        if self.take("hang_next"):
            delay += self.config.hang_seconds
        if delay > 0:
            self.stopping.wait(delay)  # stop() wakes sleeping handlers at once

    def request_id(self) -> str:
        """An ``X-GitHub-Request-Id`` in GitHub's ``XXXX:XXXX:XXXXXX:XXXXXX:XXXXXXXX`` shape."""
        hexa = uuid.uuid4().hex.upper()  # not the seeded generator: ids must not shift faults
        return f"{hexa[:4]}:{hexa[4:8]}:{hexa[8:14]}:{hexa[14:20]}:{hexa[20:28]}"
