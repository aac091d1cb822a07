"""The catalog's memory: what changed in each repository, when, found by which scan.

The scan's write path hands every checked repository here (`capture` its values before a GitHub
answer is applied; `record_changes` in the transaction that writes the rows), and this module
writes, in bulk:

- a `RepositoryChange` per changed field of interest (`FIELDS`, the maintenance verdict too), with
  the scan's id as a plain value, the time, the old and new values and the `event` it means to
  people who watch (`event_for`). Going inactive is one transition: the verdict's row says
  `inactive` (the event once called `stale`), and the health's row to stale says it only when no
  verdict row does. A verdict a person set (`maintenance_override`) is told to nobody;
- a `MetricSnapshot` (stars, forks, open issues, watchers) when one of them changed: at most one
  a day per repository (the day's last values);
- nothing at all for a repository that did not change, so an unchanged catalog costs no rows.

A repository's first successful check is its baseline: it writes a snapshot, never a change.

Dead outcomes (not found, blocked) are rechecked before they are history: the first check that
sees one makes the repository `suspected` (its health shows the outcome at once); the change is
recorded, with event `dead`, by the check that makes it HEALTH_RECHECK_SCANS consecutive dead
checks at least HEALTH_RECHECK_SECONDS after the first. A suspected repository that answers
again was never dead: no change is recorded. A failed check (`error`) changes nothing here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from repohealth.runtime.times import format_iso
from repositories.bulk import insert, update_fields
from repositories.health import DEAD
from repositories.models import MetricSnapshot, Repository, RepositoryChange

Health = Repository.Health
Event = RepositoryChange.Event
Verdict = Repository.Maintenance

FIELDS = ("health", "full_name", "archived", "default_branch", "license", "fork", "description", "name_reused",
          "maintenance")
METRICS = ("stars", "forks", "open_issues", "watchers")
# A health that says nothing about the repository yet: changes from it are not history.
BASELINE = frozenset({Health.UNKNOWN, Health.ERROR})
SUSPICION_FIELDS = ("suspected", "suspected_since", "suspect_checks", "health_before_suspicion")
TRANSITION_KEYS = ("repository_id", "full_name", "event", "field", "old", "new", "at")
# Fields a person changes (repositories.services.repository_set_maintenance): history, never an alert.
PERSON_FIELDS = ("maintenance_override", "maintenance")
# Every field a change row may name (what `/api/changes?field=` and the changes page take).
CHANGE_FIELDS = tuple(dict.fromkeys((*FIELDS, *PERSON_FIELDS)))
# Former names of events, still taken where events are chosen: going stale is going inactive.
EVENT_ALIASES = {"stale": Event.INACTIVE}
# Verdicts that say nothing of the repository (not checked, or no answer: its health says which):
# a change to or from one is no verdict change.
UNJUDGED = frozenset({Verdict.UNKNOWN})
NEGLECTED = frozenset({Verdict.INACTIVE, Verdict.DEPRECATED})


def capture(repo: Repository) -> dict[str, Any]:
    """What `record_changes` compares: a repository's values before a GitHub answer is applied."""
    return {name: getattr(repo, name) for name in (*FIELDS, *METRICS, "last_checked_at")}


def record_changes(*, scan_id, before: dict[int, dict[str, Any]], after: Iterable[Repository]) -> int:
    """Write the history of these checked repositories (`before`: their values of FIELDS, METRICS
    and `last_checked_at` before the check; `after`: the repositories as written). Returns the
    number of rows written (changes and snapshots)."""
    changes: list[RepositoryChange] = []
    snapshots: dict[tuple[int, Any], MetricSnapshot] = {}
    suspicions: list[Repository] = []
    now = timezone.now()
    for repo in after:
        old = before.get(repo.id)
        if old is None:
            continue
        at = repo.last_checked_at or now
        known = old["last_checked_at"] is not None
        found = []
        if known:
            for name in FIELDS[1:]:
                if old[name] != getattr(repo, name) and not _unjudged(name, old[name], getattr(repo, name)):
                    found.append((name, old[name], getattr(repo, name)))
        suspicion = tuple(getattr(repo, f) for f in SUSPICION_FIELDS)
        if (health := _judge_health(repo, old["health"], at)) is not None and health[0] not in BASELINE:
            found.insert(0, ("health", *health))
        if tuple(getattr(repo, f) for f in SUSPICION_FIELDS) != suspicion:
            suspicions.append(repo)
        for (name, was, now_is), event in zip(found, _events(repo, found), strict=True):
            changes.append(RepositoryChange(
                repository_id=repo.id, full_name=repo.full_name, scan_id=scan_id, field=name, old=was, new=now_is,
                event=event, at=at))
        if repo.github_id is not None and (not known or any(old[m] != getattr(repo, m) for m in METRICS)):
            snapshots[(repo.id, at.date())] = MetricSnapshot(
                repository_id=repo.id, day=at.date(), **{m: getattr(repo, m) for m in METRICS})
    insert(changes)
    insert(list(snapshots.values()), unique=("repository", "day"), update=METRICS)
    if suspicions:
        update_fields(suspicions, SUSPICION_FIELDS)
    return len(changes) + len(snapshots)


