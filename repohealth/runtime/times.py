"""Times and durations: one way to write a timestamp into a payload, read any ISO 8601 timestamp
(a payload's, GitHub's, a query parameter's), and say how long something took. Pages, the API,
the admin, `runscan` and the GitHub client all use these, so this module is plain Python: no
Django (a naive time is UTC, as the project's TIME_ZONE is)."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone as dt_timezone


def _aware(value: datetime) -> datetime:
    """`value` with a time zone: a naive one is read as UTC."""
    return value if value.utcoffset() is not None else value.replace(tzinfo=dt_timezone.utc)


def format_iso(value: datetime | None) -> str | None:
    """A payload timestamp: ISO 8601 in UTC with a `Z` (`2026-11-29T17:00:00.123456Z`)."""
    if value is None:
        return None
    return _aware(value).astimezone(dt_timezone.utc).isoformat().replace("+00:00", "Z")


def parse_iso(value) -> datetime | None:
    """The inverse of `format_iso`; also takes a datetime (returned aware) and '' or None (None).
    Text that is not a timestamp is None, never an exception: payloads may come from old code."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return _aware(value)
    try:
        return _aware(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return None


def seconds_between(start, end=None) -> float | None:
    """Seconds from `start` to `end` (now when absent); None without a start. Either may be a
    datetime or a payload timestamp."""
    started = parse_iso(start)
    if started is None:
        return None
    ended = parse_iso(end) or datetime.now(dt_timezone.utc)
    return max(0.0, (ended - started).total_seconds())


def duration_text(seconds) -> str:
    """0.4 s, 12 s, 3 min 5 s, 2 h 4 min; '' for no value."""
    if seconds in (None, ""):
        return ""
    seconds = float(seconds)
    if seconds < 10 and not seconds.is_integer():
        return f"{seconds:.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def clock_text(seconds) -> str:
    """An ETA as a clock: 4:05, 1:02:03."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
