"""GitHub's timestamps: ``2024-12-19T12:01:11Z`` in, aware datetimes and epoch seconds out.

Kept apart so the catalog, the activity model and the generator share one reading and one
writing of a timestamp.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def parse_iso(value: str) -> datetime:
    """Parse GitHub's ISO 8601 timestamps (``2024-12-19T12:01:11Z``); a naive one is UTC."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    """The UTC ``...Z`` spelling GitHub answers with."""
    return moment.astimezone(timezone.utc).strftime(ISO_FORMAT)


def canonical(value: str) -> str:
    """The ``...Z`` UTC spelling of a timestamp, whole seconds: these sort as the moments do.
    One already so spelled is checked and kept (a catalog of 100,000 repositories is read fast)."""
    if isinstance(value, str) and _CANONICAL.fullmatch(value):
        parse_iso(value)  # a real date and time
        return value
    return iso(parse_iso(value))


def epoch(value: str) -> int:
    """Whole seconds since 1970 of an ISO 8601 timestamp."""
    return int(parse_iso(value).timestamp())


def iso_of_epoch(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime(ISO_FORMAT)
