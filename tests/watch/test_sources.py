"""Schedules and alerts over a source (an imported document): a run rescans its repositories (of
its latest version), the API, the pages and the admin take a source as they take a label (and not
both), and an alert about a repository reached through packages names them ("`left-pad@1.3.0`
(npm): its repository stevemao/left-pad was archived"): digests, the Slack text, e-mails, the
feed and a test delivery."""

from __future__ import annotations

import json
from datetime import timedelta

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from repositories.models import Label, Repository, RepositoryChange, Source
from scans.models import ScanJob
from tests.repositories.fixing import imported
from tests.repositories.packaging import dependency_source, repository
from tests.watch.conftest import hook
from watch import digests, retention, schedules, services
from watch.models import Delivery, Schedule, Subscription

pytestmark = pytest.mark.django_db
Event = RepositoryChange.Event
Format = Subscription.Format


@pytest.fixture
def lockfile():
    """package-lock.json (label web): left-pad → stevemao/left-pad, two packages → babel/babel,
    one unmapped; acme/elsewhere is in the catalog but not in the document."""
    source = dependency_source(
        ("npm", "left-pad", "1.3.0", "stevemao/left-pad", "resolver:UNVERIFIED_METADATA"),
        ("npm", "@babel/core", "7.24.0", "babel/babel", "declared"),
        ("npm", "@babel/parser", "7.24.0", "babel/babel", "declared"),
        ("npm", "nothing-known", "0.1.0", None, ""),
    )
    repository("acme/elsewhere")
    return source


def named(full_name: str) -> Repository:
    return Repository.objects.get(full_name=full_name)


# --- schedules ---------------------------------------------------------------------------------------
def test_a_schedule_over_a_source_rescans_its_repositories_least_recently_checked_first(owner, lockfile):
    Repository.objects.filter(full_name="babel/babel").update(last_checked_at=timezone.now() - timedelta(days=2))
    schedule = Schedule.objects.create(owner=owner, name="deps", source=lockfile)

    assert schedules.start_due_schedules() == 1

    scan = ScanJob.objects.get()
    assert scan.repository_ids == [named("stevemao/left-pad").id, named("babel/babel").id], \
        "its repositories once each (babel/babel is behind two packages), never checked first; not acme/elsewhere"
    assert scan.scope == f"schedule {schedule.id} “deps” · source package-lock.json · web"


def test_a_schedule_follows_its_document_to_the_latest_version(owner, lockfile):
    schedule = Schedule.objects.create(owner=owner, name="deps", source=lockfile)
    dependency_source(("npm", "left-pad", "1.3.0", "stevemao/left-pad", "declared"),
                      ("npm", "is-odd", "3.0.1", "jonschlinkert/is-odd", "declared"), version=2)

    scan = schedules.schedule_run(schedule=schedule)

    assert sorted(scan.repository_ids) == sorted([named("stevemao/left-pad").id, named("jonschlinkert/is-odd").id])


def test_a_schedule_over_a_list_rescans_the_repositories_its_links_name(owner, db):
    kept = imported("- https://github.com/acme/one\n- https://github.com/acme/two\n", filename="list.md")
    repository("acme/not-in-it")
    scan = schedules.schedule_run(schedule=Schedule.objects.create(owner=owner, name="list", source=kept))
    assert sorted(scan.repository_ids) == sorted([named("acme/one").id, named("acme/two").id])


def test_a_schedule_over_a_source_of_no_repository_says_so(owner):
    empty = dependency_source(("npm", "nothing-known", "0.1.0", None, ""))
    schedule = Schedule.objects.create(owner=owner, name="deps", source=empty)
    with pytest.raises(schedules.ScheduleEmpty):
        schedules.schedule_run(schedule=schedule)
    schedule.refresh_from_db()
    assert schedule.last_error == "source package-lock.json · web holds no repository"


