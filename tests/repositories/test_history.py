"""The catalog's memory (repositories/history.py), written by real scans against fakegithub over
HTTP: change rows with their events, daily metric snapshots written only on change, nothing for an
unchanged rescan, and dead outcomes confirmed before they are history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from repositories import history
from repositories.models import MetricSnapshot, Repository, RepositoryChange
from tests.scans.scanning import OLD, RECENT, run, track

pytestmark = pytest.mark.django_db
Health = Repository.Health
Event = RepositoryChange.Event


def catalog(fake_github, *entries):
    fake_github.load_catalog([{"pushed_at": RECENT, "stars": 10, "forks": 2, **e} for e in entries])


def rename(fake_github, old: str, new: str) -> None:
    """The fake's control endpoint (patch_repo's own first argument is called full_name)."""
    requests.post(f"{fake_github.url}/_fake/repos/{old}", json={"full_name": new}, timeout=5).raise_for_status()


def rows():
    return list(RepositoryChange.objects.order_by("id").values_list("full_name", "field", "old", "new", "event"))


def test_a_first_check_is_a_baseline_a_snapshot_and_no_change_rows(fake_github):
    catalog(fake_github, {"id": 1, "full_name": "acme/one"})
    repos = track("acme/one")

    scan = run(repos)

    assert RepositoryChange.objects.count() == 0
    (snapshot,) = MetricSnapshot.objects.all()
    assert (snapshot.stars, snapshot.forks, snapshot.day) == (10, 2, timezone.now().date())
    assert history.scan_summary(scan.id) == ""


def test_a_rescan_of_an_unchanged_catalog_writes_no_history_rows(fake_github):
    catalog(fake_github, *[{"id": i, "full_name": f"acme/r{i}"} for i in range(1, 41)])
    repos = track(*[f"acme/r{i}" for i in range(1, 41)])
    run(repos)
    written = (RepositoryChange.objects.count(), MetricSnapshot.objects.count())

    run(repos)
    run(repos)

    assert written == (0, 40)
    assert (RepositoryChange.objects.count(), MetricSnapshot.objects.count()) == written


def test_each_changed_field_of_interest_is_a_row_with_the_scan_its_time_and_event(fake_github):
    catalog(fake_github, {"id": 1, "full_name": "acme/arch"}, {"id": 2, "full_name": "acme/old"},
            {"id": 3, "full_name": "acme/meta", "license": "MIT", "default_branch": "master", "description": "a"})
    repos = track("acme/arch", "acme/old", "acme/meta")
    run(repos)
    fake_github.patch_repo("acme/arch", archived=True)
    rename(fake_github, "acme/old", "acme/new")
    fake_github.patch_repo("acme/meta", license="Apache-2.0", default_branch="main", description="b", fork=True)

    scan = run(repos)

    assert sorted(rows()) == [  # by name and field (the answers come back in any order)
        ("acme/arch", "archived", False, True, ""),
        ("acme/arch", "health", "healthy", "archived", Event.ARCHIVED),
        ("acme/arch", "maintenance", "quiet", "deprecated", ""),  # the archival tells it
        ("acme/meta", "default_branch", "master", "main", ""),
        ("acme/meta", "description", "a", "b", ""),
        ("acme/meta", "fork", False, True, ""),
        ("acme/meta", "license", "MIT", "Apache-2.0", ""),
        ("acme/new", "full_name", "acme/old", "acme/new", Event.MOVED),
        ("acme/new", "health", "healthy", "moved", ""),
    ]
    assert set(RepositoryChange.objects.values_list("scan_id", flat=True)) == {scan.id}
    assert history.scan_summary(scan.id) == "1 archived, 1 renamed or moved, 7 other changes"


def test_stale_and_back_to_healthy_are_facts_on_first_sight(fake_github):
    catalog(fake_github, {"id": 1, "full_name": "acme/nap"})
    repos = track("acme/nap")
    run(repos)
    fake_github.patch_repo("acme/nap", pushed_at=OLD)  # its newest commit too (the fake's default)
    run(repos, full=True)  # REST asks the commits when the full metadata is due
    fake_github.patch_repo("acme/nap", pushed_at=RECENT)
    run(repos, full=True)

    assert sorted((r[1], r[2], r[3], r[4]) for r in rows()) == [  # each transition told once, by the verdict
        ("health", "healthy", "stale", ""), ("health", "stale", "healthy", ""),
        ("maintenance", "inactive", "quiet", Event.MAINTAINED_AGAIN),
        ("maintenance", "quiet", "inactive", Event.INACTIVE)]


def test_metrics_are_one_snapshot_a_day_written_only_when_a_count_changed(fake_github):
    catalog(fake_github, {"id": 1, "full_name": "acme/star"}, {"id": 2, "full_name": "acme/still"})
    repos = track("acme/star", "acme/still")
    run(repos)
    fake_github.patch_repo("acme/star", stars=11)
    run(repos)
    fake_github.patch_repo("acme/star", stars=15, open_issues=3)
    run(repos)

    snapshots = list(MetricSnapshot.objects.order_by("repository__full_name").values_list(
        "repository__full_name", "stars", "open_issues"))
    assert snapshots == [("acme/star", 15, 3), ("acme/still", 10, 0)]
    assert RepositoryChange.objects.count() == 0, "counts are snapshots, not change rows"
    # A later day gets its own row; the day's first values stay on the day before.
    yesterday = timezone.now().date() - timedelta(days=1)
    MetricSnapshot.objects.filter(repository__full_name="acme/star").update(day=yesterday)
    fake_github.patch_repo("acme/star", stars=20)
    run(repos)
    assert list(MetricSnapshot.objects.filter(repository__full_name="acme/star").order_by("day")
                .values_list("stars", flat=True)) == [15, 20]


def test_a_dead_outcome_is_suspected_until_it_repeats_after_the_gap_then_recorded_once(fake_github, settings):
    settings.HEALTH_RECHECK_SCANS, settings.HEALTH_RECHECK_SECONDS = 2, 1800
    catalog(fake_github, {"id": 1, "full_name": "acme/doomed"})
    (repo,) = track("acme/doomed")
    run([repo])
    fake_github.patch_repo("acme/doomed", private=True)  # answers 404

    run([repo])
    run([repo])  # a second dead check inside the gap confirms nothing

    repo.refresh_from_db()
    assert (repo.health, repo.suspected, repo.suspect_checks) == (Health.NOT_FOUND, True, 2)
    assert RepositoryChange.objects.count() == 0
    Repository.objects.filter(id=repo.id).update(suspected_since=timezone.now() - timedelta(seconds=1801))

    confirming = run([repo])

    repo.refresh_from_db()
    assert not repo.suspected
    assert repo.health == Health.NOT_FOUND
    assert rows() == [("acme/doomed", "health", "healthy", "not_found", Event.DEAD)]
    assert RepositoryChange.objects.get().scan_id == confirming.id
    run([repo])
    assert RepositoryChange.objects.count() == 1, "a confirmed death is told once"
    fake_github.patch_repo("acme/doomed", private=False)
    run([repo])
    assert rows()[-1] == ("acme/doomed", "health", "not_found", "healthy", Event.RECOVERED)


def test_a_suspected_repository_that_answers_again_was_never_dead(fake_github, settings):
    settings.HEALTH_RECHECK_SCANS, settings.HEALTH_RECHECK_SECONDS = 2, 0
    catalog(fake_github, {"id": 1, "full_name": "acme/flaky"})
    (repo,) = track("acme/flaky")
    run([repo])
    fake_github.patch_repo("acme/flaky", private=True)
    run([repo])
    fake_github.patch_repo("acme/flaky", private=False)

    run([repo])

    repo.refresh_from_db()
    assert (repo.health, repo.suspected, repo.suspect_checks, repo.suspected_since) == (Health.HEALTHY, False, 0, None)
    assert RepositoryChange.objects.count() == 0


def test_a_failed_check_is_not_a_change_and_does_not_count_towards_confirmation(fake_github, settings):
    settings.HEALTH_RECHECK_SCANS, settings.HEALTH_RECHECK_SECONDS = 2, 0
    settings.GITHUB_MAX_RETRIES = 0
    catalog(fake_github, {"id": 1, "full_name": "acme/shaky"})
    (repo,) = track("acme/shaky")
    run([repo])
    fake_github.patch_repo("acme/shaky", private=True)
    run([repo])  # suspected: 1 dead check
    fake_github.configure(fail_next=5)

    run([repo])  # a 502: a failed check

    repo.refresh_from_db()
    assert repo.last_check_error
    assert repo.suspected
    assert repo.suspect_checks == 1
    assert RepositoryChange.objects.count() == 0


def test_dead_at_once_when_one_check_is_enough(fake_github, settings):
    settings.HEALTH_RECHECK_SCANS, settings.HEALTH_RECHECK_SECONDS = 1, 0
    catalog(fake_github, {"id": 1, "full_name": "acme/blocked"})
    (repo,) = track("acme/blocked")
    run([repo])
    fake_github.patch_repo("acme/blocked", block="dmca")

    run([repo])

    repo.refresh_from_db()
    assert not repo.suspected
    assert rows() == [("acme/blocked", "health", "healthy", "blocked", Event.DEAD)]


@pytest.mark.parametrize(("field", "old", "new", "event"), [
    ("health", "healthy", "not_found", Event.DEAD),
    ("health", "not_found", "blocked", ""),
    ("health", "healthy", "archived", Event.ARCHIVED),
    ("health", "healthy", "stale", Event.INACTIVE),
    ("health", "archived", "healthy", Event.RECOVERED),
    ("health", "healthy", "moved", Event.MOVED),
    ("full_name", "a/b", "a/c", Event.MOVED),
    ("license", "MIT", "", ""),
    ("maintenance", "active", "inactive", Event.INACTIVE),
    ("maintenance", "quiet", "inactive", Event.INACTIVE),
    ("maintenance", "deprecated", "inactive", Event.INACTIVE),
    ("maintenance", "active", "deprecated", Event.DEPRECATED),
    ("maintenance", "inactive", "deprecated", Event.DEPRECATED),
    ("maintenance", "inactive", "active", Event.MAINTAINED_AGAIN),
    ("maintenance", "deprecated", "quiet", Event.MAINTAINED_AGAIN),
    ("maintenance", "active", "quiet", ""),
    ("maintenance", "inactive", "finished", ""),
    ("maintenance", "finished", "active", ""),
    ("maintenance", "unknown", "inactive", ""),
    ("maintenance", "inactive", "unknown", ""),
])
def test_each_change_means_one_event_or_none(field, old, new, event):
    assert history.event_for(field, old, new) == event


def check(repo: Repository, **after) -> None:
    """One check of `repo` that finds `after` (set directly: the verdict is the scan's to apply)."""
    before = history.capture(repo)
    for name, value in after.items():
        setattr(repo, name, value)
    repo.last_checked_at = timezone.now()
    repo.save()
    history.record_changes(scan_id=None, before={repo.id: before}, after=[repo])


def checked(**fields) -> Repository:
    return Repository.objects.create(imported_name="acme/v", full_name="acme/v", github_id=1,
                                     last_checked_at=timezone.now(), **fields)


def test_going_inactive_is_one_transition_the_verdicts_row_tells_it():
    repo = checked(health=Health.HEALTHY, maintenance="active")
    check(repo, health=Health.STALE, maintenance="inactive")
    assert sorted((r[1], r[2], r[3], r[4]) for r in rows()) == [
        ("health", "healthy", "stale", ""), ("maintenance", "active", "inactive", Event.INACTIVE)]

    check(repo, health=Health.HEALTHY, maintenance="active")
    assert sorted((r[1], r[4]) for r in rows()[2:]) == [("health", ""), ("maintenance", Event.MAINTAINED_AGAIN)]


def test_a_health_gone_stale_without_a_verdict_row_still_tells_inactive():
    repo = checked(health=Health.HEALTHY, maintenance="unknown")  # judged for the first time
    check(repo, health=Health.STALE, maintenance="inactive")
    assert [(r[1], r[4]) for r in rows()] == [("health", Event.INACTIVE)], "a first verdict is a baseline"


def test_an_overridden_verdict_and_the_health_that_follows_it_tell_nobody():
    repo = checked(health=Health.STALE, maintenance="inactive")
    check(repo, health=Health.HEALTHY, maintenance="finished", maintenance_override="finished")
    check(repo, health=Health.STALE, maintenance="inactive", maintenance_override="inactive")
    check(repo, health=Health.ARCHIVED, archived=True, maintenance="deprecated", maintenance_override="deprecated")
    assert [(r[1], r[4]) for r in rows() if r[4]] == [("health", Event.ARCHIVED)], \
        "an archival is GitHub's news, not the override's"
    assert {r[1] for r in rows()} == {"health", "maintenance", "archived"}


def test_the_stars_delta_over_30_days_sorts_the_catalog(fake_github):
    catalog(fake_github, {"id": 1, "full_name": "acme/rising", "stars": 10},
            {"id": 2, "full_name": "acme/flat", "stars": 50})
    repos = track("acme/rising", "acme/flat")
    run(repos)
    MetricSnapshot.objects.update(day=timezone.now().date() - timedelta(days=40))
    fake_github.patch_repo("acme/rising", stars=35)
    run(repos)

    assert history.stars_deltas([r.id for r in repos]) == {repos[0].id: 25, repos[1].id: 0}
    from repositories.filters import filter_repositories

    ordered = list(filter_repositories({"ordering": "-stars_delta"}).values_list("full_name", flat=True))
    assert ordered == ["acme/rising", "acme/flat"]
    assert list(filter_repositories({"changed_days": "7"})) == []
