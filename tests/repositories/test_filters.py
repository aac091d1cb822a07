"""The catalog's one filter definition (repositories.filters): what each parameter selects, and a
value it cannot use is an error naming the parameter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from repositories.filters import InvalidFilter, active_filters, filter_repositories
from repositories.models import Label, Repository

Health = Repository.Health
pytestmark = pytest.mark.django_db


def repo(name: str, **fields) -> Repository:
    return Repository.objects.create(imported_name=name, full_name=name, **fields)


@pytest.fixture
def catalog():
    rows = {
        "snake": repo("acme/snake", language="Python", health=Health.HEALTHY, stars=5, description="a parser"),
        "crab": repo("acme/crab", language="Rust", health=Health.STALE, stars=50,
                     last_checked_at=timezone.now() - timedelta(hours=30)),
        "ice": repo("acme/ice", language="Go", archived=True, health=Health.ARCHIVED, stars=1,
                    last_checked_at=timezone.now()),
    }
    rows["crab"].labels.add(Label.objects.create(name="awesome-rust"))
    return rows


def names(**params) -> list[str]:
    return [r.full_name for r in filter_repositories(params)]


def test_each_filter_selects_what_it_names(catalog):
    assert names(health="healthy,stale") == ["acme/crab", "acme/snake"]
    assert names(language="Go,Rust") == ["acme/crab", "acme/ice"]
    assert names(label="awesome-rust") == ["acme/crab"]
    assert names(archived="true") == names(archived="yes") == names(archived="1") == ["acme/ice"]
    assert names(archived="no") == ["acme/crab", "acme/snake"]
    assert names(search="PARSER") == ["acme/snake"]
    assert names(unchecked_hours="24") == ["acme/crab", "acme/snake"]  # never checked counts as unchecked


def test_filters_combine_and_order_by_the_ordering_parameter(catalog):
    assert names(archived="no", ordering="-stars") == ["acme/crab", "acme/snake"]
    assert names() == ["acme/crab", "acme/ice", "acme/snake"]  # default: by name


@pytest.mark.parametrize(("params", "named"), [
    ({"health": "dead"}, "health"),
    ({"health": "healthy,dead"}, "health"),
    ({"archived": "maybe"}, "archived"),
    ({"ordering": "password"}, "ordering"),
    ({"unchecked_hours": "soon"}, "unchecked_hours"),
    ({"unchecked_hours": "-1"}, "unchecked_hours"),
])
def test_a_value_the_filters_cannot_use_names_its_parameter(catalog, params, named):
    with pytest.raises(InvalidFilter) as refused:
        filter_repositories(params)
    assert str(refused.value).startswith(f"{named}: ")
    assert set(refused.value.errors) == {named}


def test_the_former_name_stale_hours_still_filters_and_the_new_name_wins(catalog):
    assert names(stale_hours="24") == names(unchecked_hours="24") == ["acme/crab", "acme/snake"]
    assert names(stale_hours="1000", unchecked_hours="24") == ["acme/crab", "acme/snake"]
    assert active_filters({"stale_hours": "24"}) == {"unchecked_hours": "24"}
    with pytest.raises(InvalidFilter, match="^unchecked_hours: "):
        filter_repositories({"stale_hours": "soon"})


def test_active_filters_are_the_set_filter_parameters_only():
    assert active_filters({"health": "stale", "search": "", "ordering": "-stars", "page": "2"}) == {"health": "stale"}
