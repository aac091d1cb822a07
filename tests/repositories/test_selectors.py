"""Reads shared by the pages and the API: which ids name a tracked repository."""

from __future__ import annotations

import pytest

from repositories import selectors
from repositories.models import Repository

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids() -> list[int]:
    created = Repository.objects.bulk_create(
        [Repository(imported_name=f"acme/r{i}", full_name=f"acme/r{i}") for i in range(7)])
    return [r.id for r in created]


def test_when_every_id_is_known_it_only_counts_one_query_a_chunk(ids, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors, "ID_CHUNK", 3)
    with django_assert_num_queries(3):
        assert selectors.unknown_ids(ids) == []


def test_it_names_the_unknown_ids_of_every_chunk_in_their_order(ids, monkeypatch):
    monkeypatch.setattr(selectors, "ID_CHUNK", 3)
    missing = max(ids) + 1000
    asked = [missing + 1, *ids[:4], missing, *ids[4:], 2**70, 0, -5]

    assert selectors.unknown_ids(asked) == [missing + 1, missing, 2**70, 0, -5]


def test_names_held_finds_names_in_any_case_with_their_holders():
    one = Repository.objects.create(full_name="Acme/Stacky", imported_name="acme/stacky")
    two = Repository.objects.create(full_name="beta/pixel", imported_name="beta/pixel")
    assert selectors.names_held(["acme/stacky", "beta/pixel", "nobody/here", "acme/stacky"]) == {
        "acme/stacky": one.id, "beta/pixel": two.id}
    assert selectors.names_held([]) == {}


def test_catalog_counts_gives_every_health_and_verdict_from_one_query(django_assert_num_queries):
    H, M = Repository.Health, Repository.Maintenance
    mix = [(H.HEALTHY, M.ACTIVE), (H.HEALTHY, M.ACTIVE), (H.STALE, M.INACTIVE), (H.ARCHIVED, M.FINISHED)]
    Repository.objects.bulk_create([Repository(imported_name=f"acme/m{i}", full_name=f"acme/m{i}", health=health,
                                               maintenance=verdict) for i, (health, verdict) in enumerate(mix)])
    with django_assert_num_queries(1):
        health, maintenance = selectors.catalog_counts()

    assert health == {**dict.fromkeys(H.values, 0), H.HEALTHY: 2, H.STALE: 1, H.ARCHIVED: 1}
    assert maintenance == {**dict.fromkeys(M.values, 0), M.ACTIVE: 2, M.INACTIVE: 1, M.FINISHED: 1}
    assert list(maintenance) == M.values  # in the verdicts' order, as maintenance_counts() gives them
    assert maintenance == selectors.maintenance_counts()
    assert health == selectors.health_counts()


def test_language_choices_lists_each_language_once_in_order_without_the_empty_one():
    languages = ["Rust", "", "Go", "C", "Go", "TypeScript", "C", "", "C++"]
    Repository.objects.bulk_create([Repository(imported_name=f"acme/l{i}", full_name=f"acme/l{i}", language=language)
                                    for i, language in enumerate(languages)])
    assert selectors.language_choices() == sorted(set(languages) - {""})
    assert selectors.language_choices() == list(Repository.objects.exclude(language="").order_by("language")
                                                 .values_list("language", flat=True).distinct())
