"""The fake GitHub server answers like GitHub (see docs/github.md).

Every test talks HTTP to a real ``FakeGitHub`` on loopback with ``requests``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

import fakegithub
from fakegithub import FakeGitHub, generate_catalog
from tests.conftest import wait_for

REPO_ROOT = Path(fakegithub.__file__).resolve().parent.parent
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)

CATALOG = [
    {"id": 101, "full_name": "acme/healthy", "stars": 42, "forks": 7, "open_issues": 3,
     "watchers": 5, "license": "MIT", "language": "Python", "topics": ["cli", "json"],
     "description": "A healthy one", "pushed_at": "2025-05-01T10:00:00Z"},
    {"id": 102, "full_name": "acme/old-tool", "archived": True},
    {"id": 103, "full_name": "acme/switched-off", "disabled": True},
    {"id": 104, "full_name": "new-owner/new-name", "previous_names": ["acme/old-name"]},
    {"id": 105, "full_name": "acme/taken-down", "block": "dmca"},
    {"id": 106, "full_name": "acme/against-tos", "block": "tos"},
    {"id": 107, "full_name": "acme/wobbly", "flaky": 1.0},
    {"id": 108, "full_name": "acme/secret", "private": True},
]


@pytest.fixture
def fake():
    with FakeGitHub(catalog=CATALOG) as server:
        yield server


def get(fake: FakeGitHub, path: str, token: str | None = None, **kwargs) -> requests.Response:
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(fake.url + path, headers=headers, timeout=10, **kwargs)


def graphql(fake: FakeGitHub, query: str, token: str | None = "t1", **kwargs) -> requests.Response:
    headers = {"Authorization": f"bearer {token}"} if token else {}
    return requests.post(fake.url + "/graphql", json={"query": query, **kwargs},
                         headers=headers, timeout=10)


# --------------------------------------------------------------------------- REST 200

def test_it_answers_200_with_githubs_fields_for_a_healthy_repository(fake):
    answer = get(fake, "/repos/acme/healthy")
    body = answer.json()
    assert answer.status_code == 200
    assert body["full_name"] == "acme/healthy"
    assert body["name"] == "healthy"
    assert body["owner"]["login"] == "acme"
    assert body["owner"]["type"] in ("Organization", "User")
    assert body["html_url"] == "https://github.com/acme/healthy"
    assert body["stargazers_count"] == 42
    assert body["watchers_count"] == 42
    assert body["subscribers_count"] == 5
    assert body["forks_count"] == 7
    assert body["open_issues_count"] == 3
    assert body["archived"] is False
    assert body["license"] == {"key": "mit", "name": "MIT License", "spdx_id": "MIT"}
    assert body["topics"] == ["cli", "json"]
    assert body["visibility"] == "public"
    assert body["pushed_at"] == "2025-05-01T10:00:00Z"
    assert answer.headers["ETag"].startswith('W/"')
    assert len(answer.headers["ETag"]) == 64 + 4
    assert answer.headers["Cache-Control"] == "private, max-age=60"
    assert "Last-Modified" in answer.headers
    assert "X-GitHub-Request-Id" in answer.headers
    assert answer.headers["X-RateLimit-Resource"] == "core"
    assert answer.headers["X-RateLimit-Limit"] == "5000"
    assert answer.headers["X-RateLimit-Remaining"] == "4999"


def test_it_answers_200_with_archived_true_for_an_archived_repository(fake):
    answer = get(fake, "/repos/acme/old-tool")
    assert answer.status_code == 200
    assert answer.json()["archived"] is True


def test_it_answers_200_with_disabled_true_for_a_disabled_repository(fake):
    answer = get(fake, "/repos/acme/switched-off")
    assert answer.status_code == 200
    assert answer.json()["disabled"] is True


def test_it_looks_up_owner_and_name_case_insensitively(fake):
    answer = get(fake, "/repos/ACME/Healthy")
    assert answer.status_code == 200
    assert answer.json()["full_name"] == "acme/healthy"


def test_it_fills_missing_catalog_keys_with_defaults(fake):
    body = get(fake, "/repos/acme/old-tool").json()
    assert body["description"] is None
    assert body["license"] is None
    assert body["language"] is None
    assert body["topics"] == []
    assert body["default_branch"] == "main"
    assert body["fork"] is False


# --------------------------------------------------------------------------- 301 / 304

def test_it_answers_301_for_a_renamed_repository(fake):
    answer = get(fake, "/repos/acme/old-name", allow_redirects=False)
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"{fake.url}/repositories/104"
    assert answer.json()["message"] == "Moved Permanently"
    assert answer.json()["url"] == f"{fake.url}/repositories/104"
    assert "documentation_url" in answer.json()


def test_following_the_301_location_answers_the_repository_under_its_new_name(fake):
    answer = get(fake, "/repos/ACME/OLD-NAME")
    assert [step.status_code for step in answer.history] == [301]
    assert answer.status_code == 200
    assert answer.url == f"{fake.url}/repositories/104"
    assert answer.json()["full_name"] == "new-owner/new-name"
    assert answer.json() == get(fake, "/repos/new-owner/new-name").json()


def test_it_answers_304_for_the_current_etag_without_spending_a_point_when_authenticated(fake):
    first = get(fake, "/repos/acme/healthy", token="t1")
    again = get(fake, "/repos/acme/healthy", token="t1", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["X-RateLimit-Remaining"] == first.headers["X-RateLimit-Remaining"]
    assert fake.stats()["points_spent"]["core"] == 1


def test_a_304_without_a_token_still_spends_a_point(fake):
    first = get(fake, "/repos/acme/healthy")
    again = get(fake, "/repos/acme/healthy", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert int(again.headers["X-RateLimit-Remaining"]) == int(first.headers["X-RateLimit-Remaining"]) - 1
    assert fake.stats()["points_spent"]["core"] == 2


def test_it_answers_200_again_once_the_repository_changed(fake):
    first = get(fake, "/repos/acme/healthy", token="t1")
    fake.patch_repo("acme/healthy", stars=43)
    again = get(fake, "/repos/acme/healthy", token="t1", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert again.json()["stargazers_count"] == 43


def test_etags_differ_per_token(fake):
    one = get(fake, "/repos/acme/healthy", token="t1").headers["ETag"]
    two = get(fake, "/repos/acme/healthy", token="t2").headers["ETag"]
    assert one != two
    assert get(fake, "/repos/acme/healthy", token="t2", headers={"If-None-Match": one}).status_code == 200


# --------------------------------------------------------------------------- 404 / blocked / 401

def test_it_answers_404_for_an_unknown_repository(fake):
    answer = get(fake, "/repos/gone/missing")
    assert answer.status_code == 404
    assert answer.json() == {"message": "Not Found", "status": "404",
                             "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository"}


def test_it_answers_404_for_a_private_repository_it_cannot_see(fake):
    assert get(fake, "/repos/acme/secret").status_code == 404


def test_it_answers_451_for_a_dmca_blocked_repository(fake):
    answer = get(fake, "/repos/acme/taken-down")
    assert answer.status_code == 451
    assert answer.json()["message"] == "Repository access blocked"
    assert answer.json()["block"]["reason"] == "dmca"
    assert {"created_at", "html_url"} <= set(answer.json()["block"])


def test_it_answers_403_for_a_repository_blocked_for_terms_of_service(fake):
    answer = get(fake, "/repos/acme/against-tos")
    assert answer.status_code == 403
    assert answer.json()["message"] == "Repository access blocked"
    assert answer.json()["block"]["reason"] == "tos"


def test_it_answers_401_bad_credentials_for_a_token_it_does_not_know(fake):
    fake.configure(tokens=["good"])
    answer = get(fake, "/repos/acme/healthy", token="wrong")
    assert answer.status_code == 401
    assert answer.json()["message"] == "Bad credentials"
    assert answer.json()["status"] == "401"
    assert get(fake, "/repos/acme/healthy", token="good").status_code == 200


def test_it_accepts_the_token_scheme_and_unauthenticated_requests_when_tokens_are_configured(fake):
    fake.configure(tokens="good,other")
    assert get(fake, "/repos/acme/healthy", headers={"Authorization": "token other"}).status_code == 200
    assert get(fake, "/repos/acme/healthy").status_code == 200


# --------------------------------------------------------------------------- rate limits

def test_it_answers_403_with_remaining_0_and_a_future_reset_once_the_primary_limit_is_spent(fake):
    fake.configure(rate_limit=(2, 2))
    statuses = [get(fake, "/repos/acme/healthy", token="t1").status_code for _ in range(2)]
    limited = get(fake, "/repos/acme/healthy", token="t1")
    assert statuses == [200, 200]
    assert limited.status_code == 403
    assert limited.json()["message"].startswith("API rate limit exceeded")
    assert limited.json()["message"] == "API rate limit exceeded for user ID 1."
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) > time.time()
    assert fake.stats()["points_spent"]["core"] == 2


def test_it_counts_the_primary_limit_per_token(fake):
    fake.configure(rate_limit=(1, 2))
    assert get(fake, "/repos/acme/healthy", token="t1").status_code == 200
    assert get(fake, "/repos/acme/healthy", token="t1").status_code == 403
    assert get(fake, "/repos/acme/healthy", token="t2").status_code == 200
    assert get(fake, "/repos/acme/healthy").status_code == 200


def test_the_primary_window_starts_afresh_at_its_announced_reset(fake):
    fake.configure(rate_limit=(1, 1))
    get(fake, "/repos/acme/healthy", token="t1")
    limited = get(fake, "/repos/acme/healthy", token="t1")
    assert limited.status_code == 403
    reset = int(limited.headers["X-RateLimit-Reset"])
    time.sleep(max(0.0, reset - time.time()))  # wait exactly as a client must: until the reset
    assert get(fake, "/repos/acme/healthy", token="t1").status_code == 200


def test_it_can_answer_the_primary_limit_with_429(fake):
    fake.configure(rate_limit=(0, 2), rate_limit_status=429)
    answer = get(fake, "/repos/acme/healthy")
    assert answer.status_code == 429
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert answer.json()["message"].startswith("API rate limit exceeded")


def test_it_answers_a_secondary_limit_with_retry_after(fake):
    fake.configure(secondary_next=1, secondary_retry_after=3)
    answer = get(fake, "/repos/acme/healthy")
    assert answer.status_code == 403
    assert answer.headers["Retry-After"] == "3"
    assert answer.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert get(fake, "/repos/acme/healthy").status_code == 200


def test_it_answers_a_secondary_limit_without_retry_after_when_told_to(fake):
    fake.configure(secondary_next=2, secondary_no_retry_after=True)
    answers = [get(fake, "/repos/acme/healthy") for _ in range(2)]
    assert [answer.status_code for answer in answers] == [403, 403]
    assert all("Retry-After" not in answer.headers for answer in answers)
    assert fake.stats()["points_spent"]["core"] == 0


def test_rate_limit_endpoint_reports_both_quotas_without_spending(fake):
    fake.configure(rate_limit=(10, 60), graphql_rate_limit=(100, 60))
    get(fake, "/repos/acme/healthy", token="t1")
    body = get(fake, "/rate_limit", token="t1").json()
    assert body["resources"]["core"]["limit"] == 10
    assert body["resources"]["core"]["remaining"] == 9
    assert body["resources"]["graphql"]["limit"] == 100
    assert body["rate"]["used"] == 1
    assert get(fake, "/rate_limit", token="t1").json()["rate"]["remaining"] == 9


# --------------------------------------------------------------------------- faults

def test_it_answers_502_for_the_next_requests_after_fail_next(fake):
    fake.configure(fail_next=2)
    statuses = [get(fake, "/repos/acme/healthy").status_code for _ in range(3)]
    assert statuses == [502, 502, 200]


def test_an_error_rate_of_1_fails_every_repository_request_with_502_or_503(fake):
    fake.configure(error_rate=1.0)
    assert {get(fake, "/repos/acme/healthy").status_code for _ in range(10)} <= {502, 503}
    assert get(fake, "/rate_limit").status_code == 200


def test_a_flaky_repository_answers_502(fake):
    assert get(fake, "/repos/acme/wobbly").status_code == 502


def test_an_injected_hang_makes_a_client_time_out(fake):
    fake.configure(hang_next=1, hang_seconds=30)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(fake.url + "/repos/acme/healthy", timeout=0.3)
    assert get(fake, "/repos/acme/healthy").status_code == 200


# --------------------------------------------------------------------------- GraphQL

BATCH = """query {
  r0: repository(owner: "acme", name: "healthy") { ...F }
  r1: repository(owner: "gone", name: "missing") { ...F }
  r2: repository(owner: "acme", name: "old-name") { ...F }
  r3: repository(owner: "acme", name: "taken-down") { ...F }
  r4: repository(owner: "acme", name: "against-tos") { ...F }
  r5: repository(owner: "acme", name: "switched-off") { ...F }
  rateLimit { cost remaining resetAt }
}
fragment F on Repository { databaseId nameWithOwner isArchived isDisabled stargazerCount
  licenseInfo { spdxId } repositoryTopics(first: 20) { nodes { topic { name } } } }"""


def test_graphql_answers_a_batch_with_found_missing_renamed_and_blocked_repositories(fake):
    answer = graphql(fake, BATCH)
    document = answer.json()
    data, errors = document["data"], {error["path"][0]: error for error in document["errors"]}
    assert answer.status_code == 200
    assert data["r0"]["nameWithOwner"] == "acme/healthy"
    assert data["r0"]["stargazerCount"] == 42
    assert data["r0"]["licenseInfo"]["spdxId"] == "MIT"
    assert [node["topic"]["name"] for node in data["r0"]["repositoryTopics"]["nodes"]] == ["cli", "json"]
    assert data["r1"] is None
    assert errors["r1"]["type"] == "NOT_FOUND"
    assert errors["r1"]["message"] == "Could not resolve to a Repository with the name 'gone/missing'."
    assert data["r2"]["nameWithOwner"] == "new-owner/new-name"
    assert data["r2"]["databaseId"] == 104
    assert data["r3"] is None
    assert errors["r3"]["type"] == "FORBIDDEN"
    assert errors["r3"]["message"] == "Repository access blocked (DMCA)"
    assert data["r4"] is None
    assert errors["r4"]["message"] == "Repository access blocked"
    assert data["r5"]["isDisabled"] is True
    assert data["rateLimit"]["cost"] == 1
    assert data["rateLimit"]["remaining"] == 4999
    assert set(errors) == {"r1", "r3", "r4"}
    assert answer.headers["X-RateLimit-Resource"] == "graphql"


def test_graphql_omits_errors_when_every_repository_is_found_and_reads_variables(fake):
    query = 'query($o: String!) { a: repository(owner: $o, name: "Healthy") { databaseId } }'
    document = graphql(fake, query, variables={"o": "ACME"}).json()
    assert document == {"data": {"a": {"databaseId": 101}}}


def test_graphql_does_not_follow_renames_when_told_not_to(fake):
    query = 'query { r0: repository(owner: "acme", name: "old-name", followRenames: false) { id } }'
    document = graphql(fake, query).json()
    assert document["data"]["r0"] is None
    assert document["errors"][0]["type"] == "NOT_FOUND"


def test_graphql_requires_a_token(fake):
    answer = graphql(fake, BATCH, token=None)
    assert answer.status_code == 401
    assert answer.json()["message"] == "This endpoint requires you to be authenticated."


def test_graphql_answers_401_for_a_token_it_does_not_know(fake):
    fake.configure(tokens=["good"])
    assert graphql(fake, BATCH, token="bad").json()["message"] == "Bad credentials"


def test_graphql_answers_rate_limited_once_its_points_are_spent(fake):
    fake.configure(graphql_rate_limit=(1, 2))
    assert graphql(fake, BATCH).json()["data"]["rateLimit"]["remaining"] == 0
    answer = graphql(fake, BATCH)
    assert answer.status_code == 200
    assert answer.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert answer.json()["errors"][0]["message"].startswith("API rate limit exceeded")
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert answer.headers["X-RateLimit-Resource"] == "graphql"
    assert int(answer.headers["X-RateLimit-Reset"]) > time.time()
    assert get(fake, "/repos/acme/healthy", token="t1").status_code == 200  # REST is separate


def test_graphql_answers_502_when_a_batch_has_more_aliases_than_the_maximum(fake):
    fake.configure(graphql_max_batch=5)
    assert graphql(fake, BATCH).status_code == 502
    fake.configure(graphql_max_batch=6)
    assert graphql(fake, BATCH).status_code == 200


def test_graphql_fails_the_whole_request_with_502_for_a_flaky_repository(fake):
    query = 'query { r0: repository(owner: "acme", name: "wobbly") { id } }'
    assert graphql(fake, query).status_code == 502


# --------------------------------------------------------------------------- stats and control

def test_stats_count_answers_by_endpoint_and_status(fake):
    get(fake, "/repos/acme/healthy")
    get(fake, "/repos/acme/old-name")  # 301 then /repositories/104
    get(fake, "/repos/gone/missing")
    get(fake, "/rate_limit")
    graphql(fake, BATCH)
    stats = requests.get(fake.url + "/_fake/stats", timeout=10).json()
    assert stats == fake.stats()
    assert stats["requests_total"] == 6
    assert stats["by_endpoint"]["rest_repo"] == {"200": 1, "301": 1, "404": 1}
    assert stats["by_endpoint"]["rest_repository_id"] == {"200": 1}
    assert stats["by_endpoint"]["rate_limit"] == {"200": 1}
    assert stats["by_endpoint"]["graphql"] == {"200": 1}
    assert stats["points_spent"] == {"core": 4, "graphql": 1}
    assert stats["graphql_aliases_total"] == 6
    assert stats["in_flight"] == 0


def test_stats_record_the_concurrency_of_simultaneous_requests():
    fake = FakeGitHub(catalog=CATALOG, latency_ms=60_000).start()
    statuses: list[int] = []
    clients = [threading.Thread(target=lambda: statuses.append(get(fake, "/repos/acme/healthy").status_code))
               for _ in range(8)]
    for client in clients:
        client.start()
    try:
        wait_for(lambda: fake.stats()["in_flight"] >= 8, timeout=10, interval=0.01, message="8 requests in flight")
        in_flight = fake.stats()["in_flight"]
    finally:
        fake.stop()  # wakes the handlers sleeping in their latency; they answer and finish
    for client in clients:
        client.join(timeout=10)
    assert in_flight == 8
    assert fake.stats()["max_concurrency"] == 8
    assert statuses == [200] * 8


def test_reset_zeroes_the_stats_and_restarts_rate_limit_windows(fake):
    fake.configure(rate_limit=(1, 60))
    get(fake, "/repos/acme/healthy")
    assert get(fake, "/repos/acme/healthy").status_code == 403
    assert requests.post(fake.url + "/_fake/reset", timeout=10).status_code == 200
    assert fake.stats()["requests_total"] == 0
    assert get(fake, "/repos/acme/healthy").status_code == 200


def test_reset_stats_zeroes_the_counters_but_keeps_rate_limit_windows(fake):
    fake.configure(rate_limit=(1, 60))
    get(fake, "/repos/acme/healthy")
    fake.reset_stats()
    assert fake.stats()["requests_total"] == 0
    assert fake.request_log() == []
    assert get(fake, "/repos/acme/healthy").status_code == 403


def test_configuring_a_rate_limit_restarts_its_windows_only_when_it_changes(fake):
    fake.configure(rate_limit=(1, 60))
    get(fake, "/repos/acme/healthy")
    fake.configure(rate_limit="1/60", latency_ms=0)
    assert get(fake, "/repos/acme/healthy").status_code == 403
    fake.configure(rate_limit=(2, 60))
    assert get(fake, "/repos/acme/healthy").status_code == 200


def test_the_request_log_records_time_method_path_status_and_token(fake):
    before = time.time()
    get(fake, "/repos/acme/healthy", token="t1")
    get(fake, "/repos/gone/missing")
    log = requests.get(fake.url + "/_fake/requests", timeout=10).json()["requests"]
    assert [(entry["method"], entry["path"], entry["status"], entry["token"]) for entry in log] == [
        ("GET", "/repos/acme/healthy", 200, "t1"), ("GET", "/repos/gone/missing", 404, None)]
    assert all(entry["time"] >= before for entry in log)


def test_configuring_over_http_changes_settings_and_rejects_unknown_ones(fake):
    answer = requests.post(fake.url + "/_fake/config", json={"fail_next": 1, "rate_limit": "5/60"}, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["rate_limit"] == [5, 60.0]
    assert get(fake, "/repos/acme/healthy").status_code == 502
    assert get(fake, "/repos/acme/healthy").headers["X-RateLimit-Limit"] == "5"
    assert requests.post(fake.url + "/_fake/config", json={"nope": 1}, timeout=10).status_code == 400


def test_the_catalog_endpoint_adds_and_replaces_repositories_at_run_time(fake):
    added = {"repositories": [{"id": 200, "full_name": "late/comer", "stars": 9}]}
    assert requests.post(fake.url + "/_fake/catalog", json=added, timeout=10).status_code == 200
    assert get(fake, "/repos/late/comer").json()["stargazers_count"] == 9
    assert get(fake, "/repos/acme/healthy").status_code == 200
    requests.post(fake.url + "/_fake/catalog", json={**added, "replace": True}, timeout=10)
    assert get(fake, "/repos/acme/healthy").status_code == 404


def test_patching_a_repository_to_a_new_name_leaves_a_redirect_behind(fake):
    answer = requests.post(fake.url + "/_fake/repos/acme/healthy",
                           json={"full_name": "acme/renamed", "archived": True}, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["previous_names"] == ["acme/healthy"]
    moved = get(fake, "/repos/acme/healthy", allow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/repositories/101")
    assert get(fake, "/repos/acme/renamed").json()["archived"] is True


# --------------------------------------------------------------------------- catalog generation

def test_generate_catalog_is_deterministic_for_a_seed():
    assert generate_catalog(200, seed=7, now=NOW) == generate_catalog(200, seed=7, now=NOW)
    assert generate_catalog(200, seed=7, now=NOW) != generate_catalog(200, seed=8, now=NOW)


def test_generate_catalog_has_the_documented_mix_of_outcomes():
    catalog = generate_catalog(500, seed=1, now=NOW)
    repos = catalog["repositories"]
    kinds = Counter(catalog["categories"].values())
    assert len(catalog["import_names"]) == 500
    assert len(repos) == 500 - kinds["not_found"]
    assert kinds == {"healthy": 350, "stale": 40, "archived": 35, "moved": 25, "not_found": 20,
                     "blocked": 10, "disabled": 5, "flaky": 15}
    assert sum(repo["archived"] for repo in repos) == 35
    assert sum(repo["disabled"] for repo in repos) == 5
    assert Counter(repo["block"] for repo in repos if repo["block"]) == {"dmca": 5, "tos": 5}
    assert sum(repo["flaky"] == 0.3 for repo in repos) == 15
    old_names = {old for repo in repos for old in repo["previous_names"]}
    moved = {name for name, kind in catalog["categories"].items() if kind == "moved"}
    assert old_names == moved
    assert moved <= set(catalog["import_names"])
    current = {repo["full_name"] for repo in repos}
    assert not (set(n for n, k in catalog["categories"].items() if k == "not_found") & current)


def test_generated_healthy_and_stale_repositories_have_fitting_push_dates():
    catalog = generate_catalog(300, seed=3, now=NOW)
    by_name = {repo["full_name"]: repo for repo in catalog["repositories"]}
    for name, kind in catalog["categories"].items():
        if kind in ("healthy", "stale"):
            age = (NOW - datetime.fromisoformat(by_name[name]["pushed_at"].replace("Z", "+00:00"))).days
            assert (age <= 365) if kind == "healthy" else (730 <= age <= 6 * 366)


def test_generated_names_are_unique_case_insensitively():
    catalog = generate_catalog(2000, seed=5, now=NOW)
    names = [repo["full_name"].lower() for repo in catalog["repositories"]]
    names += [old.lower() for repo in catalog["repositories"] for old in repo["previous_names"]]
    names += [name.lower() for name, kind in catalog["categories"].items() if kind == "not_found"]
    assert len(names) == len(set(names)) == 2000 + 100  # 5% moved add a new name each


def test_the_catalog_command_writes_a_catalog_and_the_import_names(tmp_path):
    out, names = tmp_path / "catalog.json", tmp_path / "names.txt"
    subprocess.run([sys.executable, "-m", "fakegithub.catalog", "--count", "50", "--seed", "2",
                    "--now", "2025-06-01T00:00:00Z", "--out", str(out), "--names-out", str(names)],
                   cwd=REPO_ROOT, check=True, timeout=60)
    catalog = json.loads(out.read_text())
    assert catalog == json.loads(json.dumps(generate_catalog(50, seed=2, now=NOW)))
    assert names.read_text().splitlines() == catalog["import_names"]


# --------------------------------------------------------------------------- subprocess

def test_the_command_line_server_prints_its_url_and_answers_requests(tmp_path):
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"repositories": CATALOG}))
    process = subprocess.Popen(
        [sys.executable, "-m", "fakegithub", "--port", "0", "--catalog", str(catalog),
         "--tokens", "t1,t2", "--rate-limit", "100/60", "--latency-ms", "0"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    watchdog = threading.Timer(30, process.kill)
    watchdog.start()
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("fakegithub listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        answer = requests.get(url + "/repos/acme/healthy", headers={"Authorization": "Bearer t1"}, timeout=10)
        assert answer.status_code == 200
        assert answer.headers["X-RateLimit-Limit"] == "100"
        assert requests.get(url + "/repos/acme/healthy", headers={"Authorization": "Bearer x"},
                            timeout=10).status_code == 401
        assert requests.get(url + "/_fake/stats", timeout=10).json()["requests_total"] == 2
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
    assert process.returncode == 0


def test_a_per_window_secondary_limit_refuses_the_request_over_the_figure_and_reports_the_peak():
    catalog = [{"id": 1, "full_name": "a/b"}]
    with FakeGitHub(catalog=catalog, secondary_rest_per_window=3, secondary_window_seconds=60) as fake:
        statuses = [requests.get(f"{fake.url}/repos/a/b", headers={"Authorization": "Bearer t1"}, timeout=5).status_code
                    for _ in range(4)]
        other = requests.get(f"{fake.url}/repos/a/b", headers={"Authorization": "Bearer t2"}, timeout=5)
        stats = fake.stats()
    assert statuses == [200, 200, 200, 403]
    assert other.status_code == 200
    assert stats["secondary_answers"] == 1
    assert stats["max_per_window"] == {"t1 rest": 4, "t2 rest": 1}
