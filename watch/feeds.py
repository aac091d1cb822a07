"""The Atom feed of a feed subscription: `/feeds/<secret>.atom` (Django's syndication framework),
for feed readers, without a login: the secret in the URL is the key (rotating it changes the URL).

Its entries are the subscription's transitions (change rows of its label, of its source's
repositories, or of everything, with one of its events), newest first, the same rows
`/api/changes/` and each repository's history answer; an entry of a repository reached through a
source's packages names them ("`left-pad@1.3.0` (npm): its repository acme/left-pad was
archived"). An entry's id is `urn:repohealth:change:<change id>`.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from repositories.filters import filter_repositories
from repositories.history import changes, event_names
from repositories.models import RepositoryChange
from repositories.sources import source_latest, source_name, source_repositories
from watch.digests import change_text, packages_of
from watch.links import site_url
from watch.models import Subscription

ENTRIES = 100


def _value(value) -> str:
    return "—" if value in (None, "") else str(value)


class SubscriptionFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, token: str) -> Subscription:
        subscription = (Subscription.objects.select_related("label", "source", "owner")
                        .filter(secret=token, channel=Subscription.Channel.FEED, active=True, owner__is_active=True)
                        .first())
        if subscription is None:
            raise Http404("No such feed")
        return subscription

    def title(self, subscription: Subscription) -> str:
        if subscription.label_id:
            return f"RepoHealth: {subscription.label.name}"
        return f"RepoHealth: {source_name(subscription.source) if subscription.source_id else 'every repository'}"

    def link(self, subscription: Subscription) -> str:
        return site_url(reverse("catalog:list"))

    def subtitle(self, subscription: Subscription) -> str:
        return f"Confirmed changes: {', '.join(subscription.events)}"

    def items(self, subscription: Subscription):
        """Its transitions, each with the packages it reaches the repository through (a
        subscription over a source; none otherwise) as `packages`."""
        repositories = None
        if subscription.label_id:
            repositories = filter_repositories({"label": subscription.label.name})
        elif subscription.source_id:
            repositories = source_repositories(source_latest(subscription.source))
        rows = list(changes(repositories=repositories, events=event_names(subscription.events))[:ENTRIES])
        packages = packages_of(subscription, rows)
        for row in rows:
            row.packages = packages.get(row.repository_id, [])
        return rows

    def item_title(self, change: RepositoryChange) -> str:
        return change_text(change, change.packages)

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
