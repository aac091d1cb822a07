"""The catalog's recent changes (`/changes/`): newest first, the last days by default, the filters
of `/api/changes` (event, field, label, since; a wrong one is a 400 naming it), a link to each
repository, pages, and its place in the navigation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from repositories.history import record_person_changes
from repositories.models import Label, RepositoryChange
from repositories.pages import CHANGES_PER_PAGE
from repositories.services import repository_set_maintenance

pytestmark = pytest.mark.django_db
Event = RepositoryChange.Event


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def scanned(repository, field, old_value, new_value, event, *, days_ago: float):
    RepositoryChange.objects.create(repository=repository, full_name=repository.full_name, field=field, old=old_value,
                                    new=new_value, event=event, at=timezone.now() - timedelta(days=days_ago),
                                    scan_id="6f0c1c1e-3b9e-4d43-9d8e-1f1e0d6c2b11")


def listed(page: str) -> list[tuple[str, str]]:
    """(repository, change) of each row, in order."""
    rows = re.findall(r'<a href="/repositories/\d+/">([^<]+)</a></td>\s*<td data-label="Change">(.*?)</td>', page, re.S)
    return [(name, re.sub(r"<[^>]+>", "", change).strip()) for name, change in rows]


@pytest.fixture
def history(owner, old, lively, said_over):
    scanned(said_over, "archived", False, True, "", days_ago=40)  # too old for the default view
    scanned(lively, "health", "stale", "healthy", Event.RECOVERED, days_ago=3)
    scanned(said_over, "full_name", "acme/was", "acme/said", Event.MOVED, days_ago=2)
    repository_set_maintenance(repository=said_over, override="finished", note="feature complete", user=owner)
    Label.objects.create(name="tools").repositories.add(lively)


def test_the_page_lists_the_last_days_newest_first_with_links(logged_in, history, lively, said_over):
    page = logged_in.get("/changes/").content.decode()

    assert listed(page) == [
        ("acme/said", "maintenance by hand"), ("acme/said", "maintenance_override by hand"),
        ("acme/said", "moved (full_name)"), ("acme/lively", "back to healthy (health)")]
    assert f'<a href="/repositories/{said_over.pk}/">acme/said</a>' in page
    assert ('<td class="card-wide" data-label="From">deprecated</td>\n'
            '          <td class="card-wide" data-label="To">finished</td>') in page
    assert "finished by owner: “feature complete”" in page
    assert '<a href="/changes/" aria-current="page">Changes</a>' in page  # in the navigation


@pytest.mark.parametrize(("query", "expected"), [
    ("event=recovered", [("acme/lively", "back to healthy (health)")]),
    ("field=maintenance", [("acme/said", "maintenance by hand")]),
    ("label=tools", [("acme/lively", "back to healthy (health)")]),
    ("maintenance=active", [("acme/lively", "back to healthy (health)")]),
    ("since=2000-01-01&field=archived", [("acme/said", "archived")]),
])
def test_the_page_filters_as_the_api_does(logged_in, api, history, query, expected):
    page = logged_in.get(f"/changes/?{query}").content.decode()

    assert listed(page) == expected
    # The same filters, the same rows (the one change older than the page's window is an `archived` one).
    from_api = api.get(f"/api/changes/?{query}").json()["results"]
    assert [(row["full_name"], row["field"]) for row in from_api] == [
        (name, re.search(r"\((\w+)\)$", change).group(1) if "(" in change else change.split()[0])
        for name, change in expected]


@pytest.mark.parametrize(("query", "named"), [
    ("event=exploded", "event: &#x27;exploded&#x27; is not one of"),
    ("field=stars", "field: &#x27;stars&#x27; is not one of"),
    ("since=yesterday", "since: not an ISO 8601 time"),
    ("maintenance=abandoned", "maintenance: Select a valid choice. abandoned"),
])
def test_a_wrong_filter_is_a_400_naming_it(logged_in, query, named):
    answer = logged_in.get(f"/changes/?{query}")

    assert answer.status_code == 400
    assert named in answer.content.decode()


def test_the_page_is_paginated(logged_in, lively):
    record_person_changes(repository=lively, at=timezone.now(),
                          found=[("maintenance", str(i), str(i + 1)) for i in range(CHANGES_PER_PAGE + 5)])

    first = logged_in.get("/changes/").content.decode()
    second = logged_in.get("/changes/?page=2").content.decode()

    assert len(listed(first)) == CHANGES_PER_PAGE
    assert len(listed(second)) == 5
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first


def test_the_page_needs_a_login(client):
    assert client.get("/changes/").status_code == 302
