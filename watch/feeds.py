"""The Atom feed of a feed subscription: `/feeds/<secret>.atom` (Django's syndication framework),
for feed readers, without a login: the secret in the URL is the key (rotating it changes the URL).

Its entries are the subscription's transitions (change rows of its label, or of everything, with
one of its events), newest first, the same rows `/api/changes/` and each repository's history
answer. An entry's id is `urn:repohealth:change:<change id>`.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from repositories.filters import filter_repositories
from repositories.history import changes, event_names
from repositories.models import RepositoryChange
from watch.links import site_url
from watch.models import Subscription

ENTRIES = 100


def _value(value) -> str:
    return "—" if value in (None, "") else str(value)


class SubscriptionFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, token: str) -> Subscription:
        subscription = (Subscription.objects.select_related("label", "owner")
                        .filter(secret=token, channel=Subscription.Channel.FEED, active=True, owner__is_active=True)
                        .first())
        if subscription is None:
            raise Http404("No such feed")
        return subscription

    def title(self, subscription: Subscription) -> str:
        return f"RepoHealth: {subscription.label.name if subscription.label_id else 'every repository'}"

    def link(self, subscription: Subscription) -> str:
        return site_url(reverse("catalog:list"))

    def subtitle(self, subscription: Subscription) -> str:
        return f"Confirmed changes: {', '.join(subscription.events)}"

    def items(self, subscription: Subscription):
        repositories = filter_repositories({"label": subscription.label.name}) if subscription.label_id else None
        return changes(repositories=repositories, events=event_names(subscription.events))[:ENTRIES]

    def item_title(self, change: RepositoryChange) -> str:
        return f"{change.full_name}: {change.get_event_display()}"

    def item_description(self, change: RepositoryChange) -> str:
        return f"{change.field}: {_value(change.old)} → {_value(change.new)}"

    def item_link(self, change: RepositoryChange) -> str:
        return site_url(reverse("catalog:detail", args=[change.repository_id]))

    def item_guid(self, change: RepositoryChange) -> str:
        return f"urn:repohealth:change:{change.id}"

    item_guid_is_permalink = False

    def item_pubdate(self, change: RepositoryChange):
        return change.at

    def item_updateddate(self, change: RepositoryChange):
        return change.at

    def item_categories(self, change: RepositoryChange):
        return [change.event, change.field]
