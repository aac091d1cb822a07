"""`?search=`: the repositories whose name or description holds a text, in any case: exactly the
rows of Django's `icontains`, read off an index instead of the whole catalog (docs/search.md).

PostgreSQL: `icontains` itself, which the GIN trigram indexes of migration 0013 serve as they are.

SQLite: an FTS5 table of the trigrams of `lower(full_name)` and `lower(description)`
(contentless, its rowid the repository's id). SQLite's lower() folds the letters its LIKE folds,
so the text, lowered by the same lower() and quoted as one phrase, matches where `icontains`
matches. The index lags the catalog: FTS5 writes its pending trigrams out at the end of each
statement, and the import and the scans write a statement a repository, so triggers writing the
index would multiply their cost (17 to 88 s for 100,000 changed descriptions instead of 1.6 s).
A search makes up for the lag. It tests one by one, as the catalog was searched before:

- the repositories added since the index was brought up to date: those above its watermark
  (ids only grow);
- those changed or deleted since, which triggers note in PENDING with the lowered values the
  index holds for each (FTS5 needs them to take them out); the index's matches for these are
  left out.

`index_pending`, an upkeep task, indexes both in chunks of set-wise statements. A text of one or
two characters, shorter than a trigram, reads the catalog.
"""

from __future__ import annotations

import logging
import time

from django.db import connections, router, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from repositories.models import Repository

log = logging.getLogger(__name__)

INDEX = "repositories_repository_search"  # the FTS5 table (SQLite)
PENDING = "repositories_search_pending"  # id, and the lowered values the index holds for it
WATERMARK = "repositories_search_watermark"  # one row: the highest id indexed
# The columns the index holds. SQLite's triggers watch every UPDATE that sets one of them, and the
# trigger alone doubles such an UPDATE's cost, so a writer leaves them out where they are unchanged.
SEARCHED_FIELDS = ("full_name", "description")
TRIGRAM = 3  # characters: a shorter text has no trigram to look up
FEW = 250  # PostgreSQL: a search matching at most this many repositories selects them by id
CHUNK = 5_000  # repositories indexed a transaction: well under a second of the write lock
BUDGET_SECONDS = 20.0  # of one upkeep pass (UPKEEP_LOCK_SECONDS is 120)

_MATCHED = (f"SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH "
            """'"' || replace(lower(%s), '"', '""') || '"'"""  # the text as one phrase
            f" AND rowid NOT IN (SELECT id FROM {PENDING})")


def search_matches(value: str, vendor: str) -> Q:
    """The repositories whose name or description holds `value`, in any case (`icontains`)."""
    holds = Q(full_name__icontains=value) | Q(description__icontains=value)
    if len(value) < TRIGRAM:
        return holds
    if vendor == "postgresql":
        return _by_id_when_few(holds)
    if vendor != "sqlite":
        return holds
    added = Repository.objects.filter(holds, id__gt=RawSQL(f"SELECT id FROM {WATERMARK}", ()))
    changed = Repository.objects.filter(holds, id__in=RawSQL(f"SELECT id FROM {PENDING}", ()))
    # Three lists of ids, each read off an index, where one OR of conditions would read the catalog.
    return (Q(id__in=RawSQL(_MATCHED, (value,))) | Q(id__in=added.values("id"))
            | Q(id__in=changed.values("id")))


def _by_id_when_few(holds: Q) -> Q:
    """PostgreSQL's planner puts any trigram search at about 0.2 % of the catalog, so under an
    ORDER BY it walks the ordering's index and tests row after row: quick when matches are many
    (`lib`: 1 ms at 1,000,000), half a second when they are few or none (`zz9`). So the trigram
    indexes give up to FEW + 1 matches first (a bitmap scan: with a LIMIT the planner would read
    the table instead, which it expects to fill the LIMIT early); as many as FEW become the
    search, by id, which any ordering sorts at once; more, and the walk soon fills a page."""
    probe = Repository.objects.filter(holds).order_by().values_list("id", flat=True)[:FEW + 1]
    with transaction.atomic(using=probe.db), connections[probe.db].cursor() as cursor:
        # For this query only: a caller's transaction goes on with the setting it had.
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        [(before, _)] = cursor.fetchall()
        ids = list(probe)
        cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])
    return Q(id__in=ids) if len(ids) <= FEW else holds


