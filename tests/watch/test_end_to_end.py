"""Integration, end to end: a schedule's runs on a real RQ worker process against the fake GitHub
over HTTP, the fake changing state between two scheduled runs (one archived, one renamed, one
deleted, one deleted and back before its recheck), the upkeep job (called here, as RQ's
cron would) starting runs and rechecks and digesting scans, and the deliveries run by a real RQ
worker in this process, so that a real HTTP receiver gets the webhooks and Django's locmem
backend counts the e-mails. The Atom feed is read with a real feed parser.

A schedule with a 50 % share of the rate limit stops sending at half the budget. An alert made after a
scan ended, before the job digested it, is told only of the scans after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import django_rq
import feedparser
import pytest
import requests
from django.core import mail
from django.utils import timezone
from rq.worker import SimpleWorker

from repohealth.runtime import upkeep
from repositories.models import Label, Repository
from repositories.services import repositories_import
from scans import selectors, services
from scans.models import ScanJob
from tests.conftest import wait_for
from tests.scans.scanning import RECENT
from watch.models import Schedule, Subscription

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
Trigger = ScanJob.Trigger
CONFIRM_SECONDS = 2
NAMES = ["acme/steady", "acme/archive-me", "acme/rename-me", "acme/delete-me", "acme/flap"]


def scans_finished(count: int) -> list[ScanJob]:
    def done():
        scans = list(ScanJob.objects.order_by("created_at"))
        return scans if len(scans) >= count and all(s.is_finished for s in scans) else None

    return wait_for(done, timeout=60, message=f"{count} scans to finish")


def deliver() -> None:
    """The `upkeep` queue's worker, in this process (so the e-mails land in mail.outbox)."""
    queue = django_rq.get_queue("upkeep")
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def digests(receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.requests]


