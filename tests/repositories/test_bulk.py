"""repositories/bulk.py: one UPDATE per batch writes every kind of field the scan writes, the
plain values passed straight through and the others prepared by their field; one INSERT per
batch writes new rows (defaults applied) and, given a unique constraint, updates those there.
An import's rows (through a temporary table, COPY on PostgreSQL) get their defaults, skip what
conflicts and answer what was created."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.db import DatabaseError, connection, transaction

from repositories.bulk import (
    insert,
    insert_ignoring_conflicts,
    insert_returning,
    insert_rows,
    temporary_table,
    update_fields,
)
from repositories.models import Label, MetricSnapshot, Repository, RepositoryChange, Source, SourceEntry

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


NAMES = ("imported_name", "full_name", "html_url")


def test_insert_returning_answers_the_rows_it_created_with_every_default_and_skips_a_conflict():
    Repository.objects.create(full_name="Acme/One", imported_name="Acme/One", description="kept")
    created = insert_returning(Repository, NAMES, [("acme/one", "acme/one", "x"), ("acme/two", "acme/two", "y")],
                               ("full_name", "id"))
    assert [name for name, _ in created] == ["acme/two"], "the name held in another case is a conflict"
    two = Repository.objects.get(id=created[0][1])
    assert (two.html_url, two.health, two.maintenance, two.topics, two.stars, two.archived) \
        == ("y", "unknown", "unknown", [], 0, False)
    assert two.added_at is not None
    assert (two.pushed_at, two.declared) == (None, None)
    assert Repository.objects.get(full_name="Acme/One").description == "kept"


def test_insert_ignoring_conflicts_and_insert_rows_write_links_and_labels():
    one = Repository.objects.create(full_name="acme/one", imported_name="acme/one")
    two = Repository.objects.create(full_name="acme/two", imported_name="acme/two")
    label = Label.objects.create(name="x")
    through = Repository.labels.through
    insert_rows(through, ("repository_id", "label_id"), [(one.id, label.id)])
    insert_ignoring_conflicts(through, ("repository_id", "label_id"), [(one.id, label.id), (two.id, label.id)])
    assert sorted(label.repositories.values_list("full_name", flat=True)) == ["acme/one", "acme/two"]
    source = Source.objects.create(format="text", text="acme/one\n")
    insert_rows(SourceEntry, ("source_id", "line", "column", "end_column", "url", "repository_id"),
                [(source.id, 1, 0, 8, "acme/one", one.id), (source.id, 2, None, None, "x/y", None)])
    assert list(source.entries.order_by("id").values_list("line", "column", "url", "repository_id")) \
        == [(1, 0, "acme/one", one.id), (2, None, "x/y", None)]


def test_a_temporary_table_holds_its_rows_for_the_block_and_is_gone_after():
    rows = [(f"name-{i}", i) for i in range(25_000)]  # more than one executemany batch on SQLite
    with temporary_table("bulk_test", [("name", "text"), ("n", "bigint")], rows) as table, \
            connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM(n), MAX(name) FROM {table}")
        assert cursor.fetchone() == (25_000, sum(range(25_000)), "name-9999")
    with temporary_table("bulk_test", [("name", "text")], [("again",)]) as table, connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM {table}")
        assert cursor.fetchall() == [("again",)]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT name FROM bulk_test")
