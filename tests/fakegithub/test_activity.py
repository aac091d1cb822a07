"""The maintenance signals the fake serves: a default branch's commits and a repository's latest
release, over REST (``/commits``, ``/releases/latest``) and GraphQL (``defaultBranchRef.target``,
``history(since:)``, ``latestRelease``), with the same figures both ways."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from fakegithub import FakeGitHub
from fakegithub.activity import commit_log, latest
from fakegithub.catalog import normalize_repo
from fakegithub.rest import commit_document, release_document
from tests.fakegithub.test_server import get
from tests.scans.fetch.test_github_schema import errors_of, missing_paths

CREATED = "2019-01-01T00:00:00Z"
BUSY_DATES = ["2025-05-20T10:00:00Z", "2025-04-02T08:30:00+02:00", "2025-01-15T12:00:00Z", "2024-09-01T00:00:00Z"]
CATALOG = [
    {"id": 201, "full_name": "acme/busy", "created_at": CREATED, "pushed_at": "2025-05-28T00:00:00Z",
     "commit_dates": BUSY_DATES, "commit_count": 60,
     "releases": [{"tag": "v1.0.0", "published_at": "2024-03-01T00:00:00Z"},
                  {"tag": "v1.1.0", "published_at": "2025-02-01T09:00:00Z", "name": "Spring"},
                  {"tag": "v0.9.0", "published_at": "2023-01-01T00:00:00Z"}]},
    {"id": 202, "full_name": "acme/empty", "created_at": CREATED, "commit_count": 0},
    {"id": 203, "full_name": "acme/plain", "created_at": CREATED, "pushed_at": "2024-06-01T00:00:00Z"},
    {"id": 204, "full_name": "acme/one", "created_at": CREATED, "commit_dates": ["2021-03-04T05:06:07Z"]},
    {"id": 205, "full_name": "new-owner/renamed", "created_at": CREATED, "previous_names": ["acme/old"],
     "commit_dates": ["2025-05-01T00:00:00Z"], "commit_count": 3,
     "releases": [{"tag": "r1", "published_at": "2025-03-01T00:00:00Z"}]},
    {"id": 206, "full_name": "acme/taken-down", "block": "dmca"},
    {"id": 207, "full_name": "acme/wobbly", "flaky": 1.0},
    {"id": 208, "full_name": "acme/secret", "private": True},
    {"id": 209, "full_name": "acme/switched-off", "disabled": True, "commit_dates": ["2022-01-01T00:00:00Z"]},
]
SINCES = [None, "2025-05-20T10:00:00Z", "2025-05-20T10:00:01Z", "2025-01-01T00:00:00Z", "2024-01-01T00:00:00Z",
          "2021-01-01T00:00:00+05:00", "2018-01-01T00:00:00Z", "2030-01-01T00:00:00Z"]

# The lean query asks the head commit's date (no connection); the full one also counts the commits
# since a date (a connection: one request per repository) and asks the latest release (an object).
LEAN = """query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    defaultBranchRef { name target { ... on Commit { committedDate } } }
  }
}"""
FULL = """query($owner: String!, $name: String!, $since: GitTimestamp!) {
  repository(owner: $owner, name: $name) {
    nameWithOwner
    defaultBranchRef { name target { ... on Commit { committedDate history(since: $since) { totalCount } } } }
    latestRelease { tagName publishedAt createdAt }
  }
}"""
HEAD = """query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) { defaultBranchRef { target { oid } } }
}"""

# A hundred repositories: the full fragment has five connections (topics, watchers, issues, pull
# requests and the history since a date), 500 requests, 5 points; the lean one none, 1 point.
_ALIASES = "\n".join(f'  r{i}: repository(owner: "bulk", name: "repo-{i}") {{ ...F }}' for i in range(100))
BATCH_FULL = (
    f"query($since: GitTimestamp!) {{\n{_ALIASES}\n  rateLimit {{ cost }}\n}}\n"
    "fragment F on Repository { repositoryTopics(first: 20) { nodes { topic { name } } } watchers { totalCount }"
    " issues(states: OPEN) { totalCount } pullRequests(states: OPEN) { totalCount }"
    " defaultBranchRef { name target { ... on Commit { committedDate history(since: $since) { totalCount } } } }"
    " latestRelease { tagName publishedAt createdAt } }")
BATCH_LEAN = (f"query {{\n{_ALIASES}\n  rateLimit {{ cost }}\n}}\n"
              "fragment F on Repository { pushedAt defaultBranchRef { name target { ... on Commit { committedDate } } }"
              " }")


@pytest.fixture
def fake():
    with FakeGitHub(catalog=CATALOG) as server:
        yield server


def graphql(fake: FakeGitHub, query: str, **variables) -> dict:
    answer = requests.post(fake.url + "/graphql", json={"query": query, "variables": variables},
                           headers={"Authorization": "bearer t1"}, timeout=10)
    assert answer.status_code == 200
    return answer.json()


def last_page(answer: requests.Response) -> int:
    """How many commits a ``per_page=1`` answer says there are: the last link's page, else the list."""
    if "Link" not in answer.headers:
        return len(answer.json())
    last = re.search(r'<([^>]+)>; rel="last"', answer.headers["Link"]).group(1)
    return int(parse_qs(urlsplit(last).query)["page"][0])