def test_the_api_takes_a_source_as_it_takes_a_label(api, lockfile):
    created = api.post("/api/schedules/", {"name": "deps", "source": lockfile.id, "interval_minutes": 60},
                       format="json")
    assert created.status_code == 201, created.data
    assert (created.data["source"], created.data["label"]) == (lockfile.id, None)
    run = api.post(f"/api/schedules/{created.data['id']}/run")
    assert run.status_code == 202, run.data
    assert ScanJob.objects.get(id=run.data["job_id"]).total == 2
    ScanJob.objects.update(status=ScanJob.Status.COMPLETED)
    switched = api.patch(f"/api/schedules/{created.data['id']}/", {"source": None, "label": "web"}, format="json")
    assert switched.status_code == 400, "no label named web exists"
    Label.objects.create(name="web")
    switched = api.patch(f"/api/schedules/{created.data['id']}/", {"source": None, "label": "web"}, format="json")
    assert (switched.status_code, switched.data["source"], switched.data["label"]) == (200, None, "web")


@pytest.mark.parametrize(("path", "body"), [
    ("/api/schedules/", {"name": "x", "interval_minutes": 5}),
    ("/api/subscriptions/", {"channel": "feed"}),
])
@pytest.mark.parametrize(("source", "said"), [
    (999999, 'source: Invalid pk "999999" - object does not exist.'),
    ("web", "source: Incorrect type. Expected pk value, received str."),
    ("LOCKFILE", "source: a {kind} covers a label or a source, not both: set label to null to cover a source"),
])
def test_a_source_the_api_cannot_take_is_a_400_naming_it(api, lockfile, path, body, source, said):
    Label.objects.create(name="web")
    both = source == "LOCKFILE"
    answer = api.post(path, {**body, "source": lockfile.id if both else source, **({"label": "web"} if both else {})},
                      format="json")
    assert answer.status_code == 400
    assert answer.data["detail"] == said.format(kind="schedule" if "schedules" in path else "subscription")


def test_an_update_may_not_add_a_label_to_a_schedule_over_a_source(api, owner, lockfile):
    Label.objects.create(name="web")
    schedule = Schedule.objects.create(owner=owner, name="deps", source=lockfile)
    answer = api.patch(f"/api/schedules/{schedule.id}/", {"label": "web"}, format="json")
    assert answer.status_code == 400
    assert answer.data["detail"].startswith("source: a schedule covers a label or a source, not both")


def test_the_database_and_the_admin_refuse_a_label_and_a_source_together(owner, lockfile):
    schedule = Schedule(owner=owner, name="both", label=Label.objects.create(name="web"), source=lockfile)
    with pytest.raises(ValidationError, match="covers a label or a source, not both"):
        schedule.full_clean()  # what the admin's form runs


def test_the_schedule_page_offers_the_latest_version_of_each_document(client, owner, lockfile):
    client.force_login(owner)
    newer = dependency_source(("npm", "left-pad", "1.3.0", "stevemao/left-pad", "declared"), version=2)
    page = client.get("/schedules/").content.decode()
    assert f'<option value="{newer.id}">source package-lock.json · web</option>' in page
    assert f'<option value="{lockfile.id}"' not in page

    created = client.post("/schedules/", {"name": "deps", "label": "", "source": str(lockfile.id),
                                          "interval_minutes": "60", "budget_share": "100", "active": "on"})
    assert created.status_code == 302
    assert "source package-lock.json · web" in client.get("/schedules/").content.decode()
    schedule = Schedule.objects.get()
    edit = client.get(f"/schedules/{schedule.id}/").content.decode()
    assert f'<option value="{newer.id}" selected>' in edit, "shown as the version it follows"

    Label.objects.create(name="web")
    both = client.post("/schedules/", {"name": "both", "label": "web", "source": str(newer.id),
                                       "interval_minutes": "60", "budget_share": "100"})
    assert both.status_code == 400
    assert "source: a schedule covers a label or a source, not both" in both.content.decode()


def test_pruning_an_old_version_moves_what_covers_it_to_the_latest(owner, lockfile, settings):
    settings.RETENTION_DAYS = 90
    Source.objects.filter(id=lockfile.id).update(created_at=timezone.now() - timedelta(days=100))
    newer = dependency_source(("npm", "left-pad", "1.3.0", "stevemao/left-pad", "declared"), version=2)
    schedule = Schedule.objects.create(owner=owner, name="deps", source=lockfile)
    subscription = Subscription.objects.create(owner=owner, channel="feed", source=lockfile, events=["archived"])

    assert retention.prune()["source_versions"] == 1

    assert not Source.objects.filter(id=lockfile.id).exists()
    schedule.refresh_from_db()
    subscription.refresh_from_db()
    assert schedule.source == subscription.source == newer


