"""How a scan reads to a person, from its progress payload alone: the htmx panel, the toast, the
scan page, the admin and `runscan` all present a scan through `present()`.

Decisions come from the payload's structured fields (`status`, the counters, `waiting_until`,
`waiting_reason`, `cancel_requested`), never from the words of `message`.
"""

from __future__ import annotations

from typing import Any

from repohealth.runtime.times import parse_iso, seconds_between
from repositories.health import SCAN_OUTCOMES
from scans.models import ScanJob

Status = ScanJob.Status

# The browser stops polling a panel after this long without progress (static/js/app.js reads it
# from the panel's data attribute); see the note in app.js on why this is done in the browser.
STALL_AFTER_MS = 30 * 60 * 1000


def outcome_counts(payload: dict) -> list[dict[str, Any]]:
    """Every outcome with its count, in the table's order."""
    return [
        {"key": outcome.counter, "health": outcome.health.value, "label": outcome.label, "css": outcome.css,
         "count": int(payload.get(outcome.counter) or 0),
         "text": outcome.count_text(int(payload.get(outcome.counter) or 0))}
        for outcome in SCAN_OUTCOMES
    ]


def counts_text(payload: dict, *, separator: str = ", ") -> str:
    """'95 healthy, 3 archived, 1 error': the outcomes that happened."""
    return separator.join(count["text"] for count in outcome_counts(payload) if count["count"])


def finish_summary(payload: dict) -> str:
    """'Scan complete: 95 healthy, 3 archived, 1 moved, 1 not found' (what the toast says)."""
    parts = counts_text(payload)
    status = payload.get("status")
    if status == Status.FAILED:
        return f"Scan failed: {payload.get('error') or payload.get('message') or 'unknown error'}"
    if status == Status.CANCELLED:
        done = f"{int(payload.get('current') or 0):,} of {int(payload.get('total') or 0):,} checked"
        return f"Scan cancelled: {done}" + (f" ({parts})" if parts else "")
    return f"Scan complete: {parts or 'nothing to check'}"


def _passes(payload: dict, total: int) -> dict[str, Any]:
    """Health first (scans/run/passes.py): which pass this scan is, the other pass, and when each
    is expected to finish at the current budget. Payloads older than these keys read as one pass."""
    scan_pass = payload.get("pass") or ""
    expected = payload.get("expected_finish") or {}
    noun = ScanJob.Pass(scan_pass).label if scan_pass else "Scan"
    return {
        "title": f"{noun} of {total:,} repositor{'y' if total == 1 else 'ies'}",
        "scan_pass": scan_pass,
        "health_pass_id": payload.get("health_pass_id") or "",
        "metadata_pass_id": payload.get("metadata_pass_id") or "",
        "metadata_due": int(payload.get("metadata_due") or 0),
        "budget_share": int(payload.get("budget_share") or 100),
        "points_per_hour": payload.get("points_per_hour"),
        "expected_health": parse_iso(expected.get("health")),
        "expected_metadata": parse_iso(expected.get("metadata")),
    }


def present(payload: dict, *, cancelling: bool = False, notice: str = "") -> dict[str, Any]:
    """Everything a page, the admin or the terminal shows of a scan."""
    status = Status(payload["status"])
    live = status in ScanJob.LIVE
    cancelling = live and (cancelling or bool(payload.get("cancel_requested")))
    rate_limit = payload.get("rate_limit") or {}
    waiting_until = parse_iso(payload.get("waiting_until"))
    current, total = int(payload.get("current") or 0), int(payload.get("total") or 0)
    started_at, finished_at = parse_iso(payload.get("started_at")), parse_iso(payload.get("finished_at"))
    elapsed = seconds_between(started_at, finished_at)
    return {
        **_passes(payload, total),
        "job_id": payload["job_id"],
        "status": status.value,
        "status_label": "Cancelling" if cancelling else status.label,
        "live": live,
        "cancelling": cancelling,
        "message": payload.get("message") or "",
        "current": current,
        "total": total,
        "percent": max(0, min(100, int(payload.get("percent") or 0))),
        "counts": outcome_counts(payload),
        "eta_seconds": payload.get("eta_seconds") if status == Status.RUNNING else None,
        "waiting": live and waiting_until is not None,
        "waiting_reason": payload.get("waiting_reason") or "",
        "waiting_until": waiting_until,
        "rate_limit_remaining": rate_limit.get("remaining"),
        "mode": payload.get("mode") or "",
        "points_spent": int(payload.get("points_spent") or 0),
        "rate_limit_reset_at": parse_iso(rate_limit.get("reset_at")),
        "error": payload.get("error") or "",
        "is_cancelled": status == Status.CANCELLED,
        "can_resume": status in (Status.FAILED, Status.CANCELLED),
        "started_at": started_at,
        "finished_at": finished_at,
        # As ScanJob.duration_seconds: time so far while it runs; finished: how long it took.
        "duration_seconds": elapsed,
        "summary": "" if live else finish_summary(payload),
        "notice": notice,
        "stall_after_ms": STALL_AFTER_MS,
    }