def _judge_health(repo: Repository, old_health: str, at: datetime) -> tuple[str, str] | None:
    """The health change this check records, if any, as (old, new); updates the suspicion."""
    new = repo.health
    recorded = repo.health_before_suspicion if repo.suspected else old_health
    if new in DEAD and recorded not in DEAD:
        if not repo.suspected:
            repo.suspected, repo.suspected_since, repo.suspect_checks = True, at, 0
            repo.health_before_suspicion = recorded
        repo.suspect_checks += 1
        gap = timedelta(seconds=settings.HEALTH_RECHECK_SECONDS)
        if repo.suspect_checks < settings.HEALTH_RECHECK_SCANS or at - repo.suspected_since < gap:
            return None
    if repo.suspected:
        repo.suspected, repo.suspected_since, repo.suspect_checks, repo.health_before_suspicion = False, None, 0, ""
    return (recorded, new) if new != recorded else None


def record_person_changes(*, repository: Repository, found: Iterable[tuple[str, Any, Any]], at: datetime) -> int:
    """Write what a person changed of one repository, (field, old, new) each: no scan found it and
    nobody is alerted (no event). Returns the number of rows written."""
    rows = [RepositoryChange(repository_id=repository.id, full_name=repository.full_name, scan_id=None, field=name,
                             old=old, new=new, event="", at=at) for name, old, new in found if old != new]
    insert(rows)
    return len(rows)
def _unjudged(field: str, old, new) -> bool:
    """A verdict to or from `unknown`: no history (the health row tells what happened)."""
    return field == "maintenance" and (old in UNJUDGED or new in UNJUDGED)


def _events(repo: Repository, found: list[tuple[str, Any, Any]]) -> list[str]:
    """The event of each change of one check. Each transition is told once: going inactive, or
    maintained again, by the verdict's row (the health's row to or from stale only when no verdict
    row tells it), an archival by
    the health's row (not again by the verdict's `deprecated` it brings). A verdict a person set
    (`maintenance_override`) is told to nobody: an override sends no alert (`_silenced`)."""
    renamed = any(name == "full_name" for name, _, _ in found)
    events = [event_for(name, was, now_is, renamed=renamed) for name, was, now_is in found]
    overridden = bool(repo.maintenance_override)
    told = {(name, event) for (name, _, _), event in zip(found, events, strict=True)}
    return ["" if _silenced(name, was, now_is, event, overridden=overridden, told=told) else event
            for (name, was, now_is), event in zip(found, events, strict=True)]


def _silenced(name: str, old, new, event: str, *, overridden: bool, told: set[tuple[str, str]]) -> bool:
    """A verdict a person set, and the health's move to or from stale that follows it, tell nobody;
    nor is a health gone stale (or back) told beside the verdict's row that tells it, nor an
    archival twice."""
    if name == "maintenance":
        return overridden or (event == Event.DEPRECATED and ("health", Event.ARCHIVED) in told)
    moved_by_verdict = name == "health" and Health.STALE in (old, new) and event in (Event.INACTIVE, Event.RECOVERED)
    told_by_verdict = ("maintenance", Event.INACTIVE if event == Event.INACTIVE else Event.MAINTAINED_AGAIN) in told
    return moved_by_verdict and (overridden or told_by_verdict)


def event_for(field: str, old, new, *, renamed: bool = False) -> str:
    """What a change means to people who watch ('' when it means nothing to alert on): a rename
    is `moved` (on the full_name row; on the health row only when the name could not change);
    a health gone stale is `inactive` (unless the verdict's row tells it: `_events`)."""
    if field == "full_name":
        return Event.MOVED
    if field == "name_reused":  # the name now points at a stranger's repository
        return Event.NAME_REUSED if new else ""
    if field == "maintenance":
        return _verdict_event(old, new)
    if field != "health":
        return ""
    if new in DEAD:
        return Event.DEAD if old not in DEAD else ""
    return {Health.ARCHIVED: Event.ARCHIVED, Health.STALE: Event.INACTIVE, Health.HEALTHY: Event.RECOVERED,
            Health.MOVED: "" if renamed else Event.MOVED}.get(new, "")


