"""Reads shared by the pages and the API: which ids name a tracked repository."""

from __future__ import annotations

import pytest

from repositories import selectors
from repositories.models import Label, Repository
from tests.counting import recounted

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


def test_catalog_counts_gives_every_health_verdict_language_and_label_from_two_small_queries(
        django_assert_num_queries):
    H, M = Repository.Health, Repository.Maintenance
    mix = [(H.HEALTHY, M.ACTIVE, "Go"), (H.HEALTHY, M.ACTIVE, ""), (H.STALE, M.INACTIVE, "C"),
           (H.ARCHIVED, M.FINISHED, "Go")]
    repos = Repository.objects.bulk_create([
        Repository(imported_name=f"acme/m{i}", full_name=f"acme/m{i}", health=health, maintenance=verdict,
                   language=language) for i, (health, verdict, language) in enumerate(mix)])
    Label.objects.create(name="zero")
    Label.objects.create(name="two").repositories.add(*repos[:2])
    recounted()

    with django_assert_num_queries(2):
        counts = selectors.catalog_counts()

    assert counts.health == {**dict.fromkeys(H.values, 0), H.HEALTHY: 2, H.STALE: 1, H.ARCHIVED: 1}
    assert counts.maintenance == {**dict.fromkeys(M.values, 0), M.ACTIVE: 2, M.INACTIVE: 1, M.FINISHED: 1}
    assert list(counts.maintenance) == M.values  # in the verdicts' order, as maintenance_counts() gives them
    assert counts.maintenance == selectors.maintenance_counts(Repository.objects.all())
    assert counts.health == selectors.health_counts()
    assert counts.total == 4
    assert counts.languages == {"Go": 2, "C": 1, "": 1}
    assert counts.labels == {"two": 2, "zero": 0}
    assert list(counts.labels) == selectors.label_choices()


def test_language_choices_lists_each_language_once_in_order_without_the_empty_one():
    languages = ["Rust", "", "Go", "C", "Go", "TypeScript", "C", "", "C++"]
    Repository.objects.bulk_create([Repository(imported_name=f"acme/l{i}", full_name=f"acme/l{i}", language=language)
                                    for i, language in enumerate(languages)])
    recounted()
    assert selectors.catalog_counts().language_choices == sorted(set(languages) - {""})
    Repository.objects.filter(language="Rust").delete()
    recounted()
    assert "Rust" not in selectors.catalog_counts().language_choices, "a language counted at 0 is no choice"
