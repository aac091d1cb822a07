"""Grants asked for together (scans/github/grants.py), and the budget's side of it (`acquire_many`)
against a real Redis: fewer round trips, never more grants than the window allows, grants that
go out of date dropped, settlements carried by the next ask and flushed when the client closes."""

from __future__ import annotations

import threading

import django_rq

from scans.github.budget import Lease, Settlements, SharedBudget
from scans.github.grants import FLUSH_SECONDS, GRANT_TTL, Grants
from scans.github.tokens import TokenPool


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Asker:
    """Stands for the shared budget: grants what it is asked, and keeps what came with each ask."""

    def __init__(self) -> None:
        self.asks: list[tuple[int, Settlements]] = []
        self.lock = threading.Lock()

    def __call__(self, count: int, settled: Settlements):
        with self.lock:
            self.asks.append((count, settled))
            start = sum(c for c, _ in self.asks[:-1])
        return [Lease("cred", f"l{start + n}") for n in range(count)], 0.0, ""


def test_a_busy_process_asks_once_for_many_requests():
    grants, ask = Grants(max_batch=16), Asker()
    taken = [grants.take(ask)[0] for _ in range(400)]
    assert len({lease.id for lease in taken}) == 400, "every request has a grant of its own"
    assert len(ask.asks) < 400 / 4, f"{len(ask.asks)} asks for 400 requests"
    assert max(count for count, _ in ask.asks) <= 16


def test_threads_share_the_grants_of_one_ask():
    grants, ask = Grants(max_batch=8), Asker()
    barrier = threading.Barrier(8)
    taken: list[Lease] = []

    def request() -> None:
        barrier.wait()
        for _ in range(50):
            lease, _, _ = grants.take(ask)
            taken.append(lease)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({lease.id for lease in taken}) == 400
    assert len(ask.asks) < 400 / 2


def test_a_grant_older_than_its_ttl_is_dropped_and_its_lease_given_back():
    clock = Clock()
    grants, ask = Grants(max_batch=4, clock=clock), Asker()
    for _ in range(8):
        grants.take(ask)  # builds a rate, so the asks ask ahead
    held = len(grants._ready)
    assert held > 0
    clock.now += GRANT_TTL + 0.01
    lease, _, _ = grants.take(ask)
    newest = ask.asks[-1][1]
    assert lease.id.startswith("l"), "the outdated grants' leases go back with the ask"
    assert len(newest.leases) == held, "the outdated grants' leases go back with the ask"


def test_settlements_wait_for_the_next_ask_then_go_on_their_own_and_at_close():
    clock = Clock()
    grants, ask = Grants(max_batch=1, clock=clock), Asker()
    written: list[Settlements] = []
    lease, _, _ = grants.take(ask)
    grants.settle(lease, written.append, credential="cred", resource="core", remaining=41, limit=5000,
                  reset_at=2e6)
    assert written == []
    grants.take(ask)
    carried = ask.asks[-1][1]
    assert carried.leases == [lease]
    assert carried.limits == {("cred", "core"): {"remaining": 41, "limit": 5000,
                                                                                 "reset_at": 2e6}}
    grants.settle(Lease("cred", "x"), written.append)
    clock.now += FLUSH_SECONDS
    grants.settle(Lease("cred", "y"), written.append)
    assert [lease.id for lease in written[0].leases] == ["x", "y"], "sent on their own after FLUSH_SECONDS"
    grants.settle(Lease("cred", "z"), written.append)
    grants.flush(written.append)
    assert [lease.id for lease in written[1].leases] == ["z"]


def test_acquire_many_grants_no_more_than_the_window_and_the_concurrency_allow():
    clock = Clock()
    shared = SharedBudget(django_rq.get_connection("default"), per_window={"rest": 5, "graphql": 5}, window=10.0,
                          max_concurrent=3, clock=clock)
    index, leases, _, _ = shared.acquire_many(["grants-a"], resource="core", count=8)
    assert index == 0, "three in flight at most"
    assert len(leases) == 3, "three in flight at most"
    assert shared.acquire_many(["grants-a"], resource="core", count=8)[3] == "concurrency"
    settled = Settlements(leases=leases)
    settled.note("grants-a", "core", remaining=4000, limit=5000, reset_at=clock.now + 600)
    index, more, _, _ = shared.acquire_many(["grants-a"], resource="core", count=8, settled=settled)
    assert len(more) == 2, "the leases came back in the same round trip; the window has 2 of 5 left"
    assert shared.state("grants-a", "core")["remaining"] == 4000 - 2
    assert shared.acquire_many(["grants-a"], resource="core", count=8)[3] in ("pacing", "concurrency")


def test_a_pool_with_a_budget_gives_back_what_is_left_when_it_flushes():
    shared = SharedBudget(django_rq.get_connection("default"), per_window={"rest": 1000, "graphql": 1000})
    pool = TokenPool.from_tokens(["grants-flush"], "core", budget=shared, host="h", batch=8)
    for _ in range(20):
        state, lease = pool.acquire(should_stop=lambda: False, on_wait=lambda message, until: None)
        pool.settle(state, lease, {"X-RateLimit-Remaining": "100", "X-RateLimit-Limit": "5000",
                                   "X-RateLimit-Reset": "2000000000"})
    credential = pool.credential_id(pool.tokens[0])
    assert shared.in_flight(credential) > 0, "grants asked ahead and leases not yet given back"
    pool.flush()
    assert shared.in_flight(credential) == 0
    # GitHub (this test's headers) said 100 each time; the grants taken since count against it.
    assert shared.state(credential, "core")["remaining"] < 100


def test_a_grant_is_used_well_within_the_margin_the_window_keeps():
    for window in (2.0, 15.0, 60.0):
        shared = SharedBudget(django_rq.get_connection("default"), per_window={"rest": 1, "graphql": 1}, window=window)
        assert shared.window - window > GRANT_TTL


def test_a_report_within_the_window_never_raises_what_the_grants_took():
    clock = Clock()
    shared = SharedBudget(django_rq.get_connection("default"), per_window={"rest": 100, "graphql": 100},
                          clock=clock)
    reset = clock.now + 600
    shared.record("grants-min", "core", remaining=19, limit=20, reset_at=reset)
    _, leases, _, _ = shared.acquire_many(["grants-min"], resource="core", count=2)
    assert len(leases) == 2
    assert shared.state("grants-min", "core")["remaining"] == 17
    outdated = Settlements()  # the answer to a request sent before those two grants
    outdated.note("grants-min", "core", remaining=18, limit=20, reset_at=reset)
    outdated.note("grants-min", "core", remaining=19, limit=20, reset_at=reset)  # an older answer, overtaking
    assert outdated.limits[("grants-min", "core")]["remaining"] == 18
    shared.settle_all(outdated)
    assert shared.state("grants-min", "core")["remaining"] == 17, "GitHub had not counted the two grants yet"
    shared.record("grants-min", "core", remaining=20, limit=20, reset_at=reset + 3600)
    assert shared.state("grants-min", "core")["remaining"] == 20, "a new window starts from what GitHub says"
