"""A person's word on whether a repository is looked after: `PATCH /api/repositories/{id}` (the
permission, bad values), the service behind it and the page's form, its history rows (no alert),
and the `maintenance` filter of the API list, the export and the changes."""

from __future__ import annotations

import csv
import io

import pytest

from repositories.models import Repository, RepositoryChange
from repositories.services import repository_set_maintenance
from tests.counting import recounted
from tests.repositories.maintaining import grant, rule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counts_hold")]  # the kept counts follow
Health, Maintenance = Repository.Health, Repository.Maintenance


def test_the_fixtures_start_from_the_computed_verdicts(old, lively, said_over):
    assert (old.maintenance, lively.maintenance, said_over.maintenance) == (
        Maintenance.INACTIVE, Maintenance.ACTIVE, Maintenance.DEPRECATED)
    assert said_over.successor == "acme/lively"


def test_marking_finished_wins_is_kept_with_who_and_when_and_clearing_gives_the_verdict_back(api, owner, old):
    grant(owner)
    answer = api.patch(f"/api/repositories/{old.id}/", {"maintenance_override": "finished",
                                                        "maintenance_note": "feature complete"}, format="json")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["maintenance"] == "finished"
    assert body["maintenance_override"] == "finished"
    assert body["maintenance_note"] == "feature complete"
    assert body["maintenance_override_by"] == owner.username
    assert body["maintenance_override_at"] is not None
    assert body["maintenance_reasons"] == [{"signal": "override", "value": "finished",
                                            "text": f"marked finished by {owner.username}: 'feature complete'"}]
    # The health `stale` is exactly the verdict `inactive`: finished is not stale.
    assert body["health"] == "healthy"
    old.refresh_from_db()
    assert (old.maintenance, old.health) == (Maintenance.FINISHED, Health.HEALTHY)

    cleared = api.patch(f"/api/repositories/{old.id}/", {"maintenance_override": None}, format="json").json()

    assert cleared["maintenance"] == "inactive"
    assert cleared["maintenance_override"] is None
    assert cleared["maintenance_note"] == ""
    assert cleared["maintenance_override_by"] == ""
    old.refresh_from_db()
    assert cleared["health"] == old.health == rule(old)
    assert [r["signal"] for r in cleared["maintenance_reasons"]] == ["last_commit_at", "last_release_at"]


def test_the_same_word_twice_changes_nothing_and_writes_one_history(owner, old):
    health_before = old.health
    first = repository_set_maintenance(repository=old, override="finished", note="done", user=owner)
    when = first.maintenance_override_at
    again = repository_set_maintenance(repository=Repository.objects.get(id=old.id), override="finished",
                                       note="done", user=owner)

    assert again.maintenance == Maintenance.FINISHED
    assert again.maintenance_override_at == when
    rows = {row.field: row for row in RepositoryChange.objects.filter(repository=old)}
    # The health row is there when the health moved with the verdict (from `stale`).
    health_moved = {"health"} if health_before != first.health else set()
    assert set(rows) == {"maintenance_override", "maintenance"} | health_moved
    assert rows["maintenance_override"].old is None
    assert rows["maintenance_override"].new == {"value": "finished", "note": "done", "by": owner.username}
    assert (rows["maintenance"].old, rows["maintenance"].new) == ("inactive", "finished")
    if health_moved:
        assert (rows["health"].old, rows["health"].new) == (health_before, "healthy")
    assert {row.event for row in rows.values()} == {""}  # an override sends no alert
    assert all(row.scan_id is None for row in rows.values())


def test_clearing_keeps_who_cleared_it_and_why_in_the_history(owner, lively):
    repository_set_maintenance(repository=lively, override="deprecated", note="", user=owner)
    repository_set_maintenance(repository=lively, override=None, note="it lives after all", user=owner)

    latest = RepositoryChange.objects.filter(repository=lively, field="maintenance_override").order_by("-id")[0]
    assert latest.old == {"value": "deprecated", "note": "", "by": owner.username}
    assert latest.new == {"value": None, "note": "it lives after all", "by": owner.username}
    assert Repository.objects.get(id=lively.id).maintenance == Maintenance.ACTIVE


def test_clearing_what_is_not_set_changes_nothing(owner, lively):
    repository_set_maintenance(repository=lively, override=None, note="just in case", user=owner)

    assert not RepositoryChange.objects.filter(repository=lively).exists()


def test_an_override_of_a_repository_github_never_answered_for_still_wins(owner):
    unchecked = Repository.objects.create(imported_name="acme/new", full_name="acme/new")
    recounted()

    repository_set_maintenance(repository=unchecked, override="inactive", note="", user=owner)

    unchecked.refresh_from_db()
    assert (unchecked.maintenance, unchecked.health) == (Maintenance.INACTIVE, Health.UNKNOWN)


