"""Small presentation helpers for the pages: relative times, durations, health badges, outcome bars.

Everything here escapes what it is given (format_html); nothing marks untrusted text safe.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timezone as dt_timezone
from urllib.parse import urlparse

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join

from repositories.models import Repository

register = template.Library()

Health = Repository.Health

# Outcome counter (the progress payload's key) -> the health state it counts.
COUNTER_HEALTH = {
    "healthy": Health.HEALTHY,
    "stale": Health.STALE,
    "archived": Health.ARCHIVED,
    "moved": Health.MOVED,
    "not_found": Health.NOT_FOUND,
    "blocked": Health.BLOCKED,
    "errors": Health.ERROR,
}

_UNITS = (
    (365 * 24 * 3600, "year"),
    (30 * 24 * 3600, "month"),
    (7 * 24 * 3600, "week"),
    (24 * 3600, "day"),
    (3600, "hour"),
    (60, "minute"),
)


def _as_datetime(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = parse_datetime(value.replace("Z", "+00:00"))
    if isinstance(value, datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, dt_timezone.utc)
    return value if isinstance(value, datetime) else None


@register.filter
def relative_time(value, now=None) -> str:
    """'3 days ago', 'in 5 minutes', 'just now'; '' when there is no date."""
    when = _as_datetime(value)
    if when is None:
        return ""
    now = now or timezone.now()
    seconds = (now - when).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now"
    size, unit = next(((size, unit) for size, unit in _UNITS if seconds >= size), (60, "minute"))
    count = max(1, int(seconds // size))
    text = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {text}" if future else f"{text} ago"


@register.filter
def exact_time(value) -> str:
    when = _as_datetime(value)
    return when.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if when else ""


@register.filter
def duration(seconds) -> str:
    """0.4 s, 12 s, 3 min 5 s, 2 h 4 min."""
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


@register.filter
def web_url(value) -> str:
    """The URL when it is http(s); '' otherwise (a `javascript:` homepage is never a link)."""
    text = str(value or "").strip()
    return text if urlparse(text).scheme in ("http", "https") and urlparse(text).netloc else ""


@register.simple_tag
def health_badge(value, detail: str = "") -> str:
    """A coloured pill; its tooltip (title) gives the detail, e.g. 'renamed to x/y'."""
    try:
        health = Health(value)
    except ValueError:
        health = Health.UNKNOWN
    title = detail or health.label
    return format_html('<span class="badge badge--{}" title="{}">{}</span>', health.value, title, health.label)


@register.simple_tag
def outcome_bar(counts: dict, total: int | None = None) -> str:
    """A small stacked bar of outcome counts (a dict keyed like the progress payload)."""
    segments = [(key, health, int(counts.get(key) or 0)) for key, health in COUNTER_HEALTH.items()]
    done = sum(n for _, _, n in segments)
    rest = max(0, int(total or 0) - done)
    parts = [(f"badge--{health.value}", n, f"{n} {health.label.lower()}") for _, health, n in segments if n]
    if rest:
        parts.append(("outcome-bar__rest", rest, f"{rest} not checked"))
    if not parts:
        return format_html('<span class="outcome-bar outcome-bar--empty" aria-hidden="true"></span>')
    label = ", ".join(title for _, _, title in parts)
    inner = format_html_join("", '<span class="outcome-bar__part {}" style="flex-grow: {}" title="{}"></span>', parts)
    return format_html('<span class="outcome-bar" role="img" aria-label="{}">{}</span>', label, inner)
