"""The fake deps.dev answers as deps.dev's v3 documents them, and is set over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from fakedepsdev import FakeDepsDev


@pytest.fixture
def fake():
    with FakeDepsDev() as server:
        yield server


def call(url: str, data: dict | None = None) -> tuple[int, dict]:
    body = json.dumps(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_packages_loaded_over_http_answer_versions_and_related_projects(fake):
    status, _ = call(f"{fake.url}/_fake/packages", {"packages": [
        {"system": "NPM", "name": "@colors/colors", "default": "1.6.0",
         "versions": {"1.5.0": None, "1.6.0": ["github.com/DABH/colors.js", "SLSA_ATTESTATION"]}}]})
    assert status == 200
    status, package = call(f"{fake.url}/v3/systems/npm/packages/%40colors%2Fcolors")
    assert status == 200
    assert package["packageKey"] == {"system": "NPM", "name": "@colors/colors"}
    assert [(v["versionKey"]["version"], v["isDefault"]) for v in package["versions"]] == [("1.5.0", False),
                                                                                          ("1.6.0", True)]
    status, version = call(f"{fake.url}/v3/systems/NPM/packages/%40colors%2Fcolors/versions/1.6.0")
    assert status == 200
    assert version["relatedProjects"] == [
        {"projectKey": {"id": "github.com/DABH/colors.js"}, "relationProvenance": "SLSA_ATTESTATION",
         "relationType": "SOURCE_REPO"}]
    assert call(f"{fake.url}/v3/systems/NPM/packages/%40colors%2Fcolors/versions/1.5.0")[1]["relatedProjects"] == []
    assert call(f"{fake.url}/v3/systems/NPM/packages/%40colors%2Fcolors/versions/9.9.9")[0] == 404
    assert call(f"{fake.url}/v3/systems/NPM/packages/unknown")[0] == 404
    assert call(f"{fake.url}/_fake/stats")[1] == {"requests": 5, "packages": 1}


def test_failures_are_set_over_http(fake):
    fake.add("pypi", "flask", {"3.0.0": "github.com/pallets/flask"})
    assert call(f"{fake.url}/_fake/config", {"fail_first": 1})[1]["fail_first"] == 1
    assert call(f"{fake.url}/v3/systems/PYPI/packages/flask")[0] == 503
    assert call(f"{fake.url}/v3/systems/PYPI/packages/flask")[0] == 200
    assert call(f"{fake.url}/_fake/config", {"no_such": 1}) == (400, {"message": "unknown settings: no_such"})
