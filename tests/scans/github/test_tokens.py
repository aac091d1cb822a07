"""Tokens (scans/github/tokens.py): a pool's spent token rests until its reset while the others
carry on, no token reaches a snapshot, a GitHub App's JWT, and an installation token refreshed
before it expires, once for concurrent callers."""

from __future__ import annotations

import threading
import time

import django_rq
import jwt

from scans.github import tokens
from scans.github.budget import SharedBudget
from scans.github.tokens import REFRESH_MARGIN_SECONDS, GitHubApp, InstallationToken, TokenPool
from scans.run.connect import shared_budget
from tests.scans.app_keys import APP_ID, app, key_pair


def test_a_spent_token_rests_until_its_reset_plus_a_second_and_the_other_carries_on(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(tokens.time, "time", lambda: now[0])
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
    assert token.token == "a"
    assert now[0] >= 1011.0
    assert messages == ["Rate limited by GitHub; resuming at 00:16:51"]
    assert pool.snapshot()["tokens"] == 2


def test_the_token_never_reaches_the_pool_snapshot():
    pool = TokenPool.from_tokens(["ghp_secretsecret"], budget=shared_budget(), host="api.github.test")
    assert "secret" not in repr(pool.snapshot())


def test_the_app_jwt_is_rs256_from_the_app_backdated_a_minute_and_lives_nine_minutes():
    now = time.time()
    claims = jwt.decode(app().jwt(now=now), key_pair()[1], algorithms=["RS256"], options={"verify_exp": False})
    assert claims == {"iss": APP_ID, "iat": int(now) - 60, "exp": int(now) - 60 + 540}


def test_the_token_is_refreshed_before_it_expires_and_only_once_for_concurrent_callers():
    now = [1000.0]
    minted: list[float] = []

    def mint(app_: GitHubApp) -> tuple[str, float]:
        minted.append(now[0])
        time.sleep(0.05)  # other threads arrive while this one mints
        return f"ghs_{len(minted)}", now[0] + 3600

    token = InstallationToken(app(), mint, clock=lambda: now[0])
    threads = [threading.Thread(target=token.get) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert minted == [1000.0]

    now[0] = 1000.0 + 3600 - REFRESH_MARGIN_SECONDS - 1
    assert token.get() == "ghs_1"
    now[0] += 1  # within the margin: a new token, before the old one expires
    assert token.get() == "ghs_2"
    assert len(minted) == 2
    token.expire("ghs_1")  # an old token rejected late changes nothing
    assert token.get() == "ghs_2"
    token.expire("ghs_2")
    assert token.get() == "ghs_3"
