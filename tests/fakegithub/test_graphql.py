"""The fake's GraphQL: GitHub's cost formula, answers shaped by the query, GitHub's errors."""

from __future__ import annotations

import pytest
import requests

from fakegithub import FakeGitHub
from fakegithub.cost import query_cost, score
from fakegithub.document import GraphQLSyntaxError, parse
from scans.fetch.common import RepoRef
from scans.fetch.graphql import build_query

# docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api, "Calculating
# a rate limit score before running the call": 1 + 100 + 5,000 requests, "for a total of 51".
DOCS_EXAMPLE = """query {
  viewer {
    login
    repositories(first: 100) {
      edges {
        node {
          id
          issues(first: 50) {
            edges {
              node {
                id
                labels(first: 60) {
                  edges {
                    node {
                      id
                      name
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}"""

CATALOG = [
    {"id": 101, "full_name": "acme/healthy", "stars": 42, "open_issues": 8, "open_pull_requests": 3,
     "watchers": 5, "license": "MIT", "language": "Python", "topics": ["cli", "json", "yaml"]},
    *({"id": 1000 + i, "full_name": f"bulk/repo-{i}"} for i in range(120)),
]


@pytest.fixture
def fake():
    with FakeGitHub(catalog=CATALOG) as server:
        yield server


def post(fake: FakeGitHub, query: str, variables: dict | None = None, **body) -> requests.Response:
    return requests.post(fake.url + "/graphql", json={"query": query, "variables": variables, **body},
                         headers={"Authorization": "bearer t1"}, timeout=10)


def cost_of(query: str, variables=None) -> tuple[int, int]:
    document = parse(query)
    operation = document.operation()
    return query_cost(operation.selections, document.fragments, {**operation.variable_defaults, **(variables or {})})


# --------------------------------------------------------------------------- the formula

def test_the_docs_example_of_100_repositories_50_issues_and_60_labels_scores_51():
    assert cost_of(DOCS_EXAMPLE) == (5101, 51)


def test_a_dry_run_of_the_docs_example_answers_51_and_charges_nothing(fake):
    query = DOCS_EXAMPLE.rstrip()[:-1] + "  rateLimit(dryRun: true) { cost remaining }\n}"

    document = post(fake, query).json()

    assert document["data"]["rateLimit"] == {"cost": 51, "remaining": 5000}
    assert document["data"]["viewer"] is None
    assert fake.stats()["points_spent"]["graphql"] == 0


@pytest.mark.parametrize(("requests_needed", "points"), [(0, 1), (49, 1), (149, 1), (150, 2), (400, 4), (5101, 51)])
def test_the_score_is_requests_over_100_rounded_half_up_and_never_below_1(requests_needed, points):
    assert score(requests_needed) == points


def test_the_scanners_full_query_needs_5_requests_per_repository_and_the_lean_one_none():
    refs = [RepoRef(i, f"bulk/repo-{i}") for i in range(100)]
    assert cost_of(*build_query(refs, full=True)) == (500, 5)
    assert cost_of(*build_query(refs, full=False)) == (0, 1)
    assert cost_of(*build_query(refs[:12], full=True)) == (60, 1)


def test_variables_set_page_sizes_and_a_field_asked_twice_is_one_connection():
    query = """query($n: Int = 10) {
      viewer { repositories(first: $n) { nodes { ...Counts } } }
    }
    fragment Counts on Repository { issues(first: 100) { totalCount } issues(first: 100) { nodes { id } } }"""
    assert cost_of(query) == (1 + 10, 1)
    assert cost_of(query, {"n": 100}) == (1 + 100, 1)


# --------------------------------------------------------------------------- charging it

def test_the_cost_is_answered_charged_to_the_token_and_counted_in_the_stats(fake):
    refs = [RepoRef(i, f"bulk/repo-{i}") for i in range(100)]

    full = post(fake, *build_query(refs, full=True))
    lean = post(fake, *build_query(refs, full=False))

    assert full.json()["data"]["rateLimit"]["cost"] == 5
    assert full.json()["data"]["rateLimit"]["remaining"] == 4995
    assert lean.json()["data"]["rateLimit"]["cost"] == 1
    assert lean.json()["data"]["rateLimit"]["remaining"] == 4994
    assert lean.headers["X-RateLimit-Used"] == "6"
    stats = fake.stats()
    assert stats["points_spent"]["graphql"] == 6
    assert stats["graphql_queries_by_cost"] == {"1": 1, "5": 1}


