"""A renamed name that now points elsewhere (repo-jacking), against the fake GitHub over HTTP:
GitHub redirects an old name only until someone creates a repository with it."""

from __future__ import annotations

import json

import pytest
import requests

from repositories.models import Repository
from scans.models import ScanJob
from scans.run.progress import progress_payload
from tests.receiver import PUBLIC
from tests.scans.scanning import RECENT, run, track
from watch import deliveries, digests
from watch.models import Delivery

Health = Repository.Health
pytestmark = pytest.mark.django_db


@pytest.fixture(params=["rest", "graphql"])
def mode(request, fake_github, settings):
    if request.param == "graphql":
        settings.GITHUB_TOKENS = ["tok-a"]
    return request.param


def test_an_old_name_taken_by_someone_else_flags_the_renamed_repository(fake_github, mode):
    fake_github.load_catalog([{"id": 501, "full_name": "acme/widget", "pushed_at": RECENT}])
    (repo,) = track("acme/widget")
    run([repo], mode=mode)
    fake_github.patch_repo("acme/widget", full_name="acme/widget-pro")  # renamed: the old name redirects
    second = run([repo], mode=mode)
    repo.refresh_from_db()
    assert repo.full_name == "acme/widget-pro"
    assert not repo.name_reused
    assert second.name_reused == 0

    # A stranger creates a repository under the old name: the redirect is gone.
    fake_github.load_catalog([{"id": 999, "full_name": "acme/widget", "pushed_at": RECENT}])
    third = run([repo], mode=mode)

    repo.refresh_from_db()
    assert repo.name_reused, "never 'fixed' to the reused name"
    assert repo.full_name == "acme/widget-pro", "never 'fixed' to the reused name"
    assert "its old name acme/widget now belongs to another repository (GitHub id 999)" in repo.health_detail
    assert third.name_reused == 1
    assert progress_payload(third)["name_reused"] == 1
    assert third.results.get().detail.startswith("its old name acme/widget now belongs")


def test_a_rescan_right_after_a_take_over_flags_it_counts_it_and_alerts_once(fake_github, mode, api, owner,
                                                                             fake_net, receiver, settings):
    """Within the day (the full metadata is fresh: the lean query in GraphQL), the fake GitHub
    changed through its control API over HTTP as someone would on GitHub."""
    settings.ALERT_ALLOW_HTTP = True
    fake_net.resolve("hooks.example.test", PUBLIC)
    created = api.post("/api/subscriptions/", {"channel": "webhook", "target_url": "http://hooks.example.test/hook",
                                               "events": ["name_reused"]}, format="json")
    assert created.status_code == 201, created.data
    fake_github.load_catalog([{"id": 501, "full_name": "acme/widget", "pushed_at": RECENT}])
    (repo,) = track("acme/widget")

    def rescan() -> tuple[ScanJob, dict]:
        scan = run([repo], mode=mode, requested_by=owner)
        digests.digest_finished_scans()
        for delivery in Delivery.objects.filter(status=Delivery.Status.PENDING):
            deliveries.attempt(delivery.id)
        return scan, api.get(f"/api/bulk/health-check/{scan.id}/progress").json()

    rescan()
    control = f"{fake_github.url}/_fake"
    requests.post(f"{control}/repos/acme/widget", json={"full_name": "acme/widget-pro"}, timeout=5).raise_for_status()
    _, moved = rescan()
    assert moved["moved"] == 1
    assert moved["name_reused"] == 0
    assert not receiver.requests

    requests.post(f"{control}/catalog", json={"repositories": [{"id": 999, "full_name": "acme/widget"}]},
                  timeout=5).raise_for_status()  # someone else takes the old name
    taken, payload = rescan()

    repo.refresh_from_db()
    assert repo.name_reused
    assert repo.full_name == "acme/widget-pro"
    assert payload["status"] == "completed"
    assert payload["name_reused"] == 1 == taken.name_reused
    (alert,) = [json.loads(request.body) for request in receiver.requests]
    assert [(t["full_name"], t["event"]) for t in alert["transitions"]] == [("acme/widget-pro", "name_reused")]

    _, again = rescan()  # still taken: counted by every scan, alerted once
    assert again["name_reused"] == 1
    assert len(receiver.requests) == 1


def test_a_tracked_name_answering_with_another_id_is_found_again_by_its_id(fake_github, mode):
    fake_github.load_catalog([{"id": 601, "full_name": "acme/tool", "pushed_at": RECENT}])
    (repo,) = track("acme/tool")
    run([repo], mode=mode)
    # Ours moved away and no redirect is left (a stranger took the name): the name answers 200
    # with another id.
    fake_github.patch_repo("acme/tool", full_name="acme/tool-classic")
    fake_github.load_catalog([{"id": 777, "full_name": "acme/tool", "pushed_at": RECENT}])

    scan = run([repo], mode=mode)

    repo.refresh_from_db()
    assert repo.github_id == 601, "ours, by its id, under its new name"
    assert repo.full_name == "acme/tool-classic", "ours, by its id, under its new name"
    assert repo.name_reused
    assert repo.health == Health.MOVED
    assert repo.health_detail.startswith("acme/tool now belongs to another repository (GitHub id 777)")
    assert scan.name_reused == 1
    assert "acme/tool" in repo.previous_names


def test_a_tracked_name_deleted_and_recreated_by_someone_else_is_not_found_and_flagged(fake_github, mode):
    fake_github.load_catalog([{"id": 701, "full_name": "acme/lib", "pushed_at": RECENT}])
    (repo,) = track("acme/lib")
    run([repo], mode=mode)
    fake_github.load_catalog([{"id": 888, "full_name": "acme/lib", "pushed_at": RECENT}], replace=True)

    run([repo], mode=mode)

    repo.refresh_from_db()
    assert repo.health == Health.NOT_FOUND
    assert repo.name_reused
    assert repo.github_id == 701
    assert repo.health_detail.startswith("acme/lib now belongs to another repository (GitHub id 888)")


def test_old_names_are_asked_on_every_scan_in_one_lean_query_for_the_whole_scan(fake_github, settings):
    settings.GITHUB_TOKENS = ["tok-a"]
    settings.SCAN_GRAPHQL_BATCH = 2  # chunks of 8 repositories: the old names are still asked together
    fake_github.load_catalog([{"id": 900 + i, "full_name": f"acme/r{i}", "pushed_at": RECENT} for i in range(20)])
    repos = track(*[f"acme/r{i}" for i in range(20)])
    run(repos, mode="graphql")
    for i in range(0, 20, 2):
        fake_github.patch_repo(f"acme/r{i}", full_name=f"acme/renamed{i}")
    run(repos, mode="graphql")

    fake_github.reset_stats()
    run(repos, mode="graphql")  # a rescan within the day: the lean queries, and the old names once

    assert fake_github.stats()["graphql_id_lookups"] == {"queries": 1, "names": 10, "points": 1}
    assert fake_github.stats()["graphql_queries_by_cost"] == {"1": 10 + 1}, "10 lean queries of 2, 1 of old names"
    assert not Repository.objects.filter(name_reused=True).exists()
    assert ScanJob.objects.order_by("-created_at").first().name_reused == 0
