"""Reads shared by the pages, the API, the admin and runscan. Which repositories a query
string means is `repositories.filters`."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count

from repositories.models import Label, Repository

HEALTH_COUNTS_KEY = "catalog:health_counts"
HEALTH_COUNTS_TTL = 2


def health_counts() -> dict[str, int]:
    counts = dict.fromkeys(Repository.Health.values, 0)
    for row in Repository.objects.values("health").annotate(n=Count("id")).order_by():
        counts[row["health"]] = row["n"]
    return counts


def cached_health_counts(ttl: int = HEALTH_COUNTS_TTL) -> dict[str, int]:
    """`health_counts()` at most `ttl` seconds old, shared by every poller (the live refresh of the
    catalog page while a scan runs): one aggregate query per `ttl`, however many pages poll."""
    return cache.get_or_set(HEALTH_COUNTS_KEY, health_counts, ttl)


def language_choices() -> list[str]:
    return list(
        Repository.objects.exclude(language="").values_list("language", flat=True).distinct().order_by("language")
    )


def label_choices() -> list[str]:
    return list(Label.objects.order_by("name").values_list("name", flat=True))


def repository_get(pk) -> Repository | None:
    return Repository.objects.prefetch_related("labels").filter(pk=pk).first()


def existing_ids(ids: list[int], chunk: int = 5000) -> set[int]:
    """Which of these ids name a tracked repository (ids a database cannot store name none)."""
    storable = [i for i in ids if 0 < i <= 2**63 - 1]
    found: set[int] = set()
    for start in range(0, len(storable), chunk):
        found.update(Repository.objects.filter(id__in=storable[start:start + chunk]).values_list("id", flat=True))
    return found