def links(answer: requests.Response) -> dict[str, str]:
    """The ``Link`` header as ``{rel: url}``."""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', answer.headers["Link"])}


def rest_figures(fake: FakeGitHub, full_name: str, since: str | None) -> tuple:
    """(newest commit date, commits since, latest release) over REST."""
    newest = get(fake, f"/repos/{full_name}/commits", params={"sha": "main", "per_page": 1})
    counted = get(fake, f"/repos/{full_name}/commits", params={"sha": "main", "per_page": 1, "since": since})
    release = get(fake, f"/repos/{full_name}/releases/latest")
    assert (newest.status_code, counted.status_code) == (200, 200)
    assert release.status_code in (200, 404)
    date = newest.json()[0]["commit"]["committer"]["date"]
    assert newest.json()[0]["commit"]["author"]["date"] == date
    latest = release.json() if release.status_code == 200 else None
    return date, last_page(counted), latest and (latest["tag_name"], latest["published_at"], latest["created_at"])


def graphql_figures(fake: FakeGitHub, full_name: str, since: str | None) -> tuple:
    """The same over GraphQL (without a date, ``since`` is a nullable variable left null)."""
    owner, name = full_name.split("/")
    query = FULL if since else FULL.replace("GitTimestamp!", "GitTimestamp")
    repository = graphql(fake, query, owner=owner, name=name, since=since)["data"]["repository"]
    target, release = repository["defaultBranchRef"]["target"], repository["latestRelease"]
    return (target["committedDate"], target["history"]["totalCount"],
            release and (release["tagName"], release["publishedAt"], release["createdAt"]))


# --------------------------------------------------------------------------- one model, two APIs

@pytest.mark.parametrize("full_name", ["acme/busy", "acme/plain", "acme/one", "new-owner/renamed",
                                       "acme/switched-off"])
@pytest.mark.parametrize("since", SINCES)
def test_rest_and_graphql_give_the_same_newest_commit_count_since_and_latest_release(fake, full_name, since):
    assert rest_figures(fake, full_name, since) == graphql_figures(fake, full_name, since)


def test_the_figures_are_the_ones_the_catalog_sets(fake):
    assert graphql_figures(fake, "acme/busy", "2025-01-01T00:00:00Z") == (
        "2025-05-20T10:00:00Z", 3, ("v1.1.0", "2025-02-01T09:00:00Z", "2025-02-01T09:00:00Z"))
    assert graphql_figures(fake, "acme/busy", "2025-01-15T12:00:00Z")[1] == 3, "since is inclusive"
    assert graphql_figures(fake, "acme/busy", "2025-01-15T12:00:01Z")[1] == 2
    assert graphql_figures(fake, "acme/busy", "2018-01-01T00:00:00Z")[1] == 60
    assert graphql_figures(fake, "acme/one", "2018-01-01T00:00:00Z") == ("2021-03-04T05:06:07Z", 1, None)
    # Not set: the last commit at pushed_at, DERIVED_COMMIT_COUNT in all, no release.
    assert graphql_figures(fake, "acme/plain", "2018-01-01T00:00:00Z") == ("2024-06-01T00:00:00Z", 10, None)


