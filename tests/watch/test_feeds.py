"""The Atom feed of a feed subscription (watch/feeds.py), read by a real feed parser: it agrees with
the history API, needs no login (the secret is the key) and ends with the subscription."""

from __future__ import annotations

import feedparser
import pytest

from repositories.models import RepositoryChange
from watch.models import Subscription

pytestmark = pytest.mark.django_db
Event = RepositoryChange.Event


def test_the_atom_feed_parses_and_agrees_with_the_history_api(client, api, owner, watched, finished_scan):
    a, b, c = watched
    finished_scan((a, "health", "healthy", "archived", Event.ARCHIVED),
                  (b, "full_name", "acme/b", "acme/b2", Event.MOVED),
                  (c, "health", "healthy", "not_found", Event.DEAD), (a, "license", "MIT", "", ""))
    subscription = Subscription.objects.create(owner=owner, channel="feed", label=a.labels.get(),
                                               events=[Event.ARCHIVED, Event.MOVED, Event.DEAD])

    answer = client.get(f"/feeds/{subscription.secret}.atom")  # no login: the secret is the key

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo
    assert feed.feed.title == "RepoHealth: watched"
    entries = {entry.id: entry for entry in feed.entries}
    history = [row for repo in (a, b) for row in api.get(f"/api/repositories/{repo.id}/history").data["changes"]
               if row["event"] in subscription.events]
    assert sorted(entries) == sorted(f"urn:repohealth:change:{row['id']}" for row in history)
    for row in history:
        entry = entries[f"urn:repohealth:change:{row['id']}"]
        assert entry.title == f"{row['full_name']}: {RepositoryChange.Event(row['event']).label}"
        assert entry.summary == f"{row['field']}: {row['old']} → {row['new']}"
        assert entry.link.endswith(f"/repositories/{row['repository_id']}/")
        assert feedparser_time(entry.updated_parsed) == row["at"][:19]
    assert client.get("/feeds/not-a-secret.atom").status_code == 404
    subscription.active = False
    subscription.save()
    assert client.get(f"/feeds/{subscription.secret}.atom").status_code == 404


def feedparser_time(parsed) -> str:
    return (f"{parsed.tm_year:04}-{parsed.tm_mon:02}-{parsed.tm_mday:02}"
            f"T{parsed.tm_hour:02}:{parsed.tm_min:02}:{parsed.tm_sec:02}")
