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
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from repositories.history import changes, event_names, summary_text, transition
from repositories.models import Repository, RepositoryChange
from scans.models import ScanJob
from scans.selectors import can_see
from watch.deliveries import enqueue
from watch.links import site_url, subscription_url, unsubscribe_url
from watch.models import Delivery, Digest, Subscription

Channel = Subscription.Channel
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
    ).select_related("owner", "label")
    ) if rows else []
    labelled = _labelled(rows, subscriptions)
    deliveries = []
    for subscription in subscriptions:
        mine = [row for row in rows if _tells(subscription, row, labelled)]
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


def _tells(subscription: Subscription, row: RepositoryChange, labelled: dict[int, set[int]]) -> bool:
    """Whether this subscription is told of this row: one of its events, of its label, and recorded
    since it was created or last switched on (a scan that ended before it asked stays untold)."""
    return (row.event in event_names(subscription.events) and row.at >= subscription.active_since
            and (subscription.label_id is None or row.repository_id in labelled[subscription.label_id]))


def _labelled(rows: list[RepositoryChange], subscriptions: list[Subscription]) -> dict[int, set[int]]:
    """For each label the subscriptions name, which repositories of these rows carry it."""
    label_ids = {s.label_id for s in subscriptions if s.label_id}
    members: dict[int, set[int]] = defaultdict(set)
    if label_ids:
        for repository_id, label_id in Repository.labels.through.objects.filter(
                label_id__in=label_ids, repository_id__in={row.repository_id for row in rows}
        ).values_list("repository_id", "label_id"):
            members[label_id].add(repository_id)
    return members


def _delivery(subscription: Subscription, scan: ScanJob | None, rows: list[RepositoryChange]) -> Delivery:
    subject, body = render(subscription, scan, rows)
    return Delivery(subscription=subscription, scan=scan, kind=Delivery.Kind.DIGEST, subject=subject, body=body,
                    transitions=len(rows), next_attempt_at=timezone.now())


# --- what a digest says ------------------------------------------------------------------------------
def payload(subscription: Subscription, scan: ScanJob | None, rows: list[RepositoryChange]) -> dict[str, Any]:
    """The webhook's JSON body: `{"scan_id", "label", "transitions": [...]}`. The scan is named
    only to an owner who may see it (their own scans; staff every scan)."""
    visible = scan is not None and can_see(subscription.owner, scan.requested_by_id)
    return {"scan_id": str(scan.id) if visible else None,
            "label": subscription.label.name if subscription.label_id else None,
            "transitions": [transition(row) for row in rows]}


def _line(row: RepositoryChange) -> str:
    what = row.get_event_display() if row.event else "changed"
    return f"- {row.full_name}: {what} ({row.field}: {_value(row.old)} → {_value(row.new)})"


def _value(value) -> str:
    return "—" if value in (None, "") else str(value)


def render(subscription: Subscription, scan: ScanJob | None, rows: list[RepositoryChange]) -> tuple[str, str]:
    """(subject, body) of a digest in the subscription's channel and format."""
    what = summary_text(rows)
    where = f"label {subscription.label.name}" if subscription.label_id else "your catalog"
    subject = f"RepoHealth: {what} in {where}"[:300]
    if subscription.channel == Channel.WEBHOOK and subscription.format == Subscription.Format.JSON:
        return subject, json.dumps(payload(subscription, scan, rows), ensure_ascii=False)
    lines = [f"RepoHealth: {what} in {where}", *(_line(row) for row in rows)]
    body = payload(subscription, scan, rows)
    if body["scan_id"]:
        lines.append(f"Scan: {site_url(reverse('scans:detail', args=[scan.id]))}")
    if subscription.channel == Channel.WEBHOOK:  # Slack and Discord take {"text": ...}
        return subject, json.dumps({"text": "\n".join(lines)}, ensure_ascii=False)
    lines += ["", f"Change what you receive: {subscription_url(subscription)}",
              f"Unsubscribe: {unsubscribe_url(subscription)}"]
    return subject, "\n".join(lines) + "\n"


def sample_rows(subscription: Subscription) -> list[RepositoryChange]:
    """What "send a test" sends: one made-up transition (not saved) of a repository it watches."""
    repository = (subscription.label.repositories.first() if subscription.label_id else Repository.objects.first())
    name = repository.full_name if repository else "example/repository"
    return [RepositoryChange(id=0, repository_id=repository.id if repository else 0, full_name=name, field="health",
                             old=Repository.Health.HEALTHY, new=Repository.Health.ARCHIVED,
                             event=RepositoryChange.Event.ARCHIVED, at=timezone.now())]
