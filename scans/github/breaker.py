"""A circuit breaker for GitHub being unreachable: many connection-level failures in a row
(refused, name resolution, timeouts) across repositories mean the network or GitHub is down, not
that every repository is broken.

Once `threshold` failures have come in a row the breaker opens: request threads wait instead of
sending (the scan says so: `waiting_reason` "GitHub is unreachable (<host>: <reason>)"), one probe
goes out after a backoff that doubles up to a minute, and any answer from GitHub closes it. Open
for longer than `timeout` seconds, it raises `GitHubUnreachable` in every waiting thread; the scan
fails with that message, keeps its results and can be resumed.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Callable

from scans.github.errors import Cancelled, GitHubUnreachable

MAX_BACKOFF = 60.0


class Breaker:
    def __init__(self, *, threshold: int, timeout: float, first_backoff: float = 1.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.threshold = threshold
        self.timeout = timeout
        self.first_backoff = first_backoff
        self.clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._reason = ""
        self._open_since: float | None = None
        self._next_probe = 0.0
        self._backoff = first_backoff
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._open_since is not None

    def message(self) -> str:
        return f"GitHub is unreachable ({self._reason})"

    def wait_until_closed(self, *, should_stop: Callable[[], bool], on_wait, sleep=time.sleep) -> None:
        """Return at once while closed; while open, wait until this thread may send the probe."""
        announced = 0.0
        while True:
            with self._lock:
                if self._open_since is None:
                    return
                now = self.clock()
                if now - self._open_since > self.timeout:
                    raise GitHubUnreachable(f"{self.message()} for more than {self.timeout:g} s; the results so far "
                                            "are saved and the scan can be resumed")
                if now >= self._next_probe and not self._probing:
                    self._probing = True
                    return
                until = self._next_probe
            if should_stop():
                raise Cancelled()
            if until != announced:
                clock = datetime.fromtimestamp(until, tz=timezone.utc).strftime("%H:%M:%S")
                on_wait(f"{self.message()}; trying again at {clock}", until)
                announced = until
            sleep(0.2)

    def succeeded(self) -> None:
        """GitHub answered (whatever the status): the network is there."""
        with self._lock:
            self._failures, self._open_since, self._probing, self._backoff = 0, None, False, self.first_backoff

    def failed(self, reason: str) -> bool:
        """A connection-level failure; True when it does not count against the request's own
        tries (the breaker is open: the outage, not the repository, is to blame)."""
        with self._lock:
            now = self.clock()
            self._failures += 1
            self._reason = reason
            if self._open_since is not None:
                self._probing = False
                self._backoff = min(MAX_BACKOFF, self._backoff * 2)
                self._next_probe = now + self._backoff
                return True
            if self._failures >= self.threshold:
                self._open_since = now
                self._next_probe = now + self._backoff
                return True
            return False
