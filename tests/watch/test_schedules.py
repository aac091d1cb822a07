"""Schedules and rechecks of dead answers (watch/schedules.py), as the upkeep job and
`manage.py runschedules --once` start them (retention: test_retention.py)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from repohealth.runtime import upkeep
from repositories.models import Label, Repository
from scans.models import ScanJob
from watch import schedules
from watch.models import Schedule

pytestmark = pytest.mark.django_db
Trigger = ScanJob.Trigger


def make(owner, label=None, **fields) -> Schedule:
    return Schedule.objects.create(owner=owner, name=fields.pop("name", "nightly"), label=label, **fields)


def test_a_due_schedule_scans_the_least_recently_checked_first_capped_with_its_share(owner, catalog, settings):
    label, repos = catalog
    schedule = make(owner, label, max_repositories=3, budget_share=50)

    assert schedules.start_due_schedules() == 1

    scan = ScanJob.objects.get()
    assert scan.repository_ids == [repos[0].id, repos[3].id, repos[1].id]  # never checked, then oldest
    assert (scan.trigger, scan.requested_by, scan.budget_share) == (Trigger.SCHEDULE, owner, 50)
    assert scan.scope == f"schedule {schedule.id} “nightly” · label watched"
    schedule.refresh_from_db()
    assert schedule.last_scan == scan
    expected = schedule.last_run_at + timedelta(minutes=24 * 60)
    assert schedule.next_run_at == expected


def test_a_schedule_never_starts_a_second_run_while_its_last_is_going(owner, catalog, settings):
    settings.SCHEDULE_MINUTE_SECONDS = 1
    schedule = make(owner, interval_minutes=1)
    schedules.start_due_schedules()
    Schedule.objects.filter(id=schedule.id).update(next_run_at=timezone.now() - timedelta(hours=1))

    assert schedules.start_due_schedules() == 0
    with pytest.raises(schedules.ScheduleBusy):
        schedules.schedule_run(schedule=schedule)
    ScanJob.objects.update(status=ScanJob.Status.COMPLETED)
    assert schedules.start_due_schedules() == 1


def test_a_missed_run_runs_once_not_once_per_missed_interval(owner, catalog):
    schedule = make(owner, interval_minutes=60, next_run_at=timezone.now() - timedelta(days=3))

    assert schedules.start_due_schedules() == 1
    ScanJob.objects.update(status=ScanJob.Status.COMPLETED)
    assert schedules.start_due_schedules() == 0

    schedule.refresh_from_db()
    assert ScanJob.objects.count() == 1
    assert schedule.next_run_at == schedule.last_run_at + timedelta(minutes=60)
    assert schedule.last_run_at > timezone.now() - timedelta(days=1), "from when it ran, not from when it was due"


def test_paused_schedules_and_deactivated_owners_schedules_do_not_run(owner, other_user, catalog):
    make(owner, active=False)
    make(other_user)
    other_user.is_active = False
    other_user.save()
    assert schedules.start_due_schedules() == 0


def test_a_schedule_of_an_empty_label_says_so_and_waits_an_interval(owner, db):
    schedule = make(owner, Label.objects.create(name="empty"))
    assert schedules.start_due_schedules() == 0
    schedule.refresh_from_db()
    assert schedule.last_error == "label empty holds no repository"
    assert schedule.next_run_at > timezone.now()


def test_runschedules_once_starts_what_is_due_and_exits(owner, catalog):
    make(owner)
    out = StringIO()
    call_command("runschedules", "--once", stdout=out)
    assert "1 scheduled scan started" in out.getvalue()
    assert ScanJob.objects.filter(trigger=Trigger.SCHEDULE).count() == 1


def test_suspected_repositories_are_rechecked_once_the_gap_has_passed(catalog, settings):
    settings.HEALTH_RECHECK_SECONDS = 1800
    _, repos = catalog
    now = timezone.now()
    Repository.objects.filter(id=repos[0].id).update(suspected=True, suspected_since=now - timedelta(seconds=1900))
    Repository.objects.filter(id=repos[1].id).update(suspected=True, suspected_since=now - timedelta(seconds=60))

    assert schedules.start_dead_rechecks() == 1
    assert schedules.start_dead_rechecks() == 0, "one recheck at a time"

    scan = ScanJob.objects.get()
    assert (scan.trigger, scan.requested_by, scan.repository_ids) == (Trigger.RECHECK, None, [repos[0].id])
    assert scan.scope == "recheck of 1 suspected repository"


def test_the_upkeep_job_runs_the_watch_tasks(owner, catalog):
    make(owner)
    outcome = upkeep.run()
    assert outcome["watch.tasks.start_due_schedules"] == 1
    assert {"watch.tasks.start_dead_rechecks", "watch.tasks.digest_finished_scans",
            "watch.tasks.send_due_deliveries", "watch.tasks.prune"} <= set(outcome)
