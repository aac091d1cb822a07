"""The scanner's requests, checked against GitHub's own published descriptions of its API.

Every test here talks to our fake GitHub or to nothing; these check the scanner (and the fake)
against GitHub itself: every GraphQL document the scanner can send validates against GitHub's
public GraphQL schema (`@octokit/graphql-schema`), and every REST field it reads exists in
GitHub's OpenAPI description (`@octokit/openapi`). `make test` fetches both once into a cache
outside the clone (tests/schemas/fetch.py); each is built once per session. Without them the
tests say why, and fail when CI=true.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, build_schema, get_named_type, is_leaf_type, parse, validate
from graphql.execution.values import get_variable_values

from fakegithub import query as fake_query
from fakegithub.catalog import normalize_repo
from fakegithub.rest import repo_document
from scans.fetch.common import RepoRef
from scans.fetch.graphql import OWNERS_PER_QUERY, GraphQLFetcher, build_owners_query, build_query
from scans.fetch.rest import metadata_from_rest
from scans.github.client import Answer, GitHubClient
from scans.github.tokens import GitHubApp
from scans.run.connect import shared_budget
from tests.scans.app_keys import key_pair
from tests.schemas import fetch
from tests.schemas.fetch import GRAPHQL_SCHEMA, OPENAPI, SchemaUnavailable

TRICKY_NAMES = ["psf/requests", 'we"ird/na\\me', "owner/name.with.dots", "o-w_n/ünïcode-名前", "a/b c"]


def unavailable(reason: str):
    """Skip with the reason; under CI=true, fail with it: CI must check against GitHub's schemas."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}. CI=true makes the GitHub schema tests mandatory.", pytrace=False)
    pytest.skip(f"{reason} (CI=true would make this a failure)")


def _cached(file: fetch.NpmFile) -> str:
    try:
        return fetch.ensure(file).read_text(encoding="utf-8")
    except SchemaUnavailable as problem:
        unavailable(str(problem))
        raise  # unreachable: unavailable() always raises


@pytest.fixture(scope="session")
def github_graphql_schema() -> GraphQLSchema:
    # GitHub's SDL does not pass graphql-core's validation of the schema itself (a few fields are
    # defined twice; some deprecations differ from their interface's), so that step is skipped;
    # documents are still validated in full against it.
    return build_schema(_cached(GRAPHQL_SCHEMA), assume_valid=True, assume_valid_sdl=True)


@pytest.fixture(scope="session")
def github_openapi() -> dict[str, Any]:
    return json.loads(_cached(OPENAPI))


def errors_of(schema: GraphQLSchema, document: str, variables: dict | None = None) -> list[str]:
    """The document's validation errors; with its variables, those of their values too."""
    tree = parse(document)
    errors = [error.message for error in validate(schema, tree)]
    if errors or variables is None:
        return errors
    [operation] = [node for node in tree.definitions if isinstance(node, OperationDefinitionNode)]
    values = get_variable_values(schema, operation.variable_definitions or (), variables)
    return [error.message for error in values] if isinstance(values, list) else []


# --------------------------------------------------------------------------- GraphQL

@pytest.mark.parametrize("full", [True, False], ids=["full", "lean"])
@pytest.mark.parametrize("names", [["psf/requests"], [f"owner{i}/repo-{i}" for i in range(100)], TRICKY_NAMES],
                         ids=["one", "a hundred", "tricky names"])
def test_every_query_the_scanner_builds_validates_against_githubs_schema(github_graphql_schema, full, names):
    refs = [RepoRef(i, name) for i, name in enumerate(names)]
    assert errors_of(github_graphql_schema, *build_query(refs, full=full)) == []


@pytest.mark.parametrize("names", [["psf/requests"], [f"owner{i}/repo-{i}" for i in range(OWNERS_PER_QUERY)],
                                   TRICKY_NAMES], ids=["one", "a full query", "tricky names"])
def test_the_old_names_query_validates_against_githubs_schema(github_graphql_schema, names):
    assert errors_of(github_graphql_schema, *build_owners_query(names)) == []