def test_the_commits_not_listed_are_spread_between_created_at_and_the_oldest_listed_one(fake):
    dates = [c["commit"]["committer"]["date"] for c in get(fake, "/repos/acme/busy/commits?per_page=100").json()]

    assert len(dates) == 60
    assert dates[:4] == ["2025-05-20T10:00:00Z", "2025-04-02T06:30:00Z", "2025-01-15T12:00:00Z", "2024-09-01T00:00:00Z"]
    assert dates == sorted(dates, reverse=True)
    assert CREATED < dates[-1] < "2019-03-01T00:00:00Z"  # the last of 56 spread over 2019-01 .. 2024-09


def test_the_link_header_counts_the_commits_page_by_page(fake):
    first = get(fake, "/repos/acme/busy/commits?sha=main&per_page=1")
    assert links(first) == {"next": f"{fake.url}/repositories/201/commits?sha=main&per_page=1&page=2",
                            "last": f"{fake.url}/repositories/201/commits?sha=main&per_page=1&page=60"}

    middle = requests.get(links(first)["next"], timeout=10)
    assert set(links(middle)) == {"next", "last", "prev", "first"}
    assert middle.json()[0]["sha"] == first.json()[0]["parents"][0]["sha"]
    last = requests.get(links(first)["last"], timeout=10)
    assert set(links(last)) == {"prev", "first"}
    assert last.json()[0]["parents"] == []

    one_page = get(fake, "/repos/acme/busy/commits?since=2025-05-01T00:00:00Z&per_page=1")
    assert "Link" not in one_page.headers
    assert len(one_page.json()) == 1
    none = get(fake, "/repos/acme/busy/commits?since=2026-01-01T00:00:00Z&per_page=1")
    assert (none.status_code, none.json(), "Link" in none.headers) == (200, [], False)
    ten = get(fake, "/repos/acme/busy/commits?per_page=10&page=6")
    assert len(ten.json()) == 10
    assert 'rel="next"' not in ten.headers["Link"]


def test_a_commit_has_githubs_fields(fake):
    commit = get(fake, "/repos/acme/busy/commits?per_page=1").json()[0]

    assert re.fullmatch(r"[0-9a-f]{40}", commit["sha"])
    assert commit["html_url"] == f"https://github.com/acme/busy/commit/{commit['sha']}"
    assert commit["commit"]["committer"] == {"name": "acme", "email": "acme@users.noreply.github.com",
                                             "date": "2025-05-20T10:00:00Z"}
    assert commit["author"]["login"] == "acme"
    head = graphql(fake, HEAD, owner="acme", name="busy")["data"]["repository"]["defaultBranchRef"]["target"]
    assert head["oid"] == commit["sha"]


def test_an_empty_repository_answers_409_and_has_no_default_branch_ref(fake):
    answer = get(fake, "/repos/acme/empty/commits?sha=main&per_page=1")

    assert answer.status_code == 409
    assert answer.json()["message"] == "Git Repository is empty."
    repository = graphql(fake, FULL, owner="acme", name="empty", since=SINCES[1])["data"]["repository"]
    assert repository["defaultBranchRef"] is None
    assert repository["latestRelease"] is None


def test_no_release_answers_404_over_rest_and_null_over_graphql(fake):
    answer = get(fake, "/repos/acme/plain/releases/latest")

    assert answer.status_code == 404
    assert answer.json()["message"] == "Not Found"
    repository = graphql(fake, FULL, owner="acme", name="plain", since=SINCES[1])["data"]["repository"]
    assert repository["latestRelease"] is None


def test_the_latest_release_is_the_newest_not_the_last_listed(fake):
    body = get(fake, "/repos/acme/busy/releases/latest").json()

    assert (body["tag_name"], body["name"], body["draft"], body["prerelease"]) == ("v1.1.0", "Spring", False, False)
    assert body["published_at"] == body["created_at"] == "2025-02-01T09:00:00Z"
    assert body["html_url"] == "https://github.com/acme/busy/releases/tag/v1.1.0"


def test_a_branch_other_than_the_default_one_is_404(fake):
    answer = get(fake, "/repos/acme/busy/commits?sha=feature")
    assert answer.status_code == 404
    assert answer.json()["message"] == "No commit found for SHA: feature"


def test_a_bad_since_or_page_size_is_400_naming_it(fake):
    since = get(fake, "/repos/acme/busy/commits?since=yesterday")
    assert since.status_code == 400
    assert "since" in since.json()["message"]
    assert get(fake, "/repos/acme/busy/commits?per_page=ten").status_code == 400


