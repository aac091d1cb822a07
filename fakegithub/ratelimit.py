"""Primary rate limits: fixed windows per token, one limiter per resource (core, graphql).

GitHub counts requests per user (per IP when unauthenticated) in windows that start with
the first request and reset ``SECONDS`` later; ``X-RateLimit-Reset`` is the window end in
UTC epoch seconds. Without a configured limit the fake never refuses, but still answers
the headers a real token would see (5,000 per hour).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

UNLIMITED = (5000, 3600)


@dataclass(frozen=True)
class Quota:
    """What one token has left in its current window, as the ``X-RateLimit-*`` headers say."""

    resource: str
    limit: int
    remaining: int
    used: int
    reset: int
    limited: bool = False

    def headers(self) -> dict[str, str]:
        """The rate-limit headers GitHub sends on every API answer."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Resource": self.resource,
        }

    def as_json(self) -> dict[str, int | str]:
        """One entry of ``GET /rate_limit``."""
        return {"limit": self.limit, "used": self.used, "remaining": self.remaining,
                "reset": self.reset, "resource": self.resource}

    def reset_iso(self) -> str:
        """The window end as GraphQL's ``rateLimit.resetAt`` spells it."""
        return datetime.fromtimestamp(self.reset, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Window:
    start: float
    used: int = 0


class RateLimiter:
    """Fixed-window counters keyed by token ('' is the shared unauthenticated bucket)."""

    def __init__(self, resource: str, limit: tuple[int, float] | None = None) -> None:
        self.resource = resource
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}
        self._limit: tuple[int, float] | None = None
        self.configure(limit)

    def configure(self, limit: tuple[int, float] | None) -> None:
        """Set ``(N, SECONDS)`` or ``None`` (unlimited); every window starts afresh."""
        with self._lock:
            self._limit = limit
            self._windows.clear()

    def reset(self) -> None:
        """Forget every window, as if no request had been made."""
        with self._lock:
            self._windows.clear()

    def acquire(self, key: str, cost: int, now: float | None = None) -> Quota:
        """Spend ``cost`` points, unless the window is exhausted (then ``limited=True``).

        A cost of 0 (a 304 made with a token) spends nothing but is still refused once
        the window is exhausted: GitHub checks the limit before it answers.
        """
        now = time.time() if now is None else now
        with self._lock:
            window = self._current(key, now, create=True)
            assert window is not None
            limit, _ = self._limit or UNLIMITED
            if self._limit is not None and window.used + max(cost, 1) > limit:
                return self._quota(window, now, limited=True)
            window.used += cost
            return self._quota(window, now)

    def peek(self, key: str, now: float | None = None) -> Quota:
        """The quota without spending anything or starting a window (``GET /rate_limit``)."""
        now = time.time() if now is None else now
        with self._lock:
            return self._quota(self._current(key, now, create=False) or _Window(start=now), now)

    def _current(self, key: str, now: float, create: bool) -> _Window | None:
        _, seconds = self._limit or UNLIMITED
        window = self._windows.get(key)
        if window is None or now >= window.start + seconds:
            window = _Window(start=now)
            if not create:
                return None
            self._windows[key] = window
        return window

    def _quota(self, window: _Window, now: float, limited: bool = False) -> Quota:
        limit, seconds = self._limit or UNLIMITED
        # The announced reset is never earlier than the real window end, and always in
        # the future, so a client that waits until it is never refused again.
        reset = max(math.ceil(window.start + seconds), math.floor(now) + 1)
        if self._limit is None:
            # Unlimited: the numbers cycle but never reach 0, so clients never wait.
            remaining = limit - window.used % limit
        else:
            remaining = 0 if limited else max(0, limit - window.used)
        return Quota(self.resource, limit, remaining, limit - remaining, reset, limited)