def test_a_query_that_costs_more_than_the_points_left_is_rate_limited(fake):
    fake.configure(graphql_rate_limit=(6, 60))
    query, variables = build_query([RepoRef(i, f"bulk/repo-{i}") for i in range(100)], full=True)

    assert post(fake, query, variables).json()["data"]["rateLimit"]["remaining"] == 1
    refused = post(fake, query, variables).json()

    assert refused["errors"][0]["type"] == "RATE_LIMITED"
    assert "data" not in refused
    assert fake.stats()["points_spent"]["graphql"] == 5


# --------------------------------------------------------------------------- answers and errors

def test_the_answer_holds_exactly_the_fields_asked_under_their_aliases(fake):
    query = """query {
      a: repository(owner: "acme", name: "healthy") {
        __typename nameWithOwner stars: stargazerCount
        repositoryTopics(first: 2) { totalCount nodes { topic { name } } pageInfo { hasNextPage } }
        ... on Repository { openIssues: issues(states: OPEN) { totalCount } }
        ...Counts
      }
    }
    fragment Counts on Repository {
      pullRequests(states: [OPEN]) { totalCount } closed: issues(states: CLOSED) { totalCount }
    }"""

    document = post(fake, query).json()

    assert document == {"data": {"a": {
        "__typename": "Repository", "nameWithOwner": "acme/healthy", "stars": 42,
        "repositoryTopics": {"totalCount": 3, "nodes": [{"topic": {"name": "cli"}}, {"topic": {"name": "json"}}],
                             "pageInfo": {"hasNextPage": True}},
        "openIssues": {"totalCount": 5}, "pullRequests": {"totalCount": 3}, "closed": {"totalCount": 0},
    }}}


def test_an_unknown_field_is_githubs_undefined_field_error_with_no_data_and_no_points(fake):
    query, variables = build_query([RepoRef(1, "acme/healthy")])

    document = post(fake, query.replace("stargazerCount", "stargazersCount"), variables).json()

    assert "data" not in document
    [error] = document["errors"]
    assert error["message"] == "Field 'stargazersCount' doesn't exist on type 'Repository'"
    assert error["extensions"]["code"] == "undefinedField"
    assert fake.stats()["points_spent"]["graphql"] == 0


def test_selections_must_match_scalars_and_objects(fake):
    document = post(fake, 'query { repository(owner: "acme", name: "healthy") { licenseInfo stargazerCount { x } } }')
    messages = [error["message"] for error in document.json()["errors"]]
    assert messages[0].startswith("Field must have selections (field 'licenseInfo' returns License")
    assert messages[1].startswith("Selections can't be made on scalars (field 'stargazerCount'")


def test_a_syntax_error_answers_a_parse_error_with_its_position(fake):
    document = post(fake, 'query {\n  repository(owner: "acme" name: "healthy") { id \n}').json()
    assert document["errors"][0]["message"] == "Parse error: Expected a name, found end of document"
    assert document["errors"][0]["locations"] == [{"line": 3, "column": 2}]


def test_the_parser_reads_every_kind_of_literal_and_block_strings():
    document = parse('''query Q($x: [Int!]! = [1]) @live {
      f(a: -1.5e2, b: true, c: null, d: ENUM, e: [1, "two"], g: {h: $x}, i: """
          block
            text
      """) { id }
    }''')
    field = document.operation("Q").selections[0]
    assert field.arguments["a"] == -150.0
    assert field.arguments["b"] is True
    assert field.arguments["c"] is None
    assert field.arguments["d"] == "ENUM"
    assert field.arguments["e"] == [1, "two"]
    assert field.arguments["i"] == "block\n  text"
    assert document.operation("Q").variable_defaults == {"x": [1]}
    with pytest.raises(GraphQLSyntaxError):
        parse("query { a(b: ) }")
