"""GitHub's timestamps: ``2024-12-19T12:01:11Z`` in, aware datetimes and epoch seconds out.

Kept apart so the catalog, the activity model and the generator share one reading and one
writing of a timestamp.
"""

from __future__ import annotations

from datetime import datetime, timezone

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


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


def epoch(value: str) -> int:
    """Whole seconds since 1970 of an ISO 8601 timestamp."""
    return int(parse_iso(value).timestamp())


def iso_of_epoch(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime(ISO_FORMAT)
