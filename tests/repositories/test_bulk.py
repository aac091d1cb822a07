"""repositories/bulk.py: one UPDATE per batch writes every kind of field the scan writes, the
plain values passed straight through and the others prepared by their field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from repositories.bulk import update_fields
from repositories.models import Repository

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
