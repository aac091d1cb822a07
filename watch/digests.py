"""One digest per finished scan: every confirmed transition the scan recorded (change rows with an
event), sent once to each subscription it concerns, never one message per repository.

The upkeep job finds finished scans that have no `Digest` row yet. For each, in one
transaction, it writes the Digest (a scan has at most one: the table's unique key) and one
pending `Delivery` per webhook and e-mail subscription with transitions to tell (only those
recorded since it was created or last switched on: a subscription made after a scan ended is not
told of that scan, even when the scan is digested later); the deliveries are enqueued once that
is committed (and picked up again by `send_due_deliveries` if the queue missed them). A crash
before the commit means the scan is digested on the next pass; after it, the deliveries exist and
are sent: late, never lost, never doubled. Feeds read the same change rows when they are fetched.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from repositories.history import changes, event_names, summary_text, transition
from repositories.models import Repository, RepositoryChange, SourcePackage
from repositories.packages import packages_behind, packages_text
from repositories.sources import source_latest, source_repositories
from scans.models import ScanJob
from scans.selectors import can_see
from watch.deliveries import enqueue
from watch.links import site_url, subscription_url, unsubscribe_url
from watch.models import Delivery, Digest, Subscription, covers

Channel = Subscription.Channel
Event = RepositoryChange.Event
BATCH = 200


def digest_finished_scans(limit: int = BATCH) -> int:
    """Digest the finished scans not digested yet, oldest first; how many deliveries were made."""
    made = 0
    undigested = ScanJob.objects.filter(status__in=ScanJob.FINISHED, digest__isnull=True).order_by("finished_at")
    for scan in undigested[:limit]:
        made += digest_scan(scan)
    return made


def digest_scan(scan: ScanJob) -> int:
    """The digest of one finished scan; the number of deliveries it made (0 when another pass
    digested it first, or nobody is told of anything)."""
    rows = list(changes(scan_id=scan.id).exclude(event="").order_by("at", "id"))
    subscriptions = list(Subscription.objects.filter(
        active=True, owner__is_active=True, channel__in=[Channel.WEBHOOK, Channel.EMAIL]
    ).select_related("owner", "label", "source")
    ) if rows else []
    covered = {**_labelled(rows, subscriptions), **_sourced(rows, subscriptions)}
    deliveries = []
    for subscription in subscriptions:
        mine = [row for row in rows if _tells(subscription, row, covered)]
        if mine:
            deliveries.append(_delivery(subscription, scan, mine))
    try:
        with transaction.atomic():
            Digest.objects.create(scan=scan, transitions=len(rows), deliveries=len(deliveries))
            Delivery.objects.bulk_create(deliveries)
            made = list(Delivery.objects.filter(scan=scan, kind=Delivery.Kind.DIGEST).values_list("id", flat=True))
            transaction.on_commit(lambda: _enqueue(made))
    except IntegrityError:  # another pass digested it first
        return 0
    return len(deliveries)


def _enqueue(ids: list[int]) -> None:
    for delivery_id in ids:
        enqueue(delivery_id)


def _scope(subscription: Subscription) -> tuple[str, int] | None:
    """The label or the source a subscription covers, as a key of `covered`; None: everything."""
    if subscription.label_id:
        return "label", subscription.label_id
    return ("source", subscription.source_id) if subscription.source_id else None


def _tells(subscription: Subscription, row: RepositoryChange, covered: dict[tuple[str, int], set[int]]) -> bool:
    """Whether this subscription is told of this row: one of its events, of its label or source,
    and recorded since it was created or last switched on (a scan that ended before it asked stays
    untold)."""
    scope = _scope(subscription)
    return (row.event in event_names(subscription.events) and row.at >= subscription.active_since
            and (scope is None or row.repository_id in covered[scope]))


def _labelled(rows: list[RepositoryChange], subscriptions: list[Subscription]) -> dict[tuple[str, int], set[int]]:
    """For each label the subscriptions name, which repositories of these rows carry it."""
    label_ids = {s.label_id for s in subscriptions if s.label_id}
    members: dict[tuple[str, int], set[int]] = defaultdict(set)
    if label_ids:
        for repository_id, label_id in Repository.labels.through.objects.filter(
                label_id__in=label_ids, repository_id__in={row.repository_id for row in rows}
        ).values_list("repository_id", "label_id"):
            members["label", label_id].add(repository_id)
    return members


def _sourced(rows: list[RepositoryChange], subscriptions: list[Subscription]) -> dict[tuple[str, int], set[int]]:
    """For each source the subscriptions name, which repositories of these rows the latest version
    of its document maps to."""
    ids = {row.repository_id for row in rows}
    sources = {s.source_id: s.source for s in subscriptions if s.source_id}
    return {("source", source_id): set(source_repositories(source_latest(source)).filter(id__in=ids)
                                       .values_list("id", flat=True))
            for source_id, source in sources.items()}


def _delivery(subscription: Subscription, scan: ScanJob | None, rows: list[RepositoryChange]) -> Delivery:
    subject, body = render(subscription, scan, rows)
    return Delivery(subscription=subscription, scan=scan, kind=Delivery.Kind.DIGEST, subject=subject, body=body,
                    transitions=len(rows), next_attempt_at=timezone.now())


# --- what a digest says ------------------------------------------------------------------------------
def packages_of(subscription: Subscription, rows: list[RepositoryChange]) -> dict[int, list[SourcePackage]]:
    """The packages a subscription over a source reaches each of these rows' repositories through
    (those of the latest version of its document; none for a list's links); {} for any other."""
    if not subscription.source_id:
        return {}
    return packages_behind(source_latest(subscription.source), {row.repository_id for row in rows})


def _source(subscription: Subscription) -> dict | None:
    source = subscription.source
    return None if source is None else {"id": source.id, "filename": source.filename, "label": source.label,
                                        "version": source.version}


def payload(subscription: Subscription, scan: ScanJob | None, rows: list[RepositoryChange],
            packages: dict[int, list[SourcePackage]]) -> dict[str, Any]:
    """The webhook's JSON body: `{"scan_id", "label", "source", "transitions": [...]}`; a
    subscription over a source adds to each transition the `packages` behind its repository. The
    scan is named only to an owner who may see it (their own scans; staff every scan)."""
    visible = scan is not None and can_see(subscription.owner, scan.requested_by_id)
    transitions = [transition(row) for row in rows]
    if subscription.source_id:
        for row, told in zip(rows, transitions, strict=True):
            told["packages"] = [{"ecosystem": p.ecosystem or None, "name": p.name, "version": p.version or None}
                                for p in packages.get(row.repository_id, [])]
    return {"scan_id": str(scan.id) if visible else None,
            "label": subscription.label.name if subscription.label_id else None,
            "source": _source(subscription), "transitions": transitions}


# What happened to a repository, said of the repository behind a package.
HAPPENED = {Event.DEAD: "is gone (not found or blocked)", Event.ARCHIVED: "was archived",
            Event.MOVED: "was renamed or moved", Event.INACTIVE: "went inactive", Event.DEPRECATED: "was deprecated",
            Event.MAINTAINED_AGAIN: "is maintained again", Event.RECOVERED: "is back to healthy",
            Event.NAME_REUSED: "had a name of it re-used by another repository"}


def change_text(row: RepositoryChange, packages: Sequence[SourcePackage] = ()) -> str:
    """A transition as a person reads it: "acme/a: archived", or, reached through packages of a
    source, "`left-pad@1.3.0` (npm): its repository acme/left-pad was archived" (a monorepo's
    packages all named)."""
    if packages:
        return f"{packages_text(packages)}: its repository {row.full_name} {HAPPENED.get(row.event, 'changed')}"
    return f"{row.full_name}: {row.get_event_display() if row.event else 'changed'}"


def _line(row: RepositoryChange, packages: list[SourcePackage]) -> str:
    return f"- {change_text(row, packages)} ({row.field}: {_value(row.old)} → {_value(row.new)})"


def _value(value) -> str:
    return "—" if value in (None, "") else str(value)


def render(subscription: Subscription, scan: ScanJob | None, rows: list[RepositoryChange]) -> tuple[str, str]:
    """(subject, body) of a digest in the subscription's channel and format."""
    what, packages = summary_text(rows), packages_of(subscription, rows)
    where = covers(subscription.label, subscription.source, "your catalog")
    subject = f"RepoHealth: {what} in {where}"[:300]
    body = payload(subscription, scan, rows, packages)
    if subscription.channel == Channel.WEBHOOK and subscription.format == Subscription.Format.JSON:
        return subject, json.dumps(body, ensure_ascii=False)
    lines = [f"RepoHealth: {what} in {where}", *(_line(row, packages.get(row.repository_id, [])) for row in rows)]
    if body["scan_id"]:
        lines.append(f"Scan: {site_url(reverse('scans:detail', args=[scan.id]))}")
    if subscription.channel == Channel.WEBHOOK:  # Slack and Discord take {"text": ...}
        return subject, json.dumps({"text": "\n".join(lines)}, ensure_ascii=False)
    lines += ["", f"Change what you receive: {subscription_url(subscription)}",
              f"Unsubscribe: {unsubscribe_url(subscription)}"]
    return subject, "\n".join(lines) + "\n"


def sample_rows(subscription: Subscription) -> list[RepositoryChange]:
    """What "send a test" sends: one made-up transition (not saved) of a repository it watches."""
    if subscription.label_id:
        repository = subscription.label.repositories.first()
    elif subscription.source_id:
        repository = source_repositories(source_latest(subscription.source)).order_by("id").first()
    else:
        repository = Repository.objects.first()
    name = repository.full_name if repository else "example/repository"
    return [RepositoryChange(id=0, repository_id=repository.id if repository else 0, full_name=name, field="health",
                             old=Repository.Health.HEALTHY, new=Repository.Health.ARCHIVED,
                             event=RepositoryChange.Event.ARCHIVED, at=timezone.now())]
