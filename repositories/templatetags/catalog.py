"""Small presentation helpers for the pages: relative times, durations, health and maintenance badges,
change values, outcome bars.

Everything here escapes what it is given (format_html); nothing marks untrusted text safe.
"""

from __future__ import annotations

from datetime import timezone as dt_timezone
from urllib.parse import urlparse

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from repohealth.runtime.times import duration_text, parse_iso
from repositories.health import SCAN_OUTCOMES, outcome_of
from repositories.models import Repository
from repositories.packages import UNVERIFIED, provenance_words
from repositories.packages import package_spec as spec_of

register = template.Library()

_UNITS = (
    (365 * 24 * 3600, "year"),
    (30 * 24 * 3600, "month"),
    (7 * 24 * 3600, "week"),
    (24 * 3600, "day"),
    (3600, "hour"),
    (60, "minute"),
)


@register.filter
def relative_time(value, now=None) -> str:
    """'3 days ago', 'in 5 minutes', 'just now'; '' when there is no date."""
    when = parse_iso(value)
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
    when = parse_iso(value)
    return when.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if when else ""


@register.filter
def duration(seconds) -> str:
    """0.4 s, 12 s, 3 min 5 s, 2 h 4 min."""
    return duration_text(seconds)


@register.filter
def number(value) -> str:
    """Every count on every page one way: 2,794; "—" when there is none."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def known(repository, field: str) -> str:
    """A repository's metadata field as a page shows it: numbers as `number`, true/false as yes/no,
    and "—" while GitHub has not answered for it (never checked, not found), never 0 or "no"."""
    if not repository.metadata_known:
        return "—"
    value = getattr(repository, field)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return number(value)
    return value or "—"


@register.filter
def web_url(value) -> str:
    """The URL when it is http(s); '' otherwise (a `javascript:` homepage is never a link)."""
    text = str(value or "").strip()
    return text if urlparse(text).scheme in ("http", "https") and urlparse(text).netloc else ""


@register.simple_tag
def health_badge(value, detail: str = "") -> str:
    """A coloured pill; its tooltip (title) gives the detail, e.g. 'renamed: x/a → x/b'."""
    outcome = outcome_of(value)
    return format_html('<span class="badge {}" title="{}">{}</span>', outcome.css, detail or outcome.label,
                       outcome.label)


@register.simple_tag
def maintenance_badge(value, reasons=()) -> str:
    """The maintenance verdict as a pill; its tooltip gives the reasons' sentences."""
    label = dict(Repository.Maintenance.choices).get(value, "Unknown")
    title = "; ".join(str(r.get("text", "")) for r in reasons or () if isinstance(r, dict)) or label
    return format_html('<span class="badge badge--m-{}" title="{}">{}</span>', value or "unknown", title, label)


@register.simple_tag
def provenance_badge(value) -> str:
    """How a package's repository is known, as a tag (its sentence in the tooltip); a mapping from
    unverified metadata stands out as a warning badge."""
    words, sentence = provenance_words(value or "")
    css = "badge badge--stale" if value == UNVERIFIED else "tag"
    return format_html('<span class="{}" title="{}">{}</span>', css, sentence, words)


@register.filter
def package_spec(package) -> str:
    """`name@version` (the name alone when not pinned)."""
    return spec_of(package)


@register.filter
def change_value(value) -> str:
    """A change row's old or new value as a person reads it: an override as 'finished by alice:
    "note"' (or 'cleared by alice'), nothing as '—'."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict) and "value" in value:
        said = value.get("value") or "cleared"
        by = f" by {value['by']}" if value.get("by") else ""
        note = f": “{value['note']}”" if value.get("note") else ""
        return f"{said}{by}{note}"
    return str(value)


@register.simple_tag
def outcome_bar(counts: dict, total: int | None = None) -> str:
    """A small stacked bar of outcome counts (a dict keyed like the progress payload)."""
    segments = [(outcome, int(counts.get(outcome.counter) or 0)) for outcome in SCAN_OUTCOMES]
    done = sum(n for _, n in segments)
    rest = max(0, int(total or 0) - done)
    parts = [(outcome.css, n, outcome.count_text(n)) for outcome, n in segments if n]
    if rest:
        parts.append(("outcome-bar__rest", rest, f"{rest} not checked"))
    if not parts:
        return format_html('<span class="outcome-bar outcome-bar--empty" aria-hidden="true"></span>')
    label = ", ".join(title for _, _, title in parts)
    # Each part's width as a whole percentage in data-percent (app.css): the Content-Security-Policy
    # refuses style attributes.
    whole = sum(n for _, n, _ in parts)
    parts = [(css, round(n * 100 / whole), title) for css, n, title in parts]
    inner = format_html_join("", '<span class="outcome-bar__part {}" data-percent="{}" title="{}"></span>', parts)
    return format_html('<span class="outcome-bar" role="img" aria-label="{}">{}</span>', label, inner)


@register.simple_tag
def outcome_counts_text(counts: dict) -> str:
    """'3 healthy · 0 stale · ... · 1 error': every outcome of a scan's counts, in order."""
    return " · ".join(outcome.count_text(int(counts.get(outcome.counter) or 0)) for outcome in SCAN_OUTCOMES)
