"""One selection (scans.selection) for every way to start a scan: the API, the page's scan form,
runscan and import-then-scan all get the same ids and the same messages."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from repositories.models import Label, Repository
from scans.selection import BadSelection, SelectionSerializer, from_form, select

Health = Repository.Health
pytestmark = pytest.mark.django_db


@pytest.fixture
def repos():
    rows = [Repository.objects.create(imported_name=f"acme/r{i}", full_name=f"acme/r{i}") for i in range(4)]
    Repository.objects.filter(id=rows[1].id).update(health=Health.ERROR, language="Go")
    Repository.objects.filter(id=rows[3].id).update(maintenance=Repository.Maintenance.INACTIVE)
    rows[2].labels.add(Label.objects.create(name="mine"))
    return rows


def form(**data) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def test_ids_all_and_filters_each_select_repositories_ordered_by_id(repos):
    ids = [r.id for r in repos]
    assert select({"repository_ids": [ids[2], ids[0], ids[2]]}) == [ids[2], ids[0]]
    assert select({"all": True}) == ids
    assert select({"health": ["error"]}) == select({"health": "error"}) == [ids[1]]
    assert select({"label": ["mine"]}) == [ids[2]]
    assert select({"language": "Go", "health": ["error"]}) == [ids[1]]
    assert select({"repository_ids": ids, "health": ["error"]}) == [ids[1]]
    assert select({"maintenance": ["inactive", "deprecated"]}) == select({"maintenance": "inactive"}) == [ids[3]]


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Send a JSON object"),
    ([1, 2], "Send a JSON object"),
    ({"all": True, "health": ["error"]}, "exactly one"),
    ({"archived": "maybe"}, "archived: Select a valid choice"),
    ({"maintenance": ["abandoned"]}, "maintenance: Select a valid choice. abandoned is not one"),
    ({"unchecked_hours": "soon"}, "unchecked_hours: Enter a number"),
    ({"label": [1]}, '"label" must be a list of strings'),
    ({"health": ["archived"]}, "No repository matches"),
    ({"repository_ids": [99999999, -5, 2**70]}, "Unknown repository ids: 99999999, -5, 1180591620717411303424"),
])
def test_a_bad_selection_says_what_is_wrong(repos, data, message):
    with pytest.raises(BadSelection, match=message.replace("(", r"\(").replace("[", r"\[")):
        select(data)


def test_the_former_filter_name_stale_hours_selects_as_unchecked_hours(repos):
    ids = [r.id for r in repos]
    assert select({"stale_hours": 1}) == select({"unchecked_hours": 1}) == ids  # none checked yet
    serializer = SelectionSerializer(data={"stale_hours": 1})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["ids"] == ids


def test_the_limit_applies_to_every_kind_of_selection(repos, settings):
    settings.SCAN_MAX_REPOSITORIES = 2
    for data in ({"all": True}, {"repository_ids": [r.id for r in repos]}, {"health": ["unknown"]}):
        with pytest.raises(BadSelection, match="SCAN_MAX_REPOSITORIES"):
            select(data)


def test_the_page_form_means_the_same_selection_as_the_api(repos):
    ids = [r.id for r in repos]
    assert select(from_form(form(scope="selected", ids=[str(ids[1]), str(ids[0])]))) == [ids[1], ids[0]]
    assert select(from_form(form(scope="all"))) == ids
    assert select(from_form(form(scope="filtered", health="error", search=""))) == [ids[1]]


@pytest.mark.parametrize(("data", "message"), [
    ({"scope": "selected"}, "Select at least one repository"),
    ({"scope": "selected", "ids": ["99999999", "-5", str(2**70)]}, "Unknown repository ids: 99999999, -5"),
    ({"scope": "selected", "ids": ["x1"]}, "\"repository_ids\"[0] is not an integer: 'x1'"),
    ({"scope": "filtered"}, "No filter is set"),
    ({"scope": "everything"}, "Choose what to scan"),
])
def test_the_page_form_is_refused_with_the_apis_messages(repos, data, message):
    with pytest.raises(BadSelection) as refused:
        select(from_form(form(**data)))
    assert message in str(refused.value)


def test_the_serializer_answers_the_ids_or_one_detail(repos):
    good = SelectionSerializer(data={"repository_ids": [repos[0].id]})
    assert good.is_valid()
    assert good.validated_data == {"ids": [repos[0].id]}
    bad = SelectionSerializer(data={"repository_id": [1]})
    assert SelectionSerializer(data={"maintenance": ["inactive"]}).is_valid()
    assert not bad.is_valid()
    assert bad.errors == {"detail": ["Unknown field 'repository_id'; use all, archived, "
                                     "health, label, language, maintenance, repository_ids, "
                                     "search, unchecked_hours."]}
