"""The catalog page's bulk actions on selected repositories: accept all new names, add or take off
a label, export the selection as CSV or JSON, remove (with the permission, after a page that asks)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from repositories.models import Label, Repository
from scans.models import ScanJob, ScanResult
from tests.counting import recounted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counts_hold")]  # the kept counts follow
Health = Repository.Health


def repo(name: str, **fields) -> Repository:
    fields.setdefault("imported_name", name)
    created = Repository.objects.create(full_name=name, **fields)
    recounted()
    return created


def grant(user, codename: str) -> None:
    user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="repositories"))


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def bulk(client, action: str, repos, **extra):
    return client.post(reverse("catalog:bulk"), {"action": action, "ids": [r.pk for r in repos], "next": "/", **extra})


def messages_of(client) -> list[str]:
    return [str(m) for m in client.get("/").context["messages"]]


def test_accept_all_new_names_accepts_the_moved_ones_of_the_selection_and_says_how_many(logged_in, owner):
    grant(owner, "change_repository")
    moved = [repo(f"acme/new{i}", imported_name=f"acme/old{i}", health=Health.MOVED, github_id=i,
                  health_detail=f"renamed: acme/old{i} \u2192 acme/new{i}") for i in range(2)]
    kept = repo("acme/kept", health=Health.HEALTHY)

    response = bulk(logged_in, "accept_names", [*moved, kept])

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "Accepted the new name of 2 repositories; the other 1 had not moved." in messages_of(logged_in)
    for repository in moved:
        repository.refresh_from_db()
        assert repository.imported_name == repository.full_name
        assert repository.health != Health.MOVED


def test_accepting_names_or_taking_a_label_off_needs_the_change_permission(logged_in):
    moved = repo("acme/new", imported_name="acme/old", health=Health.MOVED)

    assert bulk(logged_in, "accept_names", [moved]).status_code == 403
    assert bulk(logged_in, "remove_label", [moved], bulk_label="x").status_code == 403
    assert Repository.objects.get(pk=moved.pk).imported_name == "acme/old"


def test_a_label_is_added_to_the_selection_and_taken_off_again(logged_in, owner):
    grant(owner, "change_repository")
    picked = [repo("acme/a"), repo("acme/b")]
    other = repo("acme/c")

    bulk(logged_in, "add_label", picked, bulk_label="  favourites ")
    assert set(Label.objects.get(name="favourites").repositories.all()) == set(picked)
    assert "Labelled 2 repositories “favourites”." in messages_of(logged_in)
    assert not other.labels.exists()

    bulk(logged_in, "remove_label", picked[:1], bulk_label="favourites")
    assert list(Label.objects.get(name="favourites").repositories.all()) == picked[1:]


def test_a_label_must_be_typed(logged_in):
    bulk(logged_in, "add_label", [repo("acme/a")], bulk_label="")
    assert any("A label is 1 to 100 characters." in m for m in messages_of(logged_in))
    assert not Label.objects.exists()


@pytest.mark.parametrize(("action", "kind", "name"), [("export_csv", "text/csv", "repositories.csv"),
                                                ("export_json", "application/json", "repositories.json")])
def test_the_selection_exports_as_csv_or_json_with_only_the_selected_repositories(logged_in, action, kind, name):
    picked = [repo("acme/b", stars=5), repo("acme/a", description="=cmd")]
    repo("acme/not-picked")

    response = bulk(logged_in, action, picked)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(kind)
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Total-Count"] == "2"
    body = b"".join(response.streaming_content).decode()
    if kind == "text/csv":
        rows = list(csv.DictReader(io.StringIO(body)))
        assert [r["full_name"] for r in rows] == ["acme/a", "acme/b"]
        assert rows[0]["description"] == "'=cmd"
    else:
        assert [r["full_name"] for r in json.loads(body)] == ["acme/a", "acme/b"]


def test_nothing_selected_says_so_and_does_nothing(logged_in):
    response = logged_in.post(reverse("catalog:bulk"), {"action": "export_csv", "next": "/"})
    assert response.status_code == 302
    assert "Select at least one repository first." in messages_of(logged_in)


def test_removing_needs_the_delete_permission(logged_in):
    target = repo("acme/a")
    assert bulk(logged_in, "delete", [target]).status_code == 403
    assert Repository.objects.filter(pk=target.pk).exists()


def test_removing_asks_first_then_removes_and_keeps_the_scan_results(logged_in, owner):
    grant(owner, "delete_repository")
    picked = [repo("acme/a"), repo("acme/b")]
    scan = ScanJob.objects.create(total=1)
    ScanResult.objects.create(scan=scan, repository=picked[0], full_name="acme/a", outcome=Health.HEALTHY)

    asked = bulk(logged_in, "delete", picked)
    assert asked.status_code == 200
    assert "Remove 2 repositories?" in asked.content.decode()
    assert Repository.objects.count() == 2, "nothing removed before the confirmation"

    done = bulk(logged_in, "delete", picked, confirmed="2")
    assert done.status_code == 302
    assert not Repository.objects.exists()
    assert ScanResult.objects.get().full_name == "acme/a"
    assert "Removed 2 repositories from the catalog; their scan results stay." in messages_of(logged_in)


def test_the_catalog_page_offers_remove_only_to_those_who_may(client, owner, staff_user):
    repo("acme/a")
    client.force_login(owner)
    page = client.get("/").content.decode()
    assert 'value="accept_names"' in page
    assert 'value="export_csv"' in page
    assert 'value="delete"' not in page
    client.force_login(staff_user)
    assert 'value="delete"' in client.get("/").content.decode()
