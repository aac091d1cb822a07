"""The API's paths, as the schema writes them and as docs/api.md writes them: the same, without a
trailing slash; and every path answers with a trailing slash as well as without."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

API_DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


@pytest.fixture(scope="module")
def schema_paths() -> set[str]:
    return set(SchemaGenerator().get_schema(public=True)["paths"])


def documented_paths() -> set[str]:
    """Every `METHOD /api/...` of docs/api.md's table."""
    rows = [line for line in API_DOC.read_text().splitlines() if line.startswith("| `")]
    return {path for row in rows for path in re.findall(r"`(?:GET|POST|DELETE|PUT|PATCH) (/api/[^`?\s]+)`", row)}


def test_the_api_doc_writes_each_api_path_as_the_schema_does(schema_paths):
    written = documented_paths()
    assert len(written) >= 12
    assert written - schema_paths == set(), "paths docs/api.md writes differently from the schema"
    assert not any(path.endswith("/") for path in schema_paths)


def test_every_path_of_the_schema_answers_with_and_without_a_trailing_slash(schema_paths):
    for path in schema_paths:
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        bare, slashed = resolve(concrete), resolve(concrete + "/")
        assert (bare.url_name, bare.func.__name__) == (slashed.url_name, slashed.func.__name__), path


@pytest.mark.django_db
def test_the_api_docs_lead_back_to_the_app(client, owner):
    client.force_login(owner)
    html = client.get("/api/docs/").content.decode()
    assert '<a class="api-back__home" href="/">← RepoHealth</a>' in html
    assert 'href="/scans/"' in html
    assert 'href="/import/"' in html


def test_the_former_parameter_stale_hours_is_in_the_schema_marked_deprecated():
    schema = SchemaGenerator().get_schema(public=True)
    for path in ("/api/repositories", "/api/repositories/export", "/api/changes"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["stale_hours"]["deprecated"] is True, path
        assert "deprecated" not in parameters["unchecked_hours"], path
    body = schema["components"]["schemas"]["BulkHealthCheckRequest"]
    assert body["properties"]["stale_hours"]["deprecated"] is True
    assert "deprecated" not in body["properties"]["unchecked_hours"]


def test_the_former_api_parameter_stale_hours_still_filters(api):
    from repositories.models import Repository

    Repository.objects.create(full_name="acme/a", imported_name="acme/a")
    old = api.get("/api/repositories", {"stale_hours": 1})
    new = api.get("/api/repositories", {"unchecked_hours": 1})
    assert old.status_code == new.status_code == 200
    listed = [[r["full_name"] for r in answer.json()["results"]] for answer in (old, new)]
    assert listed == [["acme/a"], ["acme/a"]]
    refused = api.get("/api/repositories", {"stale_hours": "soon"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"unchecked_hours": ["Enter a number."]}
