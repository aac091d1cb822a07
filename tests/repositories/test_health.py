"""The health vocabulary (repositories.health): one table of outcomes, and the precedence rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from repositories.health import BY_HEALTH, COUNTERS, OUTCOMES, health_from_metadata, moved_detail, outcome_of
from repositories.models import Repository

Health, Maintenance = Repository.Health, Repository.Maintenance


def test_every_health_has_exactly_one_outcome_and_the_contract_counter_names():
    assert [o.health for o in OUTCOMES].count(Health.UNKNOWN) == 1
    assert set(BY_HEALTH) == set(Health.values)
    assert COUNTERS == ("healthy", "stale", "archived", "moved", "not_found", "blocked", "errors")
    assert all(o.css == f"badge--{o.health.value}" for o in OUTCOMES)


def test_an_unknown_value_reads_as_unknown():
    assert outcome_of("nonsense").health == Health.UNKNOWN


def test_the_precedence_is_blocked_archived_moved_stale_healthy():
    repo = Repository(imported_name="a/old", full_name="b/new", archived=True, disabled=True,
                      maintenance=Maintenance.INACTIVE)
    order = []
    for field, value in (("disabled", False), ("archived", False), ("imported_name", "b/new"),
                         ("maintenance", Maintenance.ACTIVE)):
        order.append(health_from_metadata(repo)[0])
        setattr(repo, field, value)
    order.append(health_from_metadata(repo)[0])
    assert order == [Health.BLOCKED, Health.ARCHIVED, Health.MOVED, Health.STALE, Health.HEALTHY]


@pytest.mark.parametrize("verdict", [v for v in Maintenance.values if v != Maintenance.INACTIVE])
def test_stale_is_exactly_the_verdict_inactive(verdict):
    """One rule: a repository GitHub answered with is stale when, and only when, its verdict is
    inactive, however old its last push (a push to another branch says nothing)."""
    long_ago = timezone.now() - timedelta(days=4000)
    assert health_from_metadata(Repository(full_name="a/b", imported_name="a/b", pushed_at=long_ago,
                                           maintenance=verdict))[0] == Health.HEALTHY
    inactive = Repository(full_name="a/b", imported_name="a/b", pushed_at=timezone.now(),
                          maintenance=Maintenance.INACTIVE,
                          maintenance_reasons=[{"signal": "last_commit_at", "value": "2022-03-14",
                                                "text": "no commit on main since 2022-03-14 (2 years 8 months)"}])
    assert health_from_metadata(inactive) == (Health.STALE,
                                              "inactive: no commit on main since 2022-03-14 (2 years 8 months)")


def test_a_move_says_whether_it_was_a_rename_or_a_transfer():
    assert moved_detail("a/x", "a/y") == "renamed: a/x \u2192 a/y"
    assert moved_detail("a/x", "b/x") == "transferred: a/x \u2192 b/x"
    assert moved_detail("a/x", "b/y") == "moved: a/x \u2192 b/y"


def test_the_outcome_table_says_which_outcomes_are_dead():
    from repositories.health import DEAD, OUTCOMES

    assert {Health.NOT_FOUND, Health.BLOCKED} == DEAD
    assert {o.health for o in OUTCOMES if o.dead} == DEAD