def test_overruling_needs_the_change_permission(api, staff_api, old):
    refused = api.patch(f"/api/repositories/{old.id}/", {"maintenance_override": "finished"}, format="json")

    assert refused.status_code == 403
    assert "repositories.change_repository" in refused.json()["detail"]
    assert Repository.objects.get(id=old.id).maintenance_override == ""
    assert staff_api.patch(f"/api/repositories/{old.id}/", {"maintenance_override": "finished"},
                           format="json").status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"maintenance_override": "abandoned"}, "maintenance_override"),
    ({"maintenance_override": "active"}, "maintenance_override"),  # a verdict the signals give, not a word
    ({"maintenance_override": ""}, "maintenance_override"),
    ({"maintenance_override": "finished", "maintenance_note": "x" * 501}, "maintenance_note"),
    ({"maintenance_override": "finished", "stars": 5}, "stars"),
])
def test_a_bad_override_is_a_400_naming_its_field(staff_api, old, body, field):
    answer = staff_api.patch(f"/api/repositories/{old.id}/", body, format="json")

    assert answer.status_code == 400
    assert answer.json()["detail"].startswith(f"{field}:")
    assert field in answer.json()["errors"]
    assert Repository.objects.get(id=old.id).maintenance == Maintenance.INACTIVE


def test_a_patch_changes_what_it_names_and_keeps_the_rest(staff_api, staff_user, old):
    url = f"/api/repositories/{old.id}/"
    staff_api.patch(url, {"maintenance_override": "deprecated", "maintenance_note": "use acme/lively"}, format="json")

    noted = staff_api.patch(url, {"maintenance_note": "use acme/lively, say its maintainers"}, format="json").json()
    assert (noted["maintenance_override"], noted["maintenance_note"]) == (
        "deprecated", "use acme/lively, say its maintainers")
    same = staff_api.patch(url, {}, format="json").json()
    assert same == staff_api.get(url).json()
    assert same["maintenance"] == "deprecated"
    assert RepositoryChange.objects.filter(repository=old, field="maintenance_override").count() == 2


def test_put_is_not_a_way_to_write_a_repository(staff_api, old):
    assert staff_api.put(f"/api/repositories/{old.id}/", {"maintenance_override": "finished"},
                         format="json").status_code == 405


def test_the_api_shows_the_signals_and_the_verdict(api, lively, said_over):
    body = api.get(f"/api/repositories/{lively.id}/").json()
    assert body["commits_last_year"] == 40
    assert body["last_release_tag"] == "v2.0.0"
    assert body["maintenance"] == "active"
    assert body["declared"] is None
    assert body["successor"] is None
    assert body["maintenance_override"] is None
    said = api.get(f"/api/repositories/{said_over.id}/").json()
    assert (said["declared"], said["successor"]) == ("DEPRECATED", "acme/lively")
    assert said["maintenance_reasons"][0] == {"signal": "declared", "value": "DEPRECATED",
                                              "text": "the description says: 'DEPRECATED: use acme/lively instead'"}


def names(answer) -> list[str]:
    return [item["full_name"] for item in answer.json()["results"]]


def test_the_list_export_and_changes_filter_by_verdict(api, staff_api, old, lively, said_over):
    assert names(api.get("/api/repositories/?maintenance=inactive,deprecated")) == ["acme/old", "acme/said"]
    assert names(api.get("/api/repositories/?maintenance=active")) == ["acme/lively"]
    assert names(api.get("/api/repositories/?ordering=maintenance")) == ["acme/lively", "acme/said", "acme/old"]
    exported = api.get("/api/repositories/export?format=csv&maintenance=deprecated")
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert [(r["full_name"], r["maintenance"], r["successor"]) for r in rows] == [
        ("acme/said", "deprecated", "acme/lively")]
    assert rows[0]["maintenance_reasons"].startswith("the description says:")

    staff_api.patch(f"/api/repositories/{old.id}/", {"maintenance_override": "finished"}, format="json")
    changed = api.get("/api/changes/?field=maintenance&maintenance=finished").json()["results"]
    assert [(c["full_name"], c["old"], c["new"], c["event"]) for c in changed] == [
        ("acme/old", "inactive", "finished", None)]


@pytest.mark.parametrize("url", ["/api/repositories/?maintenance=abandoned",
                                 "/api/repositories/export?maintenance=active,abandoned",
                                 "/api/changes/?maintenance=abandoned"])
def test_an_unknown_verdict_is_a_400_naming_it(api, url):
    answer = api.get(url)

    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("maintenance:")
    assert "abandoned" in answer.json()["detail"]
