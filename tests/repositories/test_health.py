"""The health vocabulary (repositories.health): one table of outcomes, and the precedence rule."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from repositories.health import BY_HEALTH, COUNTERS, OUTCOMES, health_from_metadata, moved_detail, outcome_of
from repositories.models import Repository

Health = Repository.Health


def test_every_health_has_exactly_one_outcome_and_the_contract_counter_names():
    assert [o.health for o in OUTCOMES].count(Health.UNKNOWN) == 1
    assert set(BY_HEALTH) == set(Health.values)
    assert COUNTERS == ("healthy", "stale", "archived", "moved", "not_found", "blocked", "errors")
    assert all(o.css == f"badge--{o.health.value}" for o in OUTCOMES)


def test_an_unknown_value_reads_as_unknown():
    assert outcome_of("nonsense").health == Health.UNKNOWN


def test_the_precedence_is_blocked_archived_moved_stale_healthy():
    now = timezone.now()
    old = now - timedelta(days=400)
    repo = Repository(imported_name="a/old", full_name="b/new", archived=True, disabled=True, pushed_at=old)
    order = []
    for field in ("disabled", "archived", "imported_name", "pushed_at"):
        order.append(health_from_metadata(repo, now=now, stale_days=365)[0])
        setattr(repo, field, {"disabled": False, "archived": False, "imported_name": "b/new", "pushed_at": now}[field])
    order.append(health_from_metadata(repo, now=now, stale_days=365)[0])
    assert order == [Health.BLOCKED, Health.ARCHIVED, Health.MOVED, Health.STALE, Health.HEALTHY]


def test_a_move_says_whether_it_was_a_rename_or_a_transfer():
    assert moved_detail("a/x", "a/y") == "renamed: a/x \u2192 a/y"
    assert moved_detail("a/x", "b/x") == "transferred: a/x \u2192 b/x"
    assert moved_detail("a/x", "b/y") == "moved: a/x \u2192 b/y"


def test_the_outcome_table_says_which_outcomes_are_dead():
    from repositories.health import DEAD, OUTCOMES

    assert {Health.NOT_FOUND, Health.BLOCKED} == DEAD
    assert {o.health for o in OUTCOMES if o.dead} == DEAD