# --- alerts ---------------------------------------------------------------------------------------
def test_an_alert_over_a_source_names_the_package_behind_the_repository(owner, lockfile, finished_scan):
    slack = hook(owner, source=lockfile, format=Format.SLACK)
    everything = hook(owner, format=Format.SLACK)
    left_pad, elsewhere = named("stevemao/left-pad"), named("acme/elsewhere")
    finished_scan((left_pad, "health", "healthy", "archived", Event.ARCHIVED),
                  (elsewhere, "health", "healthy", "archived", Event.ARCHIVED))

    assert digests.digest_finished_scans() == 2

    text = json.loads(Delivery.objects.get(subscription=slack).body)["text"]
    assert text.splitlines()[:2] == [
        "RepoHealth: 1 archived in source package-lock.json · web",
        "- `left-pad@1.3.0` (npm): its repository stevemao/left-pad was archived (health: healthy → archived)"]
    assert "acme/elsewhere" not in text, "a repository the document does not map to is not told"
    told = json.loads(Delivery.objects.get(subscription=everything).body)["text"]
    assert "- stevemao/left-pad: archived (health: healthy → archived)" in told, "without a source: as before"


def test_a_monorepo_s_alert_names_every_package_behind_it(owner, lockfile, finished_scan):
    mail = Subscription.objects.create(owner=owner, channel="email", source=lockfile, events=list(Event.values))
    finished_scan((named("babel/babel"), "maintenance", "active", "deprecated", Event.DEPRECATED))

    assert digests.digest_finished_scans() == 1

    delivery = Delivery.objects.get(subscription=mail)
    assert delivery.subject == "RepoHealth: 1 deprecated in source package-lock.json · web"
    assert ("- `@babel/core@7.24.0`, `@babel/parser@7.24.0` (npm): its repository babel/babel was deprecated "
            "(maintenance: active → deprecated)") in delivery.body.splitlines()


def test_the_json_webhook_names_the_source_and_each_transition_s_packages(owner, lockfile, finished_scan):
    subscription = hook(owner, source=lockfile)
    finished_scan((named("babel/babel"), "health", "healthy", "archived", Event.ARCHIVED))
    digests.digest_finished_scans()

    body = json.loads(Delivery.objects.get(subscription=subscription).body)
    assert body["label"] is None
    assert body["source"] == {"id": lockfile.id, "filename": "package-lock.json", "label": "web", "version": 1}
    assert body["transitions"][0]["full_name"] == "babel/babel"
    assert body["transitions"][0]["packages"] == [
        {"ecosystem": "npm", "name": "@babel/core", "version": "7.24.0"},
        {"ecosystem": "npm", "name": "@babel/parser", "version": "7.24.0"}]


def test_the_feed_of_a_source_names_the_package(client, owner, lockfile, finished_scan):
    finished_scan((named("stevemao/left-pad"), "full_name", "stevemao/left-pad", "stevemao/left-pad2", Event.MOVED),
                  (named("acme/elsewhere"), "health", "healthy", "archived", Event.ARCHIVED))
    feed = Subscription.objects.create(owner=owner, channel="feed", source=lockfile, events=list(Event.values))

    parsed = feedparser.parse(client.get(f"/feeds/{feed.secret}.atom").content)

    assert parsed.feed.title == "RepoHealth: package-lock.json · web"
    assert [entry.title for entry in parsed.entries] == [
        "`left-pad@1.3.0` (npm): its repository stevemao/left-pad was renamed or moved"]


def test_a_test_alert_over_a_source_names_a_package_of_it(owner, lockfile):
    subscription = Subscription.objects.create(owner=owner, channel="email", source=lockfile, events=["archived"])
    delivery = services.subscription_send_test(subscription=subscription)
    assert "- `left-pad@1.3.0` (npm): its repository stevemao/left-pad was archived" in delivery.body
