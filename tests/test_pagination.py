"""The API's lists page by cursor (repohealth/web/pagination.py): following `next` from the first
page reads every row once, in the list's order, for every ordering the catalog offers (ties and
NULLs included) and while rows are added and removed; `previous` walks back through the same
pages; a cursor the API did not give, or a `page_size` that is not a whole number, is a 400 naming
it. CI runs this on SQLite (NULLs smallest) and PostgreSQL (NULLs largest)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from repositories.filters import ORDERINGS, filter_repositories
from repositories.models import MetricSnapshot, Repository, RepositoryChange, Source, SourcePackage
from scans.models import ScanJob, ScanResult

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=123456)
Health = Repository.Health


@pytest.fixture
def catalog() -> list[int]:
    """17 repositories whose every sortable column ties (and is NULL, where it may be) somewhere."""
    healths = [Health.HEALTHY, Health.HEALTHY, Health.STALE, Health.ARCHIVED, Health.UNKNOWN]
    pushed = [None, NOW, NOW, NOW - timedelta(days=3), None, NOW - timedelta(microseconds=1)]
    rows = Repository.objects.bulk_create([
        Repository(imported_name=f"acme/r{i:02}", full_name=f"acme/r{i:02}", stars=[0, 0, 5, 0, 12][i % 5],
                   forks=i % 3, open_issues=[0, 7][i % 2], language=["", "Go", "Python", "Go"][i % 4],
                   health=healths[i % 5], pushed_at=pushed[i % 6], last_checked_at=pushed[(i + 2) % 6])
        for i in range(17)])
    day = NOW.date() - timedelta(days=40)
    MetricSnapshot.objects.bulk_create([MetricSnapshot(repository=row, day=day, stars=row.stars + i % 3)
                                        for i, row in enumerate(rows[:8])])
    return [row.id for row in rows]


def ordered_ids(ordering: str) -> list[int]:
    return list(filter_repositories({"ordering": ordering}).values_list("id", flat=True))


def walk(api, url: str) -> list[dict]:
    """Every answer from `url` on, by `next`."""
    bodies = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        bodies.append(response.json())
        url = bodies[-1]["next"]
    return bodies


def ids_of(bodies: list[dict], key: str = "id") -> list:
    return [row[key] for body in bodies for row in body["results"]]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_next_reads_every_repository_once_in_the_orderings_order(api, catalog, ordering):
    bodies = walk(api, f"/api/repositories/?ordering={ordering}&page_size=3")
    assert ids_of(bodies) == ordered_ids(ordering)
    assert [len(body["results"]) for body in bodies] == [3] * 5 + [2]
    assert all(set(body) == {"next", "previous", "results"} for body in bodies)


@pytest.mark.parametrize("ordering", ["full_name", "-stars", "health", "pushed_at", "-pushed_at", "last_checked_at",
                                      "-last_checked_at", "-stars_delta"])
def test_previous_walks_back_through_the_same_pages(api, catalog, ordering):
    forward = walk(api, f"/api/repositories/?ordering={ordering}&page_size=4")
    assert forward[0]["previous"] is None
    back, url = [], forward[-1]["previous"]
    while url:
        back.append(api.get(url).json())
        url = back[-1]["previous"]
    assert [body["results"] for body in reversed(back)] == [body["results"] for body in forward[:-1]]
    assert api.get(back[0]["next"]).json()["results"] == forward[-1]["results"]


def _added(template: Repository, n: int) -> list[int]:
    """`n` new repositories that tie with `template` on every sortable column (the id apart)."""
    rows = Repository.objects.bulk_create([
        Repository(imported_name=f"{template.full_name}-{i}", full_name=f"{template.full_name}-{i}",
                   stars=template.stars, forks=template.forks, open_issues=template.open_issues,
                   language=template.language, health=template.health, pushed_at=template.pushed_at,
                   last_checked_at=template.last_checked_at) for i in range(n)])
    return [row.id for row in rows]


@pytest.mark.parametrize("ordering", ["full_name", "-stars", "stars", "pushed_at", "-pushed_at", "-last_checked_at"])
def test_rows_added_and_removed_during_the_walk_neither_repeat_nor_skip_another(api, catalog, ordering):
    order = ordered_ids(ordering)
    first = api.get(f"/api/repositories/?ordering={ordering}&page_size=5").json()
    position = first["results"][-1]["id"]
    # New rows tying with the first row (before the position), the position's row and the last
    # one (after it); one row not yet read is deleted.
    rows = Repository.objects.in_bulk([order[0], position, order[-1]])
    added = [*_added(rows[order[0]], 2), *_added(rows[position], 3), *_added(rows[order[-1]], 2)]
    gone = order[8]
    Repository.objects.filter(id=gone).delete()
    seen = ids_of([first, *walk(api, first["next"])])

    assert len(seen) == len(set(seen))
    assert set(order) - {gone} <= set(seen)
    assert gone not in seen
    now = ordered_ids(ordering)
    after = {row for row in added if now.index(row) > now.index(position)}
    assert set(seen) - set(order) == after, "the added rows after the position, not those before it"
    assert seen == [row for row in now if row in set(seen)], "in the list's order"


# --- the other lists ---------------------------------------------------------------------------------
def _changes(owner) -> tuple[str, list]:
    repository = Repository.objects.create(imported_name="acme/a", full_name="acme/a")
    RepositoryChange.objects.bulk_create([RepositoryChange(repository=repository, full_name="acme/a", field="stars",
                                                           old=i, new=i + 1, at=NOW - timedelta(hours=i // 3))
                                          for i in range(8)])
    return "/api/changes/", list(RepositoryChange.objects.order_by("-at", "-id").values_list("id", flat=True))


def _scans(owner) -> tuple[str, list]:
    ScanJob.objects.bulk_create([ScanJob(requested_by=owner, created_at=NOW - timedelta(hours=i // 3))
                                 for i in range(8)])
    return "/api/scans/", [str(i) for i in ScanJob.objects.order_by("-created_at", "-id").values_list("id", flat=True)]


def _results(owner) -> tuple[str, list]:
    scan = ScanJob.objects.create(requested_by=owner)
    other = ScanJob.objects.create(requested_by=owner)
    for i in range(8):
        ScanResult.objects.create(scan=scan, full_name=f"acme/r{i}", outcome=Health.HEALTHY)
        ScanResult.objects.create(scan=other, full_name=f"acme/r{i}", outcome=Health.HEALTHY)
    return f"/api/scans/{scan.id}/results/", list(scan.results.order_by("id").values_list("id", flat=True))


def _sources(owner) -> tuple[str, list]:
    Source.objects.bulk_create([Source(label="l", filename=f"f{i}", format="text", text="", created_at=NOW)
                                for i in range(8)])
    return "/api/sources/", list(Source.objects.order_by("-created_at", "-id").values_list("id", flat=True))


def _dependencies(owner) -> tuple[str, list]:
    source = Source.objects.create(label="l", filename="package-lock.json", format="package-lock", text="{}")
    SourcePackage.objects.bulk_create([SourcePackage(source=source, ecosystem="npm", name=f"p{i}")
                                       for i in range(8)])
    return f"/api/sources/{source.id}/dependencies", [f"p{i}" for i in range(8)]


@pytest.mark.parametrize("rows", [_changes, _scans, _results, _sources, _dependencies])
def test_every_list_reads_each_row_once_in_its_order(api, owner, rows):
    url, expected = rows(owner)
    key = "name" if "dependencies" in url else "id"
    bodies = walk(api, f"{url}?page_size=3")
    assert ids_of(bodies, key) == expected
    assert len(bodies) == 3
    back = api.get(bodies[-1]["previous"]).json()
    assert back["results"] == bodies[1]["results"]


# --- what it refuses ---------------------------------------------------------------------------------
def test_a_cursor_the_api_did_not_give_is_a_400_naming_it(api, catalog):
    cursor = parse_qs(urlsplit(api.get("/api/repositories/?page_size=2").json()["next"]).query)["cursor"][0]
    payload, signature = cursor.rsplit(":", 1)
    for forged in ["x", "eyJvIjpbXX0", f"{payload[:-2]}AA:{signature}", f"{payload}:{signature[::-1]}",
                   "%00" * 3, "é:é", ":" * 50, "a" * 2000]:
        response = api.get("/api/repositories/", {"cursor": forged})
        assert response.status_code == 400, forged
        assert response.json()["errors"] == {"cursor": [response.json()["detail"].removeprefix("cursor: ")]}


def test_a_cursor_given_for_another_ordering_or_list_is_a_400(api, owner, catalog):
    by_stars = api.get("/api/repositories/?ordering=-stars&page_size=2").json()["next"]
    response = api.get(by_stars.replace("ordering=-stars", "ordering=stars"))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("cursor: given for another ordering")
    url, _ = _changes(owner)
    of_changes = api.get(url, {"page_size": 2}).json()["next"].split("?")[1]
    assert api.get(f"/api/repositories/?{of_changes}").status_code == 400


@pytest.mark.parametrize("size", ["abc", "0", "-3", "1.5", "9" * 5000])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_a_400_naming_it(api, catalog, size):
    response = api.get("/api/repositories/", {"page_size": size})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page_size"]


def test_the_schema_says_the_lists_page_by_cursor_without_a_count(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    for path in ["/api/repositories", "/api/changes", "/api/scans/{id}/results", "/api/sources",
                 "/api/sources/{id}/dependencies"]:
        operation = paths[path]["get"]
        assert {"cursor", "page_size"} <= {p["name"] for p in operation["parameters"]}, path
        assert "page" not in {p["name"] for p in operation["parameters"]}, path
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]
        page = components[page["$ref"].rsplit("/", 1)[1]] if "$ref" in page else page
        assert "no `count`" in page["description"], path
        assert set(page["properties"]) == {"next", "previous", "results"}, path