def _verdict_event(old, new) -> str:
    """`inactive` and `deprecated` when a verdict becomes one; `maintained_again` from either back
    to active or quiet; nothing for `finished` (never alerted) or to or from `unknown`."""
    if old in UNJUDGED or new in UNJUDGED or old == new:
        return ""
    if new in NEGLECTED:
        return Event(new)
    if new in (Verdict.ACTIVE, Verdict.QUIET) and old in NEGLECTED:
        return Event.MAINTAINED_AGAIN
    return ""


def event_names(values: Iterable[str]) -> list[str]:
    """Events as chosen (`stale` taken as its new name `inactive`), each once, in Event's order."""
    wanted = {EVENT_ALIASES.get(value, value) for value in values}
    return [event for event in Event.values if event in wanted]


# --- reads --------------------------------------------------------------------------------------------
def transition(change: RepositoryChange) -> dict[str, Any]:
    """A change as the API, the digests and the feed show it (TRANSITION_KEYS)."""
    return {"repository_id": change.repository_id, "full_name": change.full_name, "event": change.event or None,
            "field": change.field, "old": change.old, "new": change.new, "at": format_iso(change.at)}


def changes(*, repositories: QuerySet[Repository] | None = None, since: datetime | None = None,
            fields: Iterable[str] = (), events: Iterable[str] = (), scan_id=None) -> QuerySet[RepositoryChange]:
    """Change rows, newest first, narrowed by each argument given."""
    qs = RepositoryChange.objects.all()
    if repositories is not None:
        qs = qs.filter(repository_id__in=repositories.order_by().values("id"))
    if since is not None:
        qs = qs.filter(at__gte=since)
    if fields := list(fields):
        qs = qs.filter(field__in=fields)
    if events := list(events):
        qs = qs.filter(event__in=events)
    if scan_id is not None:
        qs = qs.filter(scan_id=scan_id)
    return qs.order_by("-at", "-id")


EVENT_WORDS = {Event.DEAD: "dead", Event.ARCHIVED: "archived", Event.MOVED: "renamed or moved",
               Event.INACTIVE: "gone inactive", Event.DEPRECATED: "deprecated",
               Event.MAINTAINED_AGAIN: "maintained again", Event.RECOVERED: "back to healthy",
               Event.NAME_REUSED: "name reused"}


def summary_text(rows: Iterable[RepositoryChange]) -> str:
    """'3 archived, 1 renamed or moved, 2 back to healthy, 4 other changes' ('' for none)."""
    counted = Counter(row.event or "" for row in rows)
    parts = [f"{counted[e]:,} {EVENT_WORDS[e]}" for e in Event.values if counted[e]]
    if other := counted[""]:
        parts.append(f"{other:,} other change{'' if other == 1 else 's'}")
    return ", ".join(parts)


def scan_summary(scan_id) -> str:
    """What one scan changed, in words."""
    return summary_text(RepositoryChange.objects.filter(scan_id=scan_id).only("event"))


def changed_within(queryset: QuerySet[Repository], days: float) -> QuerySet[Repository]:
    """The repositories with a recorded change in the last `days` days."""
    recent = RepositoryChange.objects.filter(at__gte=timezone.now() - timedelta(days=days)).values("repository_id")
    return queryset.filter(id__in=recent)


def with_stars_delta(queryset: QuerySet[Repository], days: int = 30) -> QuerySet[Repository]:
    """Annotates `stars_delta`: stars now minus stars `days` ago (the last snapshot on or before
    that day; for a repository tracked for less long, its first snapshot; 0 without one)."""
    cutoff = timezone.now().date() - timedelta(days=days)
    mine = MetricSnapshot.objects.filter(repository=OuterRef("pk"))
    then = mine.filter(day__lte=cutoff).order_by("-day").values("stars")[:1]
    first = mine.order_by("day").values("stars")[:1]
    return queryset.annotate(stars_delta=F("stars") - Coalesce(Subquery(then), Subquery(first), F("stars")))


def stars_deltas(ids: Iterable[int], days: int = 30) -> dict[int, int]:
    return dict(with_stars_delta(Repository.objects.filter(id__in=list(ids)), days).values_list("id", "stars_delta"))


def metric_series(repository: Repository, *, days: int = 365) -> list[MetricSnapshot]:
    since = timezone.now().date() - timedelta(days=days)
    return list(repository.snapshots.filter(day__gte=since).order_by("day"))
