"""What scans cost: the lean and the full GraphQL query, and the points the client records
(GitHub's `rateLimit.cost` per query; in REST, every request GitHub charged, a 304 none).
Against fakegithub over HTTP, which charges by GitHub's formula."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fakegithub import FakeGitHub, generate_catalog
from scans.fetch.common import FULL_ONLY_FIELDS, Kind, RepoRef, wants_full_metadata
from scans.fetch.graphql import GraphQLFetcher
from scans.fetch.rest import RestFetcher
from scans.github.client import GitHubClient
from scans.run.connect import shared_budget

TOKEN = "tok"


@pytest.fixture(scope="module")
def catalog() -> dict:
    generated = generate_catalog(count=300, seed=5)
    for repo in generated["repositories"]:
        repo["flaky"] = 0.0  # random 502s are tested elsewhere; here every answer must be the same
    return generated


@pytest.fixture
def fake(catalog):
    with FakeGitHub(catalog=catalog["repositories"], tokens=TOKEN) as server:
        yield server


@pytest.fixture
def client(fake):
    github = GitHubClient(api_url=fake.url, budget=shared_budget(), tokens=[TOKEN], backoff=0.01, pool_size=8)
    yield github
    github.close()


def refs_for(names: list[str], *, full: bool = True, etags: dict[str, str] | None = None) -> list[RepoRef]:
    return [RepoRef(i, name, etag=(etags or {}).get(name, ""), full=full) for i, name in enumerate(names)]


def fetch(fetcher, refs: list[RepoRef]) -> dict[int, object]:
    try:
        return {result.ref.id: result for result in fetcher.fetch(refs) if result is not None}
    finally:
        fetcher.close()


def test_the_full_query_costs_5_points_per_100_repositories_and_the_lean_one_1(fake, client, catalog):
    names = catalog["import_names"][:200]

    fetch(GraphQLFetcher(client, concurrency=2), refs_for(names, full=True))
    full_points = client.points_spent
    fetch(GraphQLFetcher(client, concurrency=2), refs_for(names, full=False))

    assert full_points == 10
    assert client.points_spent - full_points == 2
    assert fake.stats()["points_spent"]["graphql"] == client.points_spent == client.points_by_resource()["graphql"]
    assert fake.stats()["graphql_queries_by_cost"] == {"1": 2, "5": 2}


def test_a_batch_never_mixes_the_lean_and_the_full_query(fake, client, catalog):
    names = catalog["import_names"][:150]
    refs = [RepoRef(i, name, full=i < 100) for i, name in enumerate(names)]

    results = fetch(GraphQLFetcher(client, concurrency=4), refs)

    assert len(results) == 150
    assert fake.stats()["graphql_queries_by_cost"] == {"1": 1, "5": 1}
    assert client.points_spent == 6
    assert {r.full_metadata for r in results.values() if r.ref.full} == {True}
    assert {r.full_metadata for r in results.values() if not r.ref.full} == {False}


def test_the_lean_and_the_full_query_give_the_same_outcomes_on_the_same_catalog(fake, client, catalog):
    names = catalog["import_names"]

    full = fetch(GraphQLFetcher(client, concurrency=4), refs_for(names, full=True))
    lean = fetch(GraphQLFetcher(client, concurrency=4), refs_for(names, full=False))

    assert len(full) == len(lean) == len(names)
    kinds = {kind: sum(r.kind == kind for r in full.values()) for kind in (Kind.FOUND, Kind.NOT_FOUND, Kind.BLOCKED)}
    assert kinds[Kind.FOUND] > 250
    assert kinds[Kind.NOT_FOUND] > 5
    assert kinds[Kind.BLOCKED] > 2
    for ref_id, answer in full.items():
        other = lean[ref_id]
        assert (other.kind, other.http_status, other.detail) == (answer.kind, answer.http_status, answer.detail)
        if answer.kind == Kind.FOUND:
            assert set(FULL_ONLY_FIELDS) <= set(answer.metadata)
            assert not set(FULL_ONLY_FIELDS) & set(other.metadata)
            assert other.metadata == {k: v for k, v in answer.metadata.items() if k not in FULL_ONLY_FIELDS}


def test_a_query_split_after_a_timeout_is_charged_only_for_what_ran(fake, client, catalog):
    fake.configure(graphql_max_batch=30)

    results = fetch(GraphQLFetcher(client, concurrency=2), refs_for(catalog["import_names"][:100]))

    assert len(results) == 100
    assert fake.stats()["by_endpoint"]["graphql"]["502"] >= 3
    assert client.points_spent == fake.stats()["points_spent"]["graphql"] == 4  # four queries of 25: 1 point each


def test_rest_points_are_the_requests_github_charged_and_a_304_costs_none(fake, client, catalog):
    names = catalog["import_names"]

    # Health checks only (`full=False`: the maintenance signals not due), one request a repository.
    first = fetch(RestFetcher(client, concurrency=8), refs_for(names, full=False))
    charged = client.points_spent
    # The rescan asks the names and ETags as the first scan stored them (a move: the new name).
    stored = {r.ref.id: (r.metadata or {}).get("full_name") or r.ref.full_name for r in first.values()}
    etags = {stored[r.ref.id]: r.etag for r in first.values() if r.etag}
    second = fetch(RestFetcher(client, concurrency=8), refs_for([stored[i] for i in range(len(names))], full=False,
                                                                     etags=etags))

    moved = sum(1 for i, name in enumerate(names) if stored[i] != name)
    assert moved > 5
    assert charged == len(names) + moved
    assert sum(r.kind == Kind.NOT_MODIFIED for r in second.values()) == len(etags) > 250
    assert client.points_spent - charged == len(names) - len(etags)  # the 304s were free
    assert fake.stats()["points_spent"]["core"] == client.points_spent
    assert client.points_by_resource() == {"core": client.points_spent, "graphql": 0}


@pytest.mark.parametrize(("fetched_hours_ago", "max_age_hours", "full"), [
    (None, 24, True), (23.9, 24, False), (24, 24, True), (100, 24, True), (0, 0, True), (1, 0, True),
])
def test_full_metadata_is_due_when_never_fetched_or_as_old_as_the_setting(fetched_hours_ago, max_age_hours, full):
    now = datetime(2026, 1, 2, 12, tzinfo=timezone.utc)
    fetched = None if fetched_hours_ago is None else now - timedelta(hours=fetched_hours_ago)
    assert wants_full_metadata(fetched, now=now, max_age=timedelta(hours=max_age_hours)) is full
