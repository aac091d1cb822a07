"""A renamed name that now points elsewhere (repo-jacking), against the fake GitHub over HTTP:
GitHub redirects an old name only until someone creates a repository with it."""

from __future__ import annotations

import pytest

from repositories.models import Repository
from scans.models import ScanJob
from scans.run.progress import progress_payload
from tests.scans.scanning import RECENT, run, track

Health = Repository.Health
pytestmark = pytest.mark.django_db


@pytest.fixture(params=["rest", "graphql"])
def mode(request, fake_github, settings):
    if request.param == "graphql":
        settings.GITHUB_TOKENS = ["tok-a"]
    settings.SCAN_FULL_METADATA_HOURS = 0  # every rescan refreshes the full metadata, old names with it
    return request.param


def test_an_old_name_taken_by_someone_else_flags_the_renamed_repository(fake_github, mode):
    fake_github.load_catalog([{"id": 501, "full_name": "acme/widget", "pushed_at": RECENT}])
    (repo,) = track("acme/widget")
    run([repo], mode=mode)
    fake_github.patch_repo("acme/widget", full_name="acme/widget-pro")  # renamed: the old name redirects
    second = run([repo], mode=mode)
    repo.refresh_from_db()
    assert repo.full_name == "acme/widget-pro" and not repo.name_reused and second.name_reused == 0

    # A stranger creates a repository under the old name: the redirect is gone.
    fake_github.load_catalog([{"id": 999, "full_name": "acme/widget", "pushed_at": RECENT}])
    third = run([repo], mode=mode)

    repo.refresh_from_db()
    assert repo.name_reused, "never 'fixed' to the reused name"
    assert repo.full_name == "acme/widget-pro", "never 'fixed' to the reused name"
    assert "its old name acme/widget now belongs to another repository (GitHub id 999)" in repo.health_detail
    assert third.name_reused == 1 and progress_payload(third)["name_reused"] == 1
    assert third.results.get().detail.startswith("its old name acme/widget now belongs")


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
    assert repo.name_reused and repo.health == Health.MOVED
    assert repo.health_detail.startswith("acme/tool now belongs to another repository (GitHub id 777)")
    assert scan.name_reused == 1 and "acme/tool" in repo.previous_names


def test_a_tracked_name_deleted_and_recreated_by_someone_else_is_not_found_and_flagged(fake_github, mode):
    fake_github.load_catalog([{"id": 701, "full_name": "acme/lib", "pushed_at": RECENT}])
    (repo,) = track("acme/lib")
    run([repo], mode=mode)
    fake_github.load_catalog([{"id": 888, "full_name": "acme/lib", "pushed_at": RECENT}], replace=True)

    run([repo], mode=mode)

    repo.refresh_from_db()
    assert repo.health == Health.NOT_FOUND and repo.name_reused and repo.github_id == 701
    assert repo.health_detail.startswith("acme/lib now belongs to another repository (GitHub id 888)")


def test_old_names_are_asked_with_the_full_metadata_in_one_lean_query_per_hundred(fake_github, settings):
    settings.GITHUB_TOKENS = ["tok-a"]
    fake_github.load_catalog([{"id": 900 + i, "full_name": f"acme/r{i}", "pushed_at": RECENT} for i in range(5)])
    repos = track(*[f"acme/r{i}" for i in range(5)])
    run(repos, mode="graphql")
    for i in range(5):
        fake_github.patch_repo(f"acme/r{i}", full_name=f"acme/renamed{i}")
    run(repos, mode="graphql")

    fake_github.reset_stats()
    run(repos, mode="graphql")  # a rescan within the day: the lean query alone
    assert fake_github.stats()["by_endpoint"]["graphql"] == {"200": 1}

    settings.SCAN_FULL_METADATA_HOURS = 0
    fake_github.reset_stats()
    run(repos, mode="graphql")  # full metadata due: the full query and one owners query for 5 old names
    assert fake_github.stats()["by_endpoint"]["graphql"] == {"200": 2}
    assert not Repository.objects.filter(name_reused=True).exists()
    assert ScanJob.objects.order_by("-created_at").first().name_reused == 0