def index_pending(budget_seconds: float = BUDGET_SECONDS) -> int:
    """Bring SQLite's search index up to date, a chunk a transaction, for about `budget_seconds`
    (one chunk at least); how many repositories it indexed (0 on PostgreSQL, whose indexes are
    always current). The next upkeep pass goes on where this one stopped."""
    connection = connections[router.db_for_write(Repository)]
    if connection.vendor != "sqlite":
        return 0
    done, deadline = 0, time.monotonic() + budget_seconds
    while True:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            indexed = _index_changed(cursor) or _index_added(cursor)
            if not indexed:
                _check(cursor)
        done += indexed
        if not indexed or time.monotonic() >= deadline:
            return done


def _index_changed(cursor) -> int:
    """The first CHUNK noted repositories: out with the values the index holds for each (when it
    holds one: not a repository inserted below the watermark with an id of its own), in with
    what each holds now (a deleted one: nothing)."""
    cursor.execute(f"SELECT min(id), max(id), count(*) FROM (SELECT id FROM {PENDING} ORDER BY id LIMIT %s)",
                   [CHUNK])
    first, last, count = cursor.fetchone()
    if count:
        cursor.execute(f"INSERT INTO {INDEX}({INDEX}, rowid, full_name, description) "
                       f"SELECT 'delete', id, full_name, description FROM {PENDING} WHERE id BETWEEN %s AND %s "
                       f"AND id IN (SELECT id FROM {INDEX}_docsize) ORDER BY id", [first, last])
        _insert(cursor, f"JOIN {PENDING} p ON p.id = r.id WHERE p.id BETWEEN %s AND %s", [first, last])
        cursor.execute(f"DELETE FROM {PENDING} WHERE id BETWEEN %s AND %s", [first, last])
    return count


def _index_added(cursor) -> int:
    """The first CHUNK repositories above the watermark in, the watermark up to the last."""
    cursor.execute(f"SELECT id FROM {WATERMARK}")
    (watermark,) = cursor.fetchone()
    cursor.execute(f"SELECT max(id), count(*) FROM (SELECT id FROM {_table()} WHERE id > %s ORDER BY id LIMIT %s)",
                   [watermark, CHUNK])
    last, count = cursor.fetchone()
    if count:
        _insert(cursor, "WHERE r.id > %s AND r.id <= %s", [watermark, last])
        cursor.execute(f"UPDATE {WATERMARK} SET id = %s", [last])
    return count


def _insert(cursor, where: str, params: list) -> None:
    cursor.execute(f"INSERT INTO {INDEX}(rowid, full_name, description) SELECT r.id, lower(r.full_name), "
                   f"lower(r.description) FROM {_table()} r {where} ORDER BY r.id", params)


def _check(cursor) -> None:
    """Up to date, the index holds a row for each repository. It holds fewer when one was inserted
    below the watermark (with an id of its own, or after `manage.py flush` restarted the ids),
    which no pass would index: then the index starts again from nothing (searches read the
    catalog meanwhile: slower, as exact)."""
    cursor.execute(f"SELECT (SELECT count(*) FROM {_table()}), (SELECT count(*) FROM {INDEX}_docsize)")
    repositories, indexed = cursor.fetchone()
    if repositories != indexed:
        log.warning("the search index holds %d rows for %d repositories: indexing them again", indexed, repositories)
        cursor.execute(f"INSERT INTO {INDEX}({INDEX}) VALUES ('delete-all')")
        cursor.execute(f"UPDATE {WATERMARK} SET id = 0")


def _table() -> str:
    return Repository._meta.db_table
