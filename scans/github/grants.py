"""One process's side of the shared GitHub budget: grants asked for together, settlements sent along.

Every request to GitHub needs a grant from the shared budget (scans/github/budget.py), and every answer
gives its lease back and says what GitHub reported of the limit. Asking Redis for each of those
apart is three round trips a request, which on a 2-core worker at a scan's pace (hundreds of
requests a second) was a fifth of the scan's CPU. So a process's requests for one resource
share a `Grants`:

- the thread that asks asks for as many grants as the process will use within GRANT_TTL (its
  requests of the last second tell; at least those waiting now, at most the scan's concurrency)
  and hands the rest to the others, which take them without calling Redis;
- the leases of answered requests and the latest rate-limit figures wait in `Settlements`
  and travel with the next ask, in the same round trip; they are sent on their own when no ask
  comes for FLUSH_SECONDS, and when the client closes.

Pacing stays exact: the budget counts a grant as sent when it gives it, so a grant is used at
once or dropped; one older than GRANT_TTL is dropped (still counted as sent, its lease given
back). The budget's window is longer than the pacing window by a margin of at least 0.25 s,
more than GRANT_TTL, so what GitHub counts in any window never passes the figure.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable

from scans.github.budget import Lease, Settlements

GRANT_TTL = 0.15
FLUSH_SECONDS = 0.5

# ask(count, settled) -> (grants, when to try again, why)
Ask = Callable[[int, Settlements], tuple[list[Lease], float, str]]
Write = Callable[[Settlements], None]


class Grants:
    def __init__(self, *, max_batch: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_batch = max(1, max_batch)
        self._taken: deque[float] = deque()  # when grants were taken, over the last second
        self._cond = threading.Condition()
        self._ready: deque[tuple[Lease, float]] = deque()  # grants not handed out yet, with when given
        self._asking = False
        self._wanting = 0
        self._settled = Settlements()
        self._settled_since: float | None = None
        self.clock = clock

    def take(self, ask: Ask) -> tuple[Lease | None, float, str]:
        """A grant (a lease on a credential), or (None, when to try again, why). Waits only while
        another thread asks and no grant is ready. The thread whose take leaves fewer than half
        of what the next GRANT_TTL needs asks for more (with its own grant in hand), so the others
        seldom wait. Raises what `ask` raises when it has no grant to give (the settlements the
        ask carried are dropped: leases expire by themselves, GitHub's figures come again)."""
        with self._cond:
            self._wanting += 1
            now = self.clock()
            self._taken.append(now)
            while self._taken[0] < now - 1.0:
                self._taken.popleft()
            try:
                while True:
                    grant = self._fresh()
                    if grant is not None or not self._asking:
                        break
                    self._cond.wait(0.05)
                want = min(self.max_batch, max(self._wanting, math.ceil(len(self._taken) * GRANT_TTL)))
                if grant is not None and (self._asking or 2 * len(self._ready) >= want):
                    return grant, 0.0, ""
                self._asking = True
                count = max(1, want - len(self._ready) - (grant is not None))
                settled, self._settled, self._settled_since = self._settled, Settlements(), None
            finally:
                self._wanting -= 1
        try:
            grants, wait_until, why = ask(count, settled)
        except Exception:
            if grant is None:
                raise
            grants, wait_until, why = [], 0.0, ""  # the next take asks again, and meets the failure
        finally:
            with self._cond:
                self._asking = False
                self._cond.notify_all()
        if grant is None and not grants:
            return None, wait_until, why
        with self._cond:
            if grant is None:
                grant, grants = grants[0], grants[1:]
            now = self.clock()
            self._ready.extend((each, now) for each in grants)
            self._cond.notify_all()
        return grant, 0.0, ""

    def settle(self, lease: Lease | None, write: Write, *, credential: str = "", resource: str = "",
               remaining: int | None = None, limit: int | None = None, reset_at: float | None = None) -> None:
        """A request ended: its lease (if any) and GitHub's figures (if any) wait for the next
        ask; `write` sends them at once when they have waited FLUSH_SECONDS."""
        with self._cond:
            if lease is not None:
                self._settled.leases.append(lease)
            if credential:
                self._settled.note(credential, resource, remaining=remaining, limit=limit, reset_at=reset_at)
            now = self.clock()
            if self._settled_since is None:
                self._settled_since = now
            if now - self._settled_since < FLUSH_SECONDS:
                return
            settled, self._settled, self._settled_since = self._settled, Settlements(), None
        if settled:
            write(settled)

    def flush(self, write: Write) -> None:
        """Send what waits now, with the leases of grants never used (the client is closing)."""
        with self._cond:
            self._settled.leases.extend(grant for grant, _ in self._ready)
            self._ready.clear()
            settled, self._settled, self._settled_since = self._settled, Settlements(), None
        if settled:
            write(settled)

    def _fresh(self) -> Lease | None:
        """The oldest grant still fresh; older ones are dropped and their leases settled."""
        now = self.clock()
        while self._ready:
            grant, given = self._ready.popleft()
            if now - given <= GRANT_TTL:
                return grant
            self._settled.leases.append(grant)
            if self._settled_since is None:
                self._settled_since = now
        return None
