"""Reads shared by the pages, the API, the admin and runscan. Which repositories a query
string means is `repositories.filters`."""

from __future__ import annotations

import json

from django.core.cache import cache
from django.db import connections, router
from django.db.models import Count, QuerySet
from django.db.models.functions import Lower

from repositories.models import Label, Repository

HEALTH_COUNTS_KEY = "catalog:health_counts"
HEALTH_COUNTS_TTL = 2


def health_counts() -> dict[str, int]:
    return catalog_counts()[0]


def catalog_counts() -> tuple[dict[str, int], dict[str, int]]:
    """How many repositories of the catalog have each health and each maintenance verdict (every
    value of Repository.Health and Repository.Maintenance, 0 when none), from one GROUP BY that
    the (health, maintenance) index answers: the catalog page needs both on every view."""
    health = dict.fromkeys(Repository.Health.values, 0)
    maintenance = dict.fromkeys(Repository.Maintenance.values, 0)
    for row in Repository.objects.order_by().values("health", "maintenance").annotate(n=Count("id")):
        health[row["health"]] = health.get(row["health"], 0) + row["n"]
        maintenance[row["maintenance"]] = maintenance.get(row["maintenance"], 0) + row["n"]
    return health, maintenance


def maintenance_counts(repositories: QuerySet[Repository] | None = None) -> dict[str, int]:
    """How many of these repositories (default: the catalog) have each maintenance verdict, every
    verdict of Repository.Maintenance in its order (0 when none)."""
    counts = dict.fromkeys(Repository.Maintenance.values, 0)
    queryset = Repository.objects.all() if repositories is None else repositories
    for row in queryset.order_by().values("maintenance").annotate(n=Count("id")):
        counts[row["maintenance"]] = row["n"]
    return counts


def cached_health_counts(ttl: int = HEALTH_COUNTS_TTL) -> dict[str, int]:
    """`health_counts()` at most `ttl` seconds old, shared by every poller (the live refresh of the
    catalog page while a scan runs): one aggregate query per `ttl`, however many pages poll."""
    return cache.get_or_set(HEALTH_COUNTS_KEY, health_counts, ttl)


def language_choices() -> list[str]:
    """The catalog's languages, in order ('' left out). Each is found as the least language after
    the one before, a probe of the language index per language (a recursive query, the same on
    SQLite and PostgreSQL): DISTINCT reads the whole index, 100,000 entries for a few dozen names."""
    connection = connections[router.db_for_read(Repository)]
    table = connection.ops.quote_name(Repository._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE langs(language) AS (SELECT MIN(language) FROM {table} WHERE language > '' "
            f"UNION ALL SELECT (SELECT MIN(language) FROM {table} WHERE language > langs.language) "
            "FROM langs WHERE langs.language IS NOT NULL) SELECT language FROM langs WHERE language IS NOT NULL")
        return [language for (language,) in cursor.fetchall()]


def label_choices() -> list[str]:
    return list(Label.objects.order_by("name").values_list("name", flat=True))


def repository_get(pk) -> Repository | None:
    return Repository.objects.prefetch_related("labels").filter(pk=pk).first()


NAME_CHUNK = 5000  # names per lookup query


def names_held(names: list[str], *, column: str = "full_name") -> dict[str, int]:
    """Which of these lower-cased names the catalog has in `column` (any case), with the id of a
    repository holding each (the first in the catalog's order, where `imported_name` repeats). It
    asks `LOWER(column) IN (...)`, which the case-insensitive indexes answer; `__iexact` (LIKE on
    SQLite, UPPER() on PostgreSQL) reads the whole table."""
    held: dict[str, int] = {}
    unique = sorted(set(names))
    for start in range(0, len(unique), NAME_CHUNK):
        rows = (Repository.objects.annotate(key=Lower(column)).filter(key__in=unique[start:start + NAME_CHUNK])
                .values_list("key", "id"))
        for key, pk in rows:
            held.setdefault(key, pk)
    return held


# Ids per existence query: below SQLite's default cap of 32,766 bound values and PostgreSQL's 65,535.
ID_CHUNK = 30_000
MAX_ID = 2**63 - 1


def unknown_ids(ids: list[int]) -> list[int]:
    """Those of these distinct ids that name no tracked repository, in their order ([] when all
    do; ids a database cannot store name none). One COUNT per ID_CHUNK ids, in plain SQL: the ORM
    spends ~4 µs a value preparing an `id__in` list (400 ms for 100,000 ids, where the queries take
    20); the ids found are listed only for a chunk whose count falls short."""
    unknown: list[int] = []
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start:start + ID_CHUNK]
        storable = chunk if min(chunk) > 0 and max(chunk) <= MAX_ID else [i for i in chunk if 0 < i <= MAX_ID]
        if len(storable) == len(chunk) and _where_id_in("COUNT(*)", storable)[0][0] == len(chunk):
            continue
        found = {row[0] for row in _where_id_in("repo.id", storable)} if storable else set()
        unknown.extend(i for i in chunk if i not in found)
    return unknown


def old_names(ids: list[int]) -> list[str]:
    """The previous names of those of these distinct repositories that moved and whose GitHub id
    is known (so that who holds a name now can be compared with it): one query per ID_CHUNK ids."""
    names: list[str] = []
    for start in range(0, len(ids), ID_CHUNK):
        rows = _where_id_in("repo.previous_names", ids[start:start + ID_CHUNK],
                            where="repo.github_id IS NOT NULL AND repo.previous_names <> '[]'")
        for (value,) in rows:  # a JSON text on SQLite, decoded already on PostgreSQL
            names.extend(json.loads(value) if isinstance(value, str) else value)
    return names


def _where_id_in(columns: str, ids: list[int], *, where: str = "") -> list[tuple]:
    """`columns` (of the table, as `repo.<column>`) of the repositories among these distinct ids
    (and matching `where`, an SQL condition on `repo.<column>`s, when given).
    The ids travel as one parameter where the database can take a list in one (an array on
    PostgreSQL, a JSON text on SQLite): a placeholder per id cost more than the query itself,
    rewriting a 30,000-placeholder statement for the driver. The list is joined to the table
    rather than tested with IN: SQLite then probes the primary key once per id instead of first
    building a temporary index of the list (5 ms against 26 for 30,000 ids)."""
    connection = connections[router.db_for_read(Repository)]
    table = connection.ops.quote_name(Repository._meta.db_table)
    if connection.vendor == "postgresql":
        sql, params = "FROM unnest(%s::bigint[]) AS given(value) JOIN {} AS repo ON repo.id = given.value", [ids]
    elif connection.vendor == "sqlite":  # JSON1 is there: Django's JSONField needs it
        sql, params = "FROM json_each(%s) AS given JOIN {} AS repo ON repo.id = given.value", [json.dumps(ids)]
    else:
        sql, params = f"FROM {{}} AS repo WHERE repo.id IN ({', '.join(['%s'] * len(ids))})", ids
    with connection.cursor() as cursor:
        if where:
            sql += f" {'AND' if 'WHERE' in sql else 'WHERE'} {where}"
        cursor.execute(f"SELECT {columns} " + sql.format(table), params)
        return cursor.fetchall()
