"""The shared GitHub budget (scans/github/budget.py) against a real Redis: the sliding pacing window,
leases that expire when a process dies, the concurrency ceiling, a schedule's share, secondary
pauses; and a token pool that waits, never sends, while Redis is away."""

from __future__ import annotations

import django_rq
import pytest

from scans.github.budget import SharedBudget, credential_id
from scans.github.errors import Cancelled
from scans.github.tokens import TokenPool


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def budget(clock, **options) -> SharedBudget:
    settings = {"per_window": {"rest": 3, "graphql": 5}, "window": 10.0, "max_concurrent": 100,
                "lease_seconds": 30.0, **options}
    return SharedBudget(django_rq.get_connection("default"), clock=clock, **settings)


def test_no_window_wherever_it_starts_holds_more_than_the_figure(clock):
    shared = budget(clock)
    sent = []
    for _ in range(3):
        index, lease, _, _ = shared.acquire(["tok"], resource="core")
        assert index == 0
        shared.release(lease)
        sent.append(clock.now)
        clock.now += 1
    index, _, wait_until, why = shared.acquire(["tok"], resource="core")
    assert index == -1
    assert why == "pacing"
    assert wait_until == sent[0] + shared.window
    clock.now = sent[0] + shared.window + 0.001  # the oldest left the window: one more may go
    assert shared.acquire(["tok"], resource="core")[0] == 0
    assert shared.acquire(["tok"], resource="core")[0] == -1
    assert shared.acquire(["tok"], resource="graphql")[0] == 0, "GraphQL has a window of its own"


def test_a_second_token_carries_on_when_the_first_is_paced(clock):
    shared = budget(clock)
    picks = [shared.acquire(["a", "b"], resource="core")[0] for _ in range(6)]
    assert picks == [0, 0, 0, 1, 1, 1]


def test_a_lease_held_by_a_process_that_died_expires(clock):
    shared = budget(clock, max_concurrent=1, lease_seconds=5.0, per_window={"rest": 100, "graphql": 100})
    assert shared.acquire(["tok"], resource="core")[0] == 0  # never released: the process died
    index, _, wait_until, why = shared.acquire(["tok"], resource="core")
    assert index == -1
    assert why == "concurrency"
    assert wait_until == clock.now + 5.0
    clock.now += 5.001
    index, lease, _, _ = shared.acquire(["tok"], resource="core")
    assert index == 0
    assert shared.in_flight("tok") == 1
    shared.release(lease)
    assert shared.in_flight("tok") == 0


def test_a_spent_token_rests_until_its_reset_and_a_share_keeps_the_rest_for_others(clock):
    shared = budget(clock, per_window={"rest": 100, "graphql": 100})
    shared.record("tok", "core", remaining=0, limit=5000, reset_at=clock.now + 60)
    index, _, wait_until, why = shared.acquire(["tok"], resource="core")
    assert (index, why, wait_until) == (-1, "primary", clock.now + 61)

    shared.record("tok", "core", remaining=2600, limit=5000, reset_at=clock.now + 60)
    assert shared.state("tok", "core")["remaining"] == 0, "within its window a report never raises the count"
    shared.record("tok", "core", remaining=2600, limit=5000, reset_at=clock.now + 3660)  # the next window
    assert shared.acquire(["tok"], resource="core", share=0.5)[0] == 0  # 2,600 > half of 5,000
    assert shared.state("tok", "core")["remaining"] == 2599
    shared.record("tok", "core", remaining=2500, limit=5000, reset_at=clock.now + 3660)
    index, _, _, why = shared.acquire(["tok"], resource="core", share=0.5)
    assert (index, why) == (-1, "share")
    assert shared.acquire(["tok"], resource="core", share=1.0)[0] == 0, "a full-share scan still may"


def test_a_secondary_limit_pauses_the_token_in_every_resource(clock):
    shared = budget(clock)
    shared.pause("tok", clock.now + 30)
    for resource in ("core", "graphql"):
        index, _, wait_until, why = shared.acquire(["tok"], resource=resource)
        assert (index, why, wait_until) == (-1, "secondary", clock.now + 30)


def test_no_token_is_written_to_redis():
    assert "ghp_secret" not in credential_id("ghp_secret", host="api.github.com")
    assert credential_id("a", host="h1") != credential_id("a", host="h2")


def test_while_redis_is_away_a_pool_waits_and_says_why_instead_of_sending():
    import redis

    dead = SharedBudget(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2),
                        per_window={"rest": 10, "graphql": 10})
    pool = TokenPool.from_tokens(["tok"], "core", budget=dead, host="api.github.com")
    said = []
    with pytest.raises(Cancelled):
        pool.acquire(should_stop=lambda: bool(said), on_wait=lambda message, until: said.append(message),
                     sleep=lambda seconds: None)
    assert said
    assert said[0].startswith("Redis is unavailable, so the shared GitHub budget is unknown")
