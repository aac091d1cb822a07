"""The index of `?search=` (repositories/search.py says how a search reads it), a kind of its own
on each database:

- SQLite: an FTS5 table of the trigrams of the lowered name and description, contentless (its
  rowid is the repository's id); the highest id it holds (its watermark: the repositories above
  it are new to it); and the repositories changed or deleted since it was last brought up to date,
  each with the lowered values the index holds for it (FTS5 needs them to remove them). Triggers
  note every DELETE, and every UPDATE of a name or description (one that writes the same values
  again, as a scan does, is no change), of a repository below the watermark; the upkeep task
  `repositories.search.index_pending` indexes the new and changed ones. An INSERT needs no
  trigger, which would cost the import: a new repository is above the watermark. The watermark
  starts at 0, so the migration takes no time and the first upkeep passes index the catalog.
- PostgreSQL: GIN trigram indexes (pg_trgm) on `UPPER(full_name::text)` and
  `UPPER(description)`, the very expressions of Django's `icontains`, which they serve.

On SQLite, Django rebuilds a table to alter it (an AddField does) and the rebuild drops the
table's triggers: a later migration that does must create them again (tests/repositories/
test_search.py fails until it does).
"""

from django.db import migrations

TABLE = "repositories_repository"
INDEX = "repositories_repository_search"
PENDING = "repositories_search_pending"
WATERMARK = "repositories_search_watermark"
# What a change notes: the values the index holds for the repository, unless it is noted already
# (the index still holds what the first change noted).
NOTE_OLD = (f"INSERT OR IGNORE INTO {PENDING}(id, full_name, description) "
            "VALUES (old.id, lower(old.full_name), lower(old.description));")
INDEXED = f"old.id <= (SELECT id FROM {WATERMARK})"

FORWARDS = {
    "sqlite": [
        f"CREATE VIRTUAL TABLE {INDEX} USING fts5(full_name, description, content='', "
        "tokenize='trigram case_sensitive 1')",
        f"CREATE TABLE {PENDING} (id integer NOT NULL PRIMARY KEY, full_name text NOT NULL, description text NOT NULL)",
        f"CREATE TABLE {WATERMARK} (id integer NOT NULL)",
        f"INSERT INTO {WATERMARK}(id) VALUES (0)",
        f"CREATE TRIGGER {INDEX}_delete AFTER DELETE ON {TABLE} WHEN {INDEXED} BEGIN {NOTE_OLD} END",
        f"CREATE TRIGGER {INDEX}_update AFTER UPDATE OF full_name, description ON {TABLE} WHEN {INDEXED} "
        "AND (old.full_name IS NOT new.full_name OR old.description IS NOT new.description) "
        f"BEGIN {NOTE_OLD} END",
    ],
    "postgresql": [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX repository_full_name_trgm ON {TABLE} USING gin (UPPER(full_name::text) gin_trgm_ops)",
        f"CREATE INDEX repository_description_trgm ON {TABLE} USING gin (UPPER(description) gin_trgm_ops)",
    ],
}
BACKWARDS = {
    "sqlite": [f"DROP TRIGGER {INDEX}_delete", f"DROP TRIGGER {INDEX}_update",
               f"DROP TABLE {WATERMARK}", f"DROP TABLE {PENDING}", f"DROP TABLE {INDEX}"],
    # pg_trgm stays: another database object may use it.
    "postgresql": ["DROP INDEX repository_full_name_trgm", "DROP INDEX repository_description_trgm"],
}


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(statement, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("repositories", "0013_cursor_order_indexes"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARDS), _run(BACKWARDS)),
    ]
