"""One presenter (scans.presenter) over the progress payload for the panel, toast, scan page,
admin and runscan; it decides from structured fields, never from the words of `message`."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from repohealth.runtime.times import format_iso
from repositories.health import COUNTERS
from scans.models import ScanJob
from scans.presenter import counts_text, finish_summary, present

Status = ScanJob.Status


def payload(**fields) -> dict:
    base = {"job_id": "j", "status": Status.RUNNING, "current": 3, "total": 10, "message": "", "percent": 30,
            **dict.fromkeys(COUNTERS, 0), "rate_limit": {"remaining": None, "reset_at": None},
            "waiting_reason": None, "waiting_until": None, "cancel_requested": False}
    return {**base, **fields}


def test_counts_follow_the_outcomes_table_and_read_as_sentences():
    view = present(payload(healthy=2, errors=1))
    assert [c["key"] for c in view["counts"]] == list(COUNTERS)
    assert counts_text(payload(healthy=2, errors=1, not_found=1)) == "2 healthy, 1 not found, 1 error"


def test_a_wait_comes_from_the_waiting_fields_not_the_message():
    until = timezone.now() + timedelta(minutes=3)
    waiting = present(payload(waiting_reason="Rate limited by GitHub", waiting_until=format_iso(until)))
    assert waiting["waiting"]
    assert waiting["waiting_reason"] == "Rate limited by GitHub"
    assert not present(payload(message="Rate limited by GitHub; resuming at 12:00:00"))["waiting"]


def test_a_finished_scan_is_not_live_and_has_a_summary_and_a_duration():
    start = timezone.now() - timedelta(seconds=75)
    view = present(payload(status=Status.COMPLETED, healthy=9, archived=1, started_at=format_iso(start),
                           finished_at=format_iso(start + timedelta(seconds=75))))
    assert not view["live"]
    assert view["summary"] == "Scan complete: 9 healthy, 1 archived"
    assert view["duration_seconds"] == 75.0


def test_a_running_scan_has_a_duration_so_far_as_the_model_does():
    start = timezone.now() - timedelta(seconds=40)
    view = present(payload(status=Status.RUNNING, started_at=format_iso(start)))
    assert view["live"]
    assert view["finished_at"] is None
    assert view["duration_seconds"] >= 40.0


def test_summaries_of_failed_and_cancelled_scans_say_why_and_how_far():
    assert finish_summary(payload(status=Status.FAILED, error="token rejected")) == "Scan failed: token rejected"
    assert finish_summary(payload(status=Status.CANCELLED, healthy=3)) == "Scan cancelled: 3 of 10 checked (3 healthy)"


def test_a_cancel_shows_while_the_scan_is_live_only():
    assert present(payload(cancel_requested=True))["status_label"] == "Cancelling"
    assert present(payload(status=Status.CANCELLED, cancel_requested=True))["status_label"] == "Cancelled"