def test_the_queries_a_graphql_scan_sends_validate_against_githubs_schema(github_graphql_schema, fake_github):
    """What the fetcher really sends, halves of split batches included."""
    fake_github.configure(tokens="tok", graphql_max_batch=30)
    client = GitHubClient(api_url=fake_github.url, budget=shared_budget(), tokens=["tok"], backoff=0.01)
    sent: list[tuple[str, dict]] = []
    send = client.graphql
    client.graphql = lambda query, variables=None: sent.append((query, variables)) or send(query, variables)
    fetcher = GraphQLFetcher(client, batch_size=100, concurrency=2)
    names = [r["full_name"] for r in fake_github.repositories()[:120] if not r["flaky"]]
    refs = [RepoRef(i, name, full=i % 3 != 0) for i, name in enumerate(names)]
    try:
        results = [r for r in fetcher.fetch(refs) if r is not None]
    finally:
        fetcher.close()
        client.close()

    assert len(results) == len(refs)
    assert len(sent) > 4
    assert [errors_of(github_graphql_schema, query, variables) for query, variables in sent] == [[]] * len(sent)


def test_the_old_names_queries_a_scan_sends_validate_and_are_halved_when_github_times_out(
        github_graphql_schema, fake_github):
    fake_github.configure(tokens="tok", graphql_max_batch=OWNERS_PER_QUERY // 2)
    client = GitHubClient(api_url=fake_github.url, budget=shared_budget(), tokens=["tok"], backoff=0.01)
    sent: list[tuple[str, dict]] = []
    send = client.graphql
    client.graphql = lambda query, variables=None: sent.append((query, variables)) or send(query, variables)
    fetcher = GraphQLFetcher(client, batch_size=100, concurrency=2)
    held = {f"old/name-{i}": 5000 + i for i in range(OWNERS_PER_QUERY + 10)}
    fake_github.load_catalog([{"id": pk, "full_name": name} for name, pk in held.items()])
    try:
        owners = fetcher.owners([*held, "nobody/nothing"])
    finally:
        fetcher.close()
        client.close()

    assert owners == {**held, "nobody/nothing": None}
    assert len(sent) == 2 + 2, "a full query answered 502, its halves, then the rest"
    assert [errors_of(github_graphql_schema, query, variables) for query, variables in sent] == [[]] * len(sent)


@pytest.mark.parametrize(("wrong", "right", "message"), [
    ("stargazerCount", "stargazersCount", "Cannot query field 'stargazersCount' on type 'Repository'"),
    ("primaryLanguage { name }", "primaryLanguage { title }", "Cannot query field 'title' on type 'Language'"),
    ("issues(states: OPEN)", "issues(states: OPENED)", "Value 'OPENED' does not exist in 'IssueState' enum"),
    ("repositoryTopics(first: 20)", "repositoryTopics(top: 20)", "Unknown argument 'top'"),
])
def test_a_misspelt_field_or_argument_fails_validation(github_graphql_schema, wrong, right, message):
    query = build_query([RepoRef(1, "psf/requests")], full=True).text
    assert wrong in query
    errors = errors_of(github_graphql_schema, query.replace(wrong, right))
    assert any(message in error for error in errors), errors


def test_every_field_the_fake_answers_exists_on_github_with_the_same_type(github_graphql_schema):
    """The fake's schema (fakegithub/graphql.py TYPES) is a faithful subset of GitHub's."""
    checked = 0
    for type_name, fields in fake_query.TYPES.items():
        github_type = github_graphql_schema.get_type(type_name)
        assert github_type is not None, type_name
        for field_name, object_type in fields.items():
            assert field_name in github_type.fields, f"{type_name}.{field_name}"
            named = get_named_type(github_type.fields[field_name].type)
            if object_type is None:
                assert is_leaf_type(named), f"{type_name}.{field_name} is {named.name} on GitHub"
            else:
                assert named.name == object_type, f"{type_name}.{field_name}"
            checked += 1
    assert checked > 50


# --------------------------------------------------------------------------- REST

class Recorder(dict):
    """A dict that remembers every key path read from it (`get` and `[]`), nested dicts included."""

    def __init__(self, data: dict, path: tuple[str, ...] = (), reads: set | None = None) -> None:
        super().__init__(data)
        self.path = path
        self.reads: set[tuple[str, ...]] = set() if reads is None else reads

    def _read(self, key: str, value: Any) -> Any:
        self.reads.add((*self.path, key))
        return Recorder(value, (*self.path, key), self.reads) if isinstance(value, dict) else value

    def get(self, key, default=None):
        return self._read(key, super().get(key, default))

    def __getitem__(self, key):
        return self._read(key, super().__getitem__(key))


def _properties(openapi: dict, schema: dict) -> dict[str, Any]:
    """A schema's properties, `$ref`s followed and allOf/anyOf/oneOf merged."""
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    found = dict(schema.get("properties") or {})
    for combined in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(combined) or []:
            found.update(_properties(openapi, part))
    return found


def missing_paths(openapi: dict, schema_name: str, paths) -> list[str]:
    """The key paths (("license", "spdx_id"), ...) that the named schema does not have."""
    missing = []
    for path in sorted(paths):
        schema = openapi["components"]["schemas"][schema_name]
        for key in path:
            properties = _properties(openapi, schema)
            if key not in properties:
                missing.append(".".join(path))
                break
            schema = properties[key]
    return missing


def test_every_field_metadata_from_rest_reads_exists_on_the_full_repository_schema(github_openapi):
    answer = github_openapi["paths"]["/repos/{owner}/{repo}"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/full-repository")
    example = github_openapi["components"]["examples"]["full-repository-default-response"]["value"]
    body = Recorder(example)

    metadata = metadata_from_rest(body)

    assert metadata["full_name"] == example["full_name"]
    assert metadata["license"] == "MIT"
    assert len(body.reads) >= 19
    assert ("license", "spdx_id") in body.reads
    assert missing_paths(github_openapi, "full-repository", body.reads) == []


def test_a_misspelt_rest_field_is_missing_from_the_schema(github_openapi):
    paths = {("stargazer_count",), ("license", "spdx"), ("subscribers_count",)}
    assert missing_paths(github_openapi, "full-repository", paths) == ["license.spdx", "stargazer_count"]


def test_every_field_of_the_fakes_repository_answer_exists_on_the_full_repository_schema(github_openapi):
    document = repo_document(normalize_repo({"id": 1, "full_name": "acme/tool", "license": "MIT"}),
                             "http://127.0.0.1")
    paths = {(key,) for key in document} | {("owner", key) for key in document["owner"]} | {
        ("license", key) for key in document["license"]}
    assert missing_paths(github_openapi, "full-repository", paths) == []


def test_the_installation_token_fields_the_client_reads_exist_on_githubs_answer(github_openapi, monkeypatch):
    operation = github_openapi["paths"]["/app/installations/{installation_id}/access_tokens"]["post"]
    schema = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/installation-token")
    body = Recorder({"token": "ghs_x", "expires_at": "2030-01-01T00:00:00Z"})
    client = GitHubClient(api_url="http://127.0.0.1:9", budget=shared_budget())
    monkeypatch.setattr(client, "_request", lambda *args, **kwargs: Answer(201, body, {}, "", 0))  # no HTTP

    assert client.create_installation_token(GitHubApp("1", key_pair()[0], 2))[0] == "ghs_x"
    assert body.reads == {("token",), ("expires_at",)}
    assert missing_paths(github_openapi, "installation-token", body.reads) == []


# --------------------------------------------------------------------------- without the schemas

def test_without_npm_the_fetch_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on it

    with pytest.raises(SchemaUnavailable, match="npm is not installed"):
        fetch.ensure(GRAPHQL_SCHEMA)
    assert fetch.cached_path(GRAPHQL_SCHEMA).is_relative_to(tmp_path / "repohealth" / "schemas")


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_schema_fails_under_ci_and_skips_otherwise(monkeypatch, ci, outcome):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="npm is not installed"):
        unavailable("npm is not installed")