# --------------------------------------------------------------------------- caching, limits, names

@pytest.mark.parametrize("path", ["/repos/acme/busy/commits?sha=main&per_page=1", "/repos/acme/busy/releases/latest"])
def test_an_if_none_match_with_the_current_etag_answers_304_and_costs_a_token_nothing(fake, path):
    first = get(fake, path, token="t1")
    again = get(fake, path, token="t1", headers={"If-None-Match": first.headers["ETag"]})

    assert first.headers["ETag"].startswith('W/"')
    assert again.status_code == 304
    assert again.content == b""
    assert fake.stats()["points_spent"]["core"] == 1


def test_the_commits_etag_changes_when_the_count_changes_though_the_page_does_not(fake):
    path = "/repos/acme/busy/commits?sha=main&per_page=1&since=2025-01-01T00:00:00Z"
    first = get(fake, path, token="t1")
    fake.patch_repo("acme/busy", commit_dates=[*BUSY_DATES[:3], "2025-02-01T00:00:00Z"])  # now since 2025 too
    again = get(fake, path, token="t1", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 200
    assert again.json() == first.json()
    assert (last_page(first), last_page(again)) == (3, 4)


def test_these_requests_spend_the_rest_limit_and_are_counted_apart(fake):
    fake.configure(rate_limit=(3, 60))
    paths = ("/repos/acme/busy/commits", "/repos/acme/plain/releases/latest", "/repos/acme/busy",
             "/repos/acme/busy/commits")
    statuses = [get(fake, path, token="t1").status_code for path in paths]

    assert statuses == [200, 404, 200, 403]
    stats = fake.stats()
    assert stats["by_endpoint"]["rest_commits"] == {"200": 1, "403": 1}
    assert stats["by_endpoint"]["rest_release"] == {"404": 1}
    assert stats["points_spent"]["core"] == 3


@pytest.mark.parametrize("below", ["commits?sha=main&per_page=1", "releases/latest"])
def test_a_previous_name_answers_301_to_the_same_resource_by_id(fake, below):
    moved = get(fake, f"/repos/acme/old/{below}", allow_redirects=False)
    followed = get(fake, f"/repos/ACME/OLD/{below}")

    assert moved.status_code == 301
    assert moved.headers["Location"] == f"{fake.url}/repositories/205/{below}"
    assert followed.status_code == 200
    assert followed.json() == get(fake, f"/repos/new-owner/renamed/{below}").json()


@pytest.mark.parametrize("below", ["commits", "releases/latest"])
def test_unknown_private_blocked_flaky_and_disabled_repositories_answer_as_the_repository_does(fake, below):
    assert get(fake, f"/repos/gone/missing/{below}").status_code == 404
    assert get(fake, f"/repos/acme/secret/{below}").status_code == 404
    assert get(fake, "/repositories/999/commits").status_code == 404
    blocked = get(fake, f"/repos/acme/taken-down/{below}")
    assert (blocked.status_code, blocked.json()["block"]["reason"]) == (451, "dmca")
    assert get(fake, f"/repos/acme/wobbly/{below}").status_code == 502
    assert get(fake, "/repos/acme/switched-off/commits").status_code == 200


def test_an_unknown_path_below_a_repository_is_404(fake):
    assert get(fake, "/repos/acme/busy/issues").status_code == 404
    assert fake.stats()["by_endpoint"]["other"] == {"404": 1}


# --------------------------------------------------------------------------- GraphQL

def test_the_full_query_costs_5_points_per_100_repositories_and_the_lean_one_1(fake):
    fake.load_catalog([{"id": 1000 + i, "full_name": f"bulk/repo-{i}"} for i in range(100)])

    assert graphql(fake, BATCH_FULL, since="2024-06-01T00:00:00Z")["data"]["rateLimit"]["cost"] == 5
    assert graphql(fake, BATCH_LEAN)["data"]["rateLimit"]["cost"] == 1
    assert fake.stats()["graphql_queries_by_cost"] == {"1": 1, "5": 1}


def test_a_commit_field_outside_the_fragment_is_githubs_undefined_field_on_git_object(fake):
    query = '{ repository(owner: "acme", name: "busy") { defaultBranchRef { target { committedDate } } } }'
    errors = graphql(fake, query)["errors"]

    assert errors[0]["extensions"] == {"code": "undefinedField", "typeName": "GitObject", "fieldName": "committedDate"}


def test_a_since_that_is_not_a_timestamp_is_refused_and_charges_nothing(fake):
    bad = graphql(fake, FULL, owner="acme", name="busy", since="last year")
    missing = graphql(fake, FULL, owner="acme", name="busy")
    literal = graphql(fake, FULL.replace("$since", '"soon"').replace(', "soon": GitTimestamp!', ""),
                      owner="acme", name="busy")

    assert "data" not in bad
    assert bad["errors"][0]["message"] == "Variable $since of type GitTimestamp! was provided invalid value"
    assert missing["errors"][0]["extensions"]["problems"][0]["explanation"] == "Expected value to not be null"
    assert literal["errors"][0]["message"] == (
        "Argument 'since' on Field 'history' has an invalid value (\"soon\"). Expected type 'GitTimestamp'.")
    assert fake.stats()["points_spent"]["graphql"] == 0


# --------------------------------------------------------------------------- setting them

def test_the_control_api_sets_commits_and_releases_and_refuses_bad_ones_with_400(fake):
    url = fake.url + "/_fake/repos/acme/plain"
    changed = requests.post(url, json={"commit_dates": ["2025-05-05T05:05:05Z"], "commit_count": 7,
                                       "releases": [{"tag": "v3", "published_at": "2025-05-06T00:00:00Z"}]},
                            timeout=10)
    assert changed.status_code == 200
    assert graphql_figures(fake, "acme/plain", "2018-01-01T00:00:00Z") == (
        "2025-05-05T05:05:05Z", 7, ("v3", "2025-05-06T00:00:00Z", "2025-05-06T00:00:00Z"))

    for wrong, named in [({"commit_count": 0}, "commit_count"), ({"commit_dates": ["soon"]}, "soon"),
                         ({"releases": [{"tag": "v1", "published_at": "2025-01-01T00:00:00Z", "draft": True}]},
                          "draft"),
                         ({"releases": [{"published_at": "2025-01-01T00:00:00Z"}]}, "tag"),
                         ({"commit_dates": [], "commit_count": 2}, "commit_dates")]:
        refused = requests.post(url, json=wrong, timeout=10)
        assert refused.status_code == 400, wrong
        assert named in refused.json()["message"]


# --------------------------------------------------------------------------- GitHub's own schemas

@pytest.mark.parametrize(("query", "variables"), [
    (LEAN, {"owner": "acme", "name": "busy"}),
    (FULL, {"owner": "acme", "name": "busy", "since": "2025-01-01T00:00:00Z"}),
    (FULL.replace("GitTimestamp!", "GitTimestamp"), {"owner": "acme", "name": "busy", "since": None}),
    (HEAD, {"owner": "acme", "name": "busy"}),
    (BATCH_FULL, {"since": "2025-01-01T00:00:00Z"}),
    (BATCH_LEAN, None),
], ids=["lean", "full", "full without a date", "head", "100 full", "100 lean"])
def test_the_queries_these_tests_send_validate_against_githubs_schema(github_graphql_schema, query, variables):
    assert errors_of(github_graphql_schema, query, variables) == []


def test_the_commit_and_release_answers_use_githubs_field_names(github_openapi):
    repo = normalize_repo(CATALOG[0])
    commit = commit_document(repo, commit_log(repo), 0, "http://127.0.0.1")
    release = release_document(repo, latest(repo), "http://127.0.0.1")

    commit_paths = ({(key,) for key in commit} | {("commit", key) for key in commit["commit"]}
                    | {("commit", "author", key) for key in commit["commit"]["author"]}
                    | {("commit", "verification", key) for key in commit["commit"]["verification"]}
                    | {("author", key) for key in commit["author"]})
    release_paths = {(key,) for key in release} | {("author", key) for key in release["author"]}
    assert missing_paths(github_openapi, "commit", commit_paths) == []
    assert missing_paths(github_openapi, "release", release_paths) == []
    for operation, schema in (("/repos/{owner}/{repo}/commits", "commit"),
                              ("/repos/{owner}/{repo}/releases/latest", "release")):
        assert schema in str(github_openapi["paths"][operation]["get"]["responses"]["200"])
