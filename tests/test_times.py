"""repohealth.runtime.times: the one way timestamps go into payloads and come back, and durations read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from repohealth.runtime.times import clock_text, duration_text, format_iso, parse_iso, seconds_between


def test_a_payload_timestamp_round_trips_in_utc_with_a_z():
    when = datetime(2026, 11, 29, 17, 0, 1, 250000, tzinfo=timezone(timedelta(hours=2)))
    text = format_iso(when)
    assert text == "2026-11-29T15:00:01.250000Z"
    assert parse_iso(text) == when


@pytest.mark.parametrize("value", [None, "", "not a time"])
def test_nothing_or_nonsense_parses_to_none(value):
    assert parse_iso(value) is None
    assert format_iso(None) is None


def test_seconds_between_takes_datetimes_or_payload_text():
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert seconds_between(format_iso(start), start + timedelta(seconds=90)) == 90.0
    assert seconds_between(None) is None


@pytest.mark.parametrize(("seconds", "text"), [
    (None, ""), (0.4, "0.4 s"), (12, "12 s"), (185, "3 min 5 s"), (180, "3 min"), (7440, "2 h 4 min"), (7200, "2 h"),
])
def test_durations_read_as_a_person_says_them(seconds, text):
    assert duration_text(seconds) == text


def test_an_eta_reads_as_a_clock():
    assert clock_text(245) == "4:05"
    assert clock_text(3723) == "1:02:03"
