"""The catalog's counts, kept in the database (`CatalogCount`): how many repositories have each
health, each maintenance verdict, each language and each label. The catalog page reads them in
one small query however large the catalog (counting the table on each view cost 122 ms of CPU at
1,000,000 repositories); they need no cache, so they hold with Redis away.

Every write path keeps them in the transaction that changes the repositories:

- `tracked(ids)` around a change of existing rows (a scan's chunk, an override, a deletion): it
  reads the kind values of those rows before (locking them) and after, and adds the difference;
- `added(n)` once n new rows are inserted (an import: they all have the fields' defaults);
- `labelled(label_id, n)` once n repositories gained (or, negative, lost) a label.

A difference is added, never set (INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n), one
statement per value in one order, at the end of the change: writers at once (scan shards,
imports) add up without a lost update and cannot deadlock on the count rows, and a value that did
not change (most of a rescan) writes nothing. `recount()` (`manage.py recount`) rebuilds them from
the table, for a database written behind their back (a restored dump, a hand-made SQL change).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Count

from repositories.models import CatalogCount, Repository
from repositories.selectors import ID_CHUNK, MAX_ID, counted_values

Kind = CatalogCount.Kind
Key = tuple[str, str]  # (kind, value)
# The repository's field behind each kind of count but labels (a relation: counted apart), in the
# order `counted_values` reads them.
FIELDS = {Kind.HEALTH: "health", Kind.MAINTENANCE: "maintenance", Kind.LANGUAGE: "language"}
# What an inserted row holds: each field's default.
NEW_ROW = {kind: Repository._meta.get_field(name).get_default() for kind, name in FIELDS.items()}


def tally(ids: Iterable[int], *, labels: bool = False, lock: bool = False) -> Counter[Key]:
    """The counts of these repositories alone (with their labels when `labels`). With `lock`, their
    rows stay locked until the transaction ends (SELECT ... FOR UPDATE, in id order; SQLite's
    IMMEDIATE transactions have one writer at a time already)."""
    found: Counter[Key] = Counter()
    ids = sorted({pk for pk in ids if 0 < pk <= MAX_ID})  # an id no database can store names none
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start:start + ID_CHUNK]
        for values, n in Counter(counted_values(chunk, lock=lock)).items():
            for key in zip(FIELDS, values, strict=True):
                found[key] += n
        if labels:
            found.update(_label_counts(Repository.labels.through.objects.filter(repository_id__in=chunk)))
    return found


def _label_counts(links) -> Counter[Key]:
    return Counter({(Kind.LABEL, str(label_id)): n
                    for label_id, n in links.order_by().values_list("label_id").annotate(n=Count("id"))})


@contextmanager
def tracked(ids: Iterable[int], *, labels: bool = False) -> Iterator[None]:
    """Keep the counts of these existing repositories through the block, in one transaction with
    it: updated, deleted (with their labels when `labels`), or left as they are. A block that
    raises changes nothing. Blocks do not nest over the same rows (each would count the change)."""
    ids = list(ids)
    with transaction.atomic():
        before = tally(ids, labels=labels, lock=True)
        yield
        change = tally(ids, labels=labels)
        change.subtract(before)
        apply(change)


def added(n: int) -> None:
    """Count `n` repositories just inserted with every field at its default."""
    apply(Counter({(kind, value): n for kind, value in NEW_ROW.items()}))


def labelled(label_id: int, n: int) -> None:
    """Count `n` repositories that just gained this label (lost it, when negative)."""
    apply(Counter({(Kind.LABEL, str(label_id)): n}))


def forget_labels(label_ids: Iterable[int]) -> None:
    """Drop the counts of labels being deleted (their links go with them)."""
    CatalogCount.objects.filter(kind=Kind.LABEL, value__in=[str(pk) for pk in label_ids]).delete()


def apply(change: Counter[Key]) -> None:
    """Add these differences to the kept counts, in the caller's transaction."""
    rows = [(kind, value, n) for (kind, value), n in sorted(change.items()) if n]
    if not rows:
        return
    table = connection.ops.quote_name(CatalogCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} (kind, value, n) VALUES (%s, %s, %s) "
                           f"ON CONFLICT (kind, value) DO UPDATE SET n = {table}.n + excluded.n", rows)


def kept() -> Counter[Key]:
    """The counts as kept (values counted at 0 left out)."""
    return Counter({(kind, value): n for kind, value, n in
                    CatalogCount.objects.exclude(n=0).values_list("kind", "value", "n")})


def counted() -> Counter[Key]:
    """The counts as the table holds them now: a GROUP BY per kind over the whole catalog."""
    found: Counter[Key] = Counter()
    rows = Repository.objects.order_by()
    for row in rows.values(*FIELDS.values()).annotate(n=Count("id")):
        for kind, name in FIELDS.items():
            found[(kind, row[name])] += row["n"]
    found.update(_label_counts(Repository.labels.through.objects.all()))
    return found


def recount() -> dict[Key, tuple[int, int]]:
    """Rebuild the kept counts from the table; what was wrong, as {key: (kept, counted)}. Writers
    wait meanwhile (on PostgreSQL the count table is locked first, so a change committed after
    the table is read adds its difference to the rebuilt counts, never to the old ones)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(CatalogCount._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        have, want = kept(), counted()
        CatalogCount.objects.all().delete()
        CatalogCount.objects.bulk_create(CatalogCount(kind=kind, value=value, n=n)
                                         for (kind, value), n in sorted(want.items()) if n)
    return {key: (have[key], want[key]) for key in sorted(have.keys() | want.keys()) if have[key] != want[key]}
