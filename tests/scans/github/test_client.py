"""Unit tests of the GitHub client's own machinery and its token pool over the shared budget in
the suite's Redis (the HTTP behaviour is tested against fakegithub in test_services.py and
test_graphql.py)."""

from __future__ import annotations

import itertools

import django_rq
import pytest

from scans.github import client as github
from scans.github.budget import SharedBudget
from scans.github.client import GitHubClient, TokenPool
from scans.github.errors import Cancelled
from scans.run.connect import shared_budget


def test_backoff_never_asks_to_sleep_a_negative_time(monkeypatch):
    # A clock that moves 0.3 s between any two readings: the old loop read it twice a turn
    # and could pass `deadline - now < 0` to sleep(), which raises ValueError.
    ticks = itertools.count(0, 0.3)
    monkeypatch.setattr(github.time, "monotonic", lambda: next(ticks))
    monkeypatch.setattr(github.random, "random", lambda: 1.0)
    slept: list[float] = []
    client = GitHubClient(api_url="http://127.0.0.1:9", budget=shared_budget(), backoff=1.0, sleep=slept.append)

    client._backoff(1)

    assert slept and all(0 < s <= 0.2 for s in slept)


def test_backoff_stops_when_the_scan_is_cancelled():
    client = GitHubClient(api_url="http://127.0.0.1:9", budget=shared_budget(), backoff=5.0, sleep=lambda s: None,
                          should_stop=lambda: True)
    with pytest.raises(Cancelled):
        client._backoff(1)


def test_a_spent_token_rests_until_its_reset_plus_a_second_and_the_other_carries_on(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(github.time, "time", lambda: now[0])
    budget = SharedBudget(django_rq.get_connection("default"), per_window={"rest": 100, "graphql": 100},
                          clock=lambda: now[0])
    pool = TokenPool.from_tokens(["a", "b"], budget=budget, host="api.github.test")
    pool.exhaust(pool.tokens[0], reset_at=1010.0)

    picked = []
    for _ in range(3):
        state, lease = pool.acquire(should_stop=lambda: False, on_wait=lambda m, u: None)
        pool.release(lease)
        picked.append(state.token)
    assert picked == ["b", "b", "b"]

    pool.exhaust(pool.tokens[1], reset_at=1020.0)
    messages: list[str] = []

    def sleep(seconds):
        now[0] += seconds

    token, _ = pool.acquire(should_stop=lambda: False, on_wait=lambda m, u: messages.append(m), sleep=sleep)
    assert token.token == "a" and now[0] >= 1011.0
    assert messages == ["Rate limited by GitHub; resuming at 00:16:51"]
    assert pool.snapshot()["tokens"] == 2


def test_the_token_never_reaches_the_pool_snapshot():
    pool = TokenPool.from_tokens(["ghp_secretsecret"], budget=shared_budget(), host="api.github.test")
    assert "secret" not in repr(pool.snapshot())
