"""GraphQL batch scanning and the token pool, against fakegithub over HTTP."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fakegithub import generate_catalog
from repositories.models import Repository
from scans import services
from scans.fetch.common import RepoRef
from scans.fetch.graphql import build_query
from scans.models import ScanJob
from scans.run.apply import SCANNED_FIELDS
from scans.run.engine import scan_run

pytestmark = pytest.mark.django_db

SHARED_FIELDS = [f for f in SCANNED_FIELDS if f not in ("etag", "last_checked_at", "metadata_fetched_at")]


def track(names) -> list[Repository]:
    return Repository.objects.bulk_create([Repository(imported_name=n, full_name=n) for n in names])


def scan(repos, **kwargs):
    job = services.scan_start(repositories=[r.id for r in repos], enqueue=False, **kwargs)
    return scan_run(scan_id=job.id)


def snapshot(repos) -> dict[int, dict]:
    return {r.id: {f: getattr(r, f) for f in SHARED_FIELDS} for r in Repository.objects.filter(
        id__in=[r.id for r in repos])}


@pytest.fixture
def tokens(fake_github, settings):
    settings.GITHUB_TOKENS = ["tok-a"]
    fake_github.configure(tokens="tok-a")
    return settings.GITHUB_TOKENS


def test_the_query_asks_for_aliases_and_the_rate_limit():
    query, variables = build_query([RepoRef(1, "psf/requests"), RepoRef(2, "gone/missing")],
                                   since="2025-12-07T00:00:00Z")
    assert query.startswith("query($o0: String!, $n0: String!, $o1: String!, $n1: String!, $since: GitTimestamp!) {")
    assert "r0: repository(owner: $o0, name: $n0) { ...F }" in query
    assert "r1: repository(owner: $o1, name: $n1) { ...F }" in query
    assert variables == {"o0": "psf", "n0": "requests", "o1": "gone", "n1": "missing", "since": "2025-12-07T00:00:00Z"}
    assert "history(since: $since) { totalCount }" in query
    assert "latestRelease {" in query
    lean, lean_variables = build_query([RepoRef(1, "psf/requests")], full=False)
    assert "$since" not in lean
    assert "since" not in lean_variables
    assert "history" not in lean
    assert "target { ... on Commit { committedDate } }" in lean
    assert "rateLimit { cost remaining resetAt }" in query
    assert "fragment F on Repository" in query
    assert build_query([RepoRef(7, "a/b"), RepoRef(8, "c/d")]).text == query  # one text per batch size


def test_rest_and_graphql_give_the_same_outcome_and_metadata_for_500_repositories(fake_github, tokens, settings):
    catalog = generate_catalog(count=500, seed=11)
    for repo in catalog["repositories"]:
        repo["flaky"] = 0.0  # flakiness is random per request; its handling is tested apart
    fake_github.load_catalog(catalog["repositories"], replace=True)
    names = catalog["import_names"]
    repos = track(names)

    rest = scan(repos, mode="rest")
    after_rest = snapshot(repos)
    # Back to the rows as imported (the in-memory objects still hold them), then scan again.
    Repository.objects.bulk_update(repos, ["full_name", "previous_names", "health", "health_detail", "etag"])
    fake_github.reset_stats()

    graphql = scan(repos, mode="graphql", full=True)  # the full query: every field to compare
    after_graphql = snapshot(repos)

    assert rest.status == graphql.status == ScanJob.Status.COMPLETED
    assert rest.counts() == graphql.counts()
    assert sum(rest.counts().values()) == len(names)
    different = {pk: {f: (after_rest[pk][f], after_graphql[pk][f]) for f in SHARED_FIELDS
                      if after_rest[pk][f] != after_graphql[pk][f] and f != "health_detail"}
                 for pk in after_rest}
    assert {pk: d for pk, d in different.items() if d} == {}
    stats = fake_github.stats()
    assert stats["by_endpoint"]["graphql"] == {"200": 5}, "500 repositories in 5 requests of 100"
    assert stats["points_spent"]["graphql"] == 25, "each query of 100 has 500 connections: 5 points"


def test_a_batch_that_times_out_is_split_in_half_and_retried(fake_github, tokens, settings):
    fake_github.configure(graphql_max_batch=30)
    repos = track([r["full_name"] for r in fake_github.repositories()[:100] if not r.get("flaky")])

    job = scan(repos, mode="graphql")

    assert job.status == ScanJob.Status.COMPLETED
    assert job.errors == 0
    assert job.current == len(repos)
    graphql = fake_github.stats()["by_endpoint"]["graphql"]
    assert graphql["502"] >= 3
    assert graphql["200"] >= 4


def test_rate_limited_graphql_waits_for_the_reset_and_goes_on(fake_github, tokens, settings):
    settings.SCAN_GRAPHQL_BATCH = 10
    settings.SCAN_CONCURRENCY = 1
    fake_github.configure(graphql_rate_limit=(2, 1))
    repos = track([r["full_name"] for r in fake_github.repositories()[:40] if not r.get("flaky")])

    job = scan(repos, mode="graphql")

    log = [r for r in fake_github.request_log() if r["path"] == "/graphql"]
    assert job.status == ScanJob.Status.COMPLETED
    assert job.current == len(repos)
    assert job.errors == 0
    answered = [r for r in log if r["status"] == 200]
    assert len(answered) >= 4
    # Two points a second: the third request never comes within the first one's window.
    assert answered[2]["time"] - answered[0]["time"] >= 1.0


def test_a_two_token_pool_goes_on_without_waiting_when_one_token_runs_out(fake_github, settings):
    import requests

    settings.GITHUB_TOKENS = ["tok-a", "tok-b"]
    fake_github.configure(tokens="tok-a,tok-b", rate_limit=(40, 30))
    names = [r["full_name"] for r in fake_github.repositories()[:30] if not r.get("flaky")]
    for _ in range(40):  # token a spends its whole window before the scan
        requests.get(f"{fake_github.url}/repos/{names[0]}", headers={"Authorization": "Bearer tok-a"}, timeout=5)
    fake_github.reset_stats()
    repos = track(names)
    # Health checks only (the maintenance signals not due): one request a repository, within tok-b's 40.
    Repository.objects.update(metadata_fetched_at=timezone.now())

    job = scan(repos, mode="rest")

    log = [r for r in fake_github.request_log() if r["path"].startswith("/repos/")]
    assert job.status == ScanJob.Status.COMPLETED
    assert job.current == len(names)
    assert job.errors == 0
    assert [r["token"] for r in log if r["status"] == 403] == ["tok-a"] * len([r for r in log if r["status"] == 403])
    assert {r["token"] for r in log if r["status"] != 403} == {"tok-b"}
    assert "Rate limited" not in job.message
    first_refusal = min(r["time"] for r in log if r["status"] == 403)
    assert max(r["time"] for r in log) < first_refusal + 30, "the scan never waited for token a's reset"


def test_a_rejected_token_is_dropped_and_the_others_carry_on(fake_github, settings, caplog):
    settings.GITHUB_TOKENS = ["tok-bad", "tok-good"]
    fake_github.configure(tokens="tok-good")
    repos = track([r["full_name"] for r in fake_github.repositories()[:20] if not r.get("flaky")])

    job = scan(repos, mode="rest")

    assert job.status == ScanJob.Status.COMPLETED
    assert job.errors == 0
    assert "401 Bad credentials" in caplog.text
    assert "tok-bad" not in caplog.text
