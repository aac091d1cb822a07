"""`?search=` (repositories.search): the rows it selects are exactly those of the substring search
it replaced (`icontains` on the name or the description), on both databases, whatever SQLite's
index holds yet: nothing, everything, or everything but the latest changes. And the index is
there: SQLite's triggers after every migration, PostgreSQL's trigram indexes serving the query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from repositories import search
from repositories.filters import filter_repositories
from repositories.models import Repository

pytestmark = pytest.mark.django_db
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own index")

# Names and descriptions where a substring search and a word or case-folding index part ways.
CATALOG = [
    ("psf/requests", "A simple, yet elegant, HTTP library."),
    ("Acme/LibGit-Tools", "Tools for libgit2, with 100% coverage"),
    ("acme/under_score", 'He said "hello" and left; it\'s fine'),
    ("acme/back-slash", r"C:\path\to\lib and a % sign"),
    ("école/élan", "pour le café"),  # LIKE folds ASCII's case only: "ÉCOLE" is not "école"
    ("acme/upper", "ÉCOLE NATIONALE, CAFÉ"),
    ("tr/istanbul", "İstanbul’s \u212aelvin sign and ſ long s"),  # Unicode folds İ, K (Kelvin) and ſ
    ("emoji/rocket", "🚀 launches rockets 🚀"),
    ("acme/empty", ""),
    ("acme/abc", "xyz"),
]
TERMS = [
    "lib", "LIB", "Lib", "libgit2", "http library", "simple, yet", "100%", "0% c", "_sc", "under_score",
    '"hello"', 'said "h', "it's", r"\path", r"C:\p", "% sign", "école", "ÉCOLE", "École", "élan", "café",
    "CAFÉ", "ist", "İst", "kel", "\u212ael", "ſ l", "s l", "🚀 la", "rockets 🚀", "abcxyz", "c/x", "acme/",
    "ACME/", "a", "é", "🚀", "ab", "zz", "nothing here", "*", "lib*", "OR", "NEAR(", "'", '"',
]


def add(name: str, description: str = "") -> Repository:
    return Repository.objects.create(imported_name=name, full_name=name, description=description)


def found(term: str) -> list[int]:
    return list(filter_repositories({"search": term}).values_list("id", flat=True))


def substring_search(term: str) -> list[int]:
    """What `?search=` selected before it had an index."""
    rows = Repository.objects.filter(Q(full_name__icontains=term) | Q(description__icontains=term))
    return list(rows.order_by("full_name", "id").values_list("id", flat=True))


def assert_same_as_substring_search() -> None:
    for term in TERMS:
        assert found(term) == substring_search(term), term


def indexed(term: str) -> set[int]:
    """The ids SQLite's index alone matches."""
    matched = RawSQL(f"SELECT rowid FROM {search.INDEX} WHERE {search.INDEX} MATCH "
                     """'"' || replace(lower(%s), '"', '""') || '"'""", (term,))
    return set(Repository.objects.filter(id__in=matched).values_list("id", flat=True))


def pending() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {search.PENDING}")
        return cursor.fetchone()[0]


@pytest.fixture
def catalog():
    return {name: add(name, description) for name, description in CATALOG}


def test_the_rows_are_the_substring_searchs_before_and_after_indexing(catalog):
    assert_same_as_substring_search()  # SQLite: nothing indexed yet, every row tested
    search.index_pending()
    assert_same_as_substring_search()


def test_changes_are_found_before_the_index_catches_up_and_after(catalog):
    search.index_pending()
    Repository.objects.filter(full_name="psf/requests").update(full_name="psf/niquests", description="HTTP, async")
    Repository.objects.filter(full_name="acme/empty").update(description="now a lib")
    catalog["acme/abc"].delete()
    add("acme/new-lib", "added after the index")
    assert_same_as_substring_search()
    assert found("requests") == []
    assert found("niquests") == [catalog["psf/requests"].id]
    search.index_pending()
    assert_same_as_substring_search()


def test_the_rows_are_the_same_whether_a_search_matches_few_or_many(catalog, monkeypatch):
    """PostgreSQL selects a search's few matches by id (the ones it found first) and leaves many
    to the planner; SQLite ignores FEW. One match is "few" here, two are "many"."""
    monkeypatch.setattr(search, "FEW", 1)
    assert_same_as_substring_search()
    search.index_pending()
    assert_same_as_substring_search()
    if connection.vendor == "postgresql":  # the probe's planner setting stayed with the probe
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            assert cursor.fetchone() == ("on",)


@on_sqlite
def test_the_index_answers_a_search_once_it_caught_up(catalog):
    search.index_pending()
    assert pending() == 0
    for term in TERMS:
        if len(term) >= search.TRIGRAM:
            assert indexed(term) == set(substring_search(term)), term


@on_sqlite
def test_only_a_change_of_name_or_description_is_noted(catalog):
    search.index_pending()
    requests = catalog["psf/requests"]
    requests.stars, requests.description = 50_000, requests.description  # a scan writing what it read
    requests.save()
    add("acme/later")  # above the watermark: no trigger
    assert pending() == 0
    Repository.objects.filter(id=requests.id).update(description="changed")
    Repository.objects.filter(id=requests.id).update(description="changed again")
    catalog["acme/abc"].delete()
    assert pending() == 2  # each once, with what the index holds
    assert search.index_pending() == 3  # the two, and the one added
    assert pending() == 0
    assert indexed("changed again") == {requests.id}
    assert indexed("xyz") == set()


@on_sqlite
def test_a_pass_indexes_a_chunk_at_least_and_the_next_goes_on(catalog, monkeypatch):
    monkeypatch.setattr(search, "CHUNK", 4)
    assert len(catalog) == 10
    assert [search.index_pending(budget_seconds=0) for _ in range(4)] == [4, 4, 2, 0]
    assert_same_as_substring_search()


@on_sqlite
def test_a_repository_added_below_the_watermark_is_indexed_again_with_the_rest(catalog):
    search.index_pending()
    gone = catalog["acme/abc"].id
    Repository.objects.filter(id=gone).delete()
    search.index_pending()
    Repository.objects.create(id=gone, imported_name="acme/back", full_name="acme/back", description="restored")
    search.index_pending()  # up to date, it holds a row fewer than the catalog: it starts again
    search.index_pending()
    assert indexed("restored") == {gone}
    assert_same_as_substring_search()


@on_sqlite
def test_every_migration_leaves_the_triggers_in_place():
    """Django rebuilds a SQLite table to alter it, which drops its triggers: a migration that
    alters repositories_repository must create them again (0014_search_index's SQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                       [Repository._meta.db_table])
        triggers = {name for (name,) in cursor.fetchall()}
    assert triggers == {f"{search.INDEX}_delete", f"{search.INDEX}_update"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigram indexes")
def test_the_trigram_indexes_serve_the_search(catalog):
    """Their expressions are those of Django's icontains, which a search reads its matches with
    first (`_by_id_when_few`): with a few rows the planner prefers to read the table, so it is told
    not to, and finds them."""
    rows = Repository.objects.filter(Q(full_name__icontains="lib") | Q(description__icontains="lib")).order_by()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = rows.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Bitmap Index Scan on repository_full_name_trgm" in plan
    assert "Bitmap Index Scan on repository_description_trgm" in plan
