"""Reads shared by the pages, the API, the admin and runscan. Which repositories a query
string means is `repositories.filters`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Count, QuerySet
from django.db.models.functions import Lower

from repositories.models import CatalogCount, Label, Repository

Kind = CatalogCount.Kind


@dataclass
class CatalogCounts:
    """The catalog's kept counts (repositories/counts.py), as the catalog page shows them: every
    health and every verdict in their order (0 when none), the languages and the labels by name."""

    health: dict[str, int]
    maintenance: dict[str, int]
    languages: dict[str, int]  # '' (no language known) too
    labels: dict[str, int]  # every label, in name order (0 when on none)

    @property
    def total(self) -> int:
        return sum(self.health.values())

    @property
    def language_choices(self) -> list[str]:
        """The languages of the catalog, in order ('' left out)."""
        return sorted(language for language, n in self.languages.items() if language and n > 0)


def catalog_counts() -> CatalogCounts:
    """The catalog's counts from the kept counts and the labels: two small queries however large
    the catalog."""
    kept: dict[str, dict[str, int]] = {kind: {} for kind in Kind.values}
    for kind, value, n in CatalogCount.objects.values_list("kind", "value", "n"):
        kept[kind][value] = n
    labels = kept[Kind.LABEL]
    return CatalogCounts(
        health={value: kept[Kind.HEALTH].get(value, 0) for value in Repository.Health.values},
        maintenance={value: kept[Kind.MAINTENANCE].get(value, 0) for value in Repository.Maintenance.values},
        languages=kept[Kind.LANGUAGE],
        labels={name: labels.get(str(pk), 0) for pk, name in Label.objects.order_by("name").values_list("id", "name")})


def health_counts() -> dict[str, int]:
    """How many repositories of the catalog have each health (every value of Repository.Health),
    from the kept counts: what every poll of a running scan's page shows."""
    kept = dict(CatalogCount.objects.filter(kind=Kind.HEALTH).values_list("value", "n"))
    return {value: kept.get(value, 0) for value in Repository.Health.values}


def maintenance_counts(repositories: QuerySet[Repository]) -> dict[str, int]:
    """How many of these repositories have each maintenance verdict, every verdict of
    Repository.Maintenance in its order (0 when none): a GROUP BY over them (the catalog's own are
    kept: `catalog_counts`)."""
    counts = dict.fromkeys(Repository.Maintenance.values, 0)
    for row in repositories.order_by().values("maintenance").annotate(n=Count("id")):
        counts[row["maintenance"]] = row["n"]
    return counts


def label_choices() -> list[str]:
    return list(Label.objects.order_by("name").values_list("name", flat=True))


def repository_get(pk) -> Repository | None:
    return Repository.objects.with_labels().filter(pk=pk).first()


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


def counted_values(ids: list[int], *, lock: bool = False) -> list[tuple[str, str, str]]:
    """(health, maintenance, language) of each repository among these distinct ids (at most
    ID_CHUNK), in plain SQL: the ORM's preparing of the ids cost the scan's writer 0.9 ms a batch
    of 100, the query 0.2. With `lock`, the rows stay locked until the transaction ends (FOR
    UPDATE, in id order, where the database has it: SQLite's IMMEDIATE transactions have one writer
    at a time already)."""
    return _where_id_in("repo.health, repo.maintenance, repo.language", ids, lock=lock)


def _where_id_in(columns: str, ids: list[int], *, where: str = "", lock: bool = False) -> list[tuple]:
    """`columns` (of the table, as `repo.<column>`) of the repositories among these distinct ids
    (and matching `where`, an SQL condition on `repo.<column>`s, when given; locked with `lock`).
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
        if lock and connection.features.has_select_for_update:
            sql += " ORDER BY repo.id FOR UPDATE" + (" OF repo" if connection.features.has_select_for_update_of else "")
        cursor.execute(f"SELECT {columns} " + sql.format(table), params)
        return cursor.fetchall()
