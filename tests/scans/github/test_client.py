"""Unit tests of the GitHub client's own machinery (the HTTP behaviour is tested against
fakegithub in tests/scans/test_services.py and tests/scans/fetch/test_graphql.py, the token pool in
test_tokens.py)."""

from __future__ import annotations

import itertools

import pytest

from scans.github import client as github
from scans.github.client import GitHubClient
from scans.github.errors import Cancelled
from scans.run.connect import shared_budget


def test_backoff_never_asks_to_sleep_a_negative_time(monkeypatch):
    # A clock that moves 0.3 s between any two readings: a loop that read it twice a turn could
    # pass `deadline - now < 0` to sleep(), which raises ValueError.
    ticks = itertools.count(0, 0.3)
    monkeypatch.setattr(github.time, "monotonic", lambda: next(ticks))
    monkeypatch.setattr(github.random, "random", lambda: 1.0)
    slept: list[float] = []
    client = GitHubClient(api_url="http://127.0.0.1:9", budget=shared_budget(), backoff=1.0, sleep=slept.append)

    client._backoff(1)

    assert slept
    assert all(0 < s <= 0.2 for s in slept)


def test_backoff_stops_when_the_scan_is_cancelled():
    client = GitHubClient(api_url="http://127.0.0.1:9", budget=shared_budget(), backoff=5.0, sleep=lambda s: None,
                          should_stop=lambda: True)
    with pytest.raises(Cancelled):
        client._backoff(1)
