"""repositories/bulk.py: one UPDATE per batch writes every kind of field the scan writes, the
plain values passed straight through and the others prepared by their field; one INSERT per
batch writes new rows (defaults applied) and, given a unique constraint, updates those there."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from repositories.bulk import insert, update_fields
from repositories.models import MetricSnapshot, Repository, RepositoryChange

pytestmark = pytest.mark.django_db


def test_update_fields_writes_plain_choice_datetime_and_json_values():
    first = Repository.objects.create(full_name="acme/one", imported_name="acme/one")
    second = Repository.objects.create(full_name="acme/two", imported_name="acme/two")
    pushed = datetime(2026, 11, 1, 12, 30, tzinfo=UTC)
    first.description, first.stars, first.archived, first.github_id = "Stacks ✓", 1_234, True, 2**40
    first.health, first.pushed_at, first.topics = Repository.Health.ARCHIVED, pushed, ["a", "b"]
    second.description, second.stars, second.archived, second.pushed_at = "", 0, False, None
    second.previous_names = ["old/two"]
    update_fields([first, second], ["description", "stars", "archived", "github_id", "health", "pushed_at",
                                    "topics", "previous_names"])
    one, two = Repository.objects.get(id=first.id), Repository.objects.get(id=second.id)
    assert (one.description, one.stars, one.archived, one.github_id) == ("Stacks ✓", 1_234, True, 2**40)
    assert (one.health, one.pushed_at, one.topics) == ("archived", pushed, ["a", "b"])
    assert (two.description, two.stars, two.archived, two.pushed_at) == ("", 0, False, None)
    assert two.previous_names == ["old/two"]
    assert Repository.objects.filter(health="archived").count() == 1, "the choice is stored as its value"


def test_an_aware_datetime_in_any_zone_is_stored_as_the_same_instant():
    repo = Repository.objects.create(full_name="acme/one", imported_name="acme/one")
    pushed = datetime(2026, 11, 1, 12, 30, tzinfo=timezone(timedelta(hours=-5)))
    repo.pushed_at = pushed
    update_fields([repo], ["pushed_at"])
    assert Repository.objects.get(id=repo.id).pushed_at == pushed


def test_insert_writes_new_rows_with_their_defaults():
    repo = Repository.objects.create(full_name="acme/one", imported_name="acme/one")
    at = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    insert([RepositoryChange(repository_id=repo.id, full_name="acme/one", field="health", old="healthy",
                             new="archived", event="archived", at=at),
            RepositoryChange(repository_id=repo.id, full_name="acme/one", field="stars", old=1, new=None, at=at)])
    rows = list(RepositoryChange.objects.order_by("id").values("field", "old", "new", "event", "at", "scan_id"))
    assert rows == [{"field": "health", "old": "healthy", "new": "archived", "event": "archived", "at": at,
                     "scan_id": None},
                    {"field": "stars", "old": 1, "new": None, "event": "", "at": at, "scan_id": None}]
    insert([])  # nothing to write: no statement


def test_insert_with_a_unique_constraint_updates_the_row_already_there():
    repo = Repository.objects.create(full_name="acme/one", imported_name="acme/one")
    day = date(2026, 11, 2)
    MetricSnapshot.objects.create(repository=repo, day=day, stars=1, forks=1, open_issues=1, watchers=1)
    insert([MetricSnapshot(repository_id=repo.id, day=day, stars=5, forks=6, open_issues=7, watchers=8),
            MetricSnapshot(repository_id=repo.id, day=day + timedelta(days=1), stars=9)],
           unique=("repository", "day"), update=("stars", "forks", "open_issues", "watchers"))
    rows = MetricSnapshot.objects.order_by("day").values_list("day", "stars", "forks", "open_issues", "watchers")
    assert list(rows) == [(day, 5, 6, 7, 8), (day + timedelta(days=1), 9, 0, 0, 0)]


def test_insert_with_a_unique_constraint_and_nothing_to_update_keeps_the_row_already_there():
    repo = Repository.objects.create(full_name="acme/one", imported_name="acme/one")
    day = date(2026, 11, 2)
    MetricSnapshot.objects.create(repository=repo, day=day, stars=1, forks=1, open_issues=1, watchers=1)
    insert([MetricSnapshot(repository_id=repo.id, day=day, stars=5),
            MetricSnapshot(repository_id=repo.id, day=day + timedelta(days=1), stars=9)], unique=("repository", "day"))
    assert list(MetricSnapshot.objects.order_by("day").values_list("day", "stars", "forks")) \
        == [(day, 1, 1), (day + timedelta(days=1), 9, 0)]