def signed(request, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(request.headers["X-RepoHealth-Signature"], expected)


def rename(fake_github, old: str, new: str) -> None:
    requests.post(f"{fake_github.url}/_fake/repos/{old}", json={"full_name": new}, timeout=5).raise_for_status()


def watch_the_label(api, fake_github, start_worker, receiver, settings) -> tuple[dict, dict, dict]:
    """The catalog of NAMES labelled `watched`, a worker, a schedule of the label every minute and
    a webhook, an e-mail and a feed subscription to it: (the schedule, the webhook, the feed)."""
    settings.SCHEDULE_MINUTE_SECONDS = 1
    settings.HEALTH_RECHECK_SCANS, settings.HEALTH_RECHECK_SECONDS = 2, CONFIRM_SECONDS
    settings.ALERT_ALLOW_HTTP = settings.ALERT_ALLOW_PRIVATE_TARGETS = True  # the receiver is on loopback
    fake_github.load_catalog([{"id": 700 + i, "full_name": name, "pushed_at": RECENT, "stars": 10 + i}
                              for i, name in enumerate(NAMES)])
    repositories_import(source="\n".join(NAMES), label="watched")
    start_worker(HEALTH_RECHECK_SCANS="2", HEALTH_RECHECK_SECONDS=str(CONFIRM_SECONDS))
    schedule = api.post("/api/schedules/", {"name": "watch it", "label": "watched", "interval_minutes": 1},
                        format="json").data
    webhook = api.post("/api/subscriptions/", {"channel": "webhook", "target_url": f"{receiver.url}/hook",
                                               "label": "watched"}, format="json").data
    api.post("/api/subscriptions/", {"channel": "email", "label": "watched"}, format="json")
    feed = api.post("/api/subscriptions/", {"channel": "feed", "label": "watched"}, format="json").data
    return schedule, webhook, feed


def assert_the_feed_agrees_with_the_history(client, api, feed: dict) -> None:
    """The feed, parsed by a real feed parser, holds what the history API says of the label."""
    parsed = feedparser.parse(client.get(f"/feeds/{feed['secret']}.atom").content)
    assert not parsed.bozo
    history = {row["id"]: row for repo in Label.objects.get(name="watched").repositories.all()
               for row in api.get(f"/api/repositories/{repo.id}/history").data["changes"] if row["event"]}
    assert {e.id for e in parsed.entries} == {f"urn:repohealth:change:{i}" for i in history}
    for entry in parsed.entries:
        row = history[int(entry.id.rsplit(":", 1)[1])]
        assert entry.summary == f"{row['field']}: {row['old']} → {row['new']}"
    assert sorted(row["event"] for row in history.values()) == ["archived", "dead", "moved"]


def test_scheduled_runs_confirm_transitions_and_send_one_signed_digest_per_run(
        api, client, owner, fake_github, start_worker, receiver, settings):
    schedule, webhook, feed = watch_the_label(api, fake_github, start_worker, receiver, settings)

    # Run 1: the baseline. Every repository is new to the catalog: nothing to tell.
    upkeep.run()
    (first,) = scans_finished(1)
    assert (first.trigger, first.requested_by, first.status) == (Trigger.SCHEDULE, owner, ScanJob.Status.COMPLETED)

    # GitHub changes between the runs.
    fake_github.patch_repo("acme/archive-me", archived=True)
    rename(fake_github, "acme/rename-me", "acme/renamed")
    fake_github.patch_repo("acme/delete-me", private=True)
    fake_github.patch_repo("acme/flap", private=True)

    # Run 2, once due (an interval after run 1 started): run 1 is digested on the way (nothing).
    wait_for(lambda: Schedule.objects.get(id=schedule["id"]).next_run_at <= timezone.now(), message="run 2 due")
    upkeep.run()
    first_run, second = scans_finished(2)
    assert second.trigger == Trigger.SCHEDULE
    assert first_run.id == first.id
    deliver()
    assert receiver.requests == [], "run 1 had no transition to tell"
    assert mail.outbox == [], "run 1 had no transition to tell"
    suspected = {r["full_name"]: r["suspected"] for r in api.get("/api/repositories/").data["results"]}
    assert suspected == {"acme/steady": False, "acme/archive-me": False, "acme/renamed": False,
                         "acme/delete-me": True, "acme/flap": True}
    fake_github.patch_repo("acme/flap", private=False)  # back before its recheck
    api.patch(f"/api/schedules/{schedule['id']}/", {"active": False}, format="json")  # no run 3 meanwhile

    upkeep.run()  # digests run 2
    deliver()
    (run2,) = receiver.requests
    assert signed(run2, webhook["secret"])
    body = json.loads(run2.body)
    assert (body["scan_id"], body["label"]) == (str(second.id), "watched")
    assert sorted((t["full_name"], t["field"], t["event"], t["old"], t["new"]) for t in body["transitions"]) == [
        ("acme/archive-me", "health", "archived", "healthy", "archived"),
        ("acme/renamed", "full_name", "moved", "acme/rename-me", "acme/renamed"),
    ]
    assert len(mail.outbox) == 1

    # The recheck of dead answers, once HEALTH_RECHECK_SECONDS have passed since run 2 saw them dead.
    since = Repository.objects.get(full_name="acme/delete-me").suspected_since
    wait_for(lambda: timezone.now() >= since + timedelta(seconds=CONFIRM_SECONDS), message="the gap")
    upkeep.run()
    *_, recheck = scans_finished(3)
    assert (recheck.trigger, recheck.total, recheck.requested_by) == (Trigger.RECHECK, 2, None)
    upkeep.run()  # digests the recheck
    deliver()

    assert len(receiver.requests) == 2, "one digest per run with transitions, never one per repository"
    confirmed = receiver.requests[1]
    assert signed(confirmed, webhook["secret"])
    recheck_body = json.loads(confirmed.body)
    assert recheck_body["scan_id"] is None, "the recheck is nobody's scan: not named to a user who cannot see it"
    assert [(t["full_name"], t["field"], t["event"], t["old"], t["new"]) for t in recheck_body["transitions"]] == [
        ("acme/delete-me", "health", "dead", "healthy", "not_found")]
    every = [t for d in digests(receiver) for t in d["transitions"]]
    assert "acme/flap" not in {t["full_name"] for t in every}, "the one that came back never appears"
    assert len({(t["repository_id"], t["field"], t["at"]) for t in every}) == len(every) == 3
    assert len(mail.outbox) == 2
    assert all("/unsubscribe/" in m.body for m in mail.outbox)
    flap = Repository.objects.get(full_name="acme/flap")
    assert (flap.health, flap.suspected) == (Repository.Health.HEALTHY, False)

    assert_the_feed_agrees_with_the_history(client, api, feed)
    assert Subscription.objects.filter(active=True).count() == 3


def test_a_schedule_with_half_the_budget_stops_sending_at_half(api, owner, fake_github, start_worker, settings):
    settings.GITHUB_TOKENS = ["tok-share"]
    settings.SCAN_CONCURRENCY = 1  # one request at a time: the count is exact
    fake_github.configure(tokens="tok-share", rate_limit=(20, 120))
    names = [f"acme/share-{i}" for i in range(20)]
    fake_github.load_catalog([{"id": 800 + i, "full_name": n, "pushed_at": RECENT} for i, n in enumerate(names)])
    repositories_import(source="\n".join(names), label="shared")
    # Health checks only (the maintenance signals not due): one request a repository.
    Repository.objects.update(metadata_fetched_at=timezone.now())
    start_worker()
    Schedule.objects.create(owner=owner, name="half", label=Label.objects.get(name="shared"), budget_share=50)
    fake_github.reset()  # a fresh window of 20

    upkeep.run()
    scan = ScanJob.objects.get()
    payload = wait_for(lambda: (p := selectors.progress_for(owner, scan.id)) and
                       "share of the rate limit is spent" in (p.get("waiting_reason") or p.get("message") or "") and p,
                       timeout=60, message="the scan to wait for its share")

    sent = [r for r in fake_github.request_log() if r["path"].startswith("/repos/")]
    assert scan.budget_share == 50
    assert payload["status"] == ScanJob.Status.RUNNING
    assert len(sent) == 10, "half of the 20, and never a refusal"
    assert all(r["status"] == 200 for r in sent), "half of the 20, and never a refusal"
    services.scan_cancel(scan=scan)
    wait_for(lambda: ScanJob.objects.get(id=scan.id).is_finished, timeout=30, message="the cancel")
    assert len([r for r in fake_github.request_log() if r["path"].startswith("/repos/")]) == 10
    scan.refresh_from_db()
    assert (scan.status, scan.current, scan.results.count()) == (ScanJob.Status.CANCELLED, 10, 10)


def test_an_alert_made_after_a_scan_ended_is_told_only_of_the_scans_after_it(api, owner, fake_github, start_worker,
                                                                             receiver, settings):
    settings.ALERT_ALLOW_HTTP = settings.ALERT_ALLOW_PRIVATE_TARGETS = True  # the receiver is on loopback
    names = ["acme/early", "acme/late"]
    fake_github.load_catalog([{"id": 900 + i, "full_name": n, "pushed_at": RECENT} for i, n in enumerate(names)])
    repositories_import(source="\n".join(names), label="told")
    start_worker()
    told = Repository.objects.filter(labels__name="told")
    services.scan_start(repositories=told, requested_by=owner)  # the baseline
    scans_finished(1)
    fake_github.patch_repo("acme/early", archived=True)
    services.scan_start(repositories=told, requested_by=owner)
    *_, before = scans_finished(2)  # it ended; the upkeep job has not digested it yet

    webhook = api.post("/api/subscriptions/", {"channel": "webhook", "target_url": f"{receiver.url}/hook"},
                       format="json").data
    upkeep.run()
    deliver()
    assert ScanJob.objects.get(id=before.id).digest.deliveries == 0, "digested, to nobody"
    assert receiver.requests == [], "the archiving happened before the alert was made"

    fake_github.patch_repo("acme/late", archived=True)
    services.scan_start(repositories=told, requested_by=owner)
    *_, after = scans_finished(3)
    upkeep.run()
    deliver()
    (sent,) = receiver.requests
    assert signed(sent, webhook["secret"])
    body = json.loads(sent.body)
    assert body["scan_id"] == str(after.id)
    assert [(t["full_name"], t["event"]) for t in body["transitions"]] == [("acme/late", "archived")]
