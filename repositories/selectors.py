"""Reads shared by the pages, the API, the admin and runscan."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from repositories.models import Repository

ORDERINGS = {
    "stars": "stars", "-stars": "-stars",
    "full_name": "full_name", "-full_name": "-full_name",
    "last_checked_at": "last_checked_at", "-last_checked_at": "-last_checked_at",
    "pushed_at": "pushed_at", "-pushed_at": "-pushed_at",
    "forks": "forks", "-forks": "-forks",
    "open_issues": "open_issues", "-open_issues": "-open_issues",
    "language": "language", "-language": "-language",
    "health": "health", "-health": "-health",
}


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def repository_list(*, health=None, language=None, label=None, archived: bool | None = None,
                    search: str | None = None, stale_hours: int | None = None, ids=None,
                    ordering: str | None = None) -> QuerySet[Repository]:
    qs = Repository.objects.all()
    if healths := _as_list(health):
        qs = qs.filter(health__in=healths)
    if languages := _as_list(language):
        qs = qs.filter(language__in=languages)
    if labels := _as_list(label):
        # A subquery, not a join: no DISTINCT over the whole catalog for a labelled page.
        labelled = Repository.labels.through.objects.filter(label__name__in=labels).values("repository_id")
        qs = qs.filter(id__in=labelled)
    if archived is not None:
        qs = qs.filter(archived=archived)
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(description__icontains=search))
    if stale_hours is not None:
        cutoff = timezone.now() - timedelta(hours=stale_hours)
        qs = qs.filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
    if ids is not None:
        qs = qs.filter(id__in=list(ids))
    order = ORDERINGS.get(ordering or "", "full_name")
    return qs.order_by(order, "id")


def health_counts() -> dict[str, int]:
    counts = dict.fromkeys(Repository.Health.values, 0)
    for row in Repository.objects.values("health").annotate(n=Count("id")).order_by():
        counts[row["health"]] = row["n"]
    return counts


def language_choices() -> list[str]:
    return list(
        Repository.objects.exclude(language="").values_list("language", flat=True).distinct().order_by("language")
    )


def repository_get(pk) -> Repository | None:
    return Repository.objects.prefetch_related("labels").filter(pk=pk).first()


def label_choices() -> list[str]:
    from repositories.models import Label

    return list(Label.objects.order_by("name").values_list("name", flat=True))
