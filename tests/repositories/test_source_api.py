"""GET /api/sources, /api/sources/{id} and /api/sources/{id}/fix."""

from __future__ import annotations

import pytest

from tests.repositories.fixing import Health, imported, moved, state

pytestmark = pytest.mark.django_db
TEXT = "# List\n\n- [a](https://github.com/old/a)\n- [B](https://github.com/acme/b) - old\n- [C](https://github.com/acme/c)\n"


@pytest.fixture
def source():
    kept = imported(TEXT, filename="README.md", label="mine")
    moved("old/a", "new/a")
    state("acme/b", Health.ARCHIVED)
    state("acme/c", Health.NOT_FOUND)
    return kept


def test_the_list_is_paginated_with_exactly_the_contract_fields(api, source):
    body = api.get("/api/sources/").json()
    assert (body["next"], body["previous"], len(body["results"])) == (None, None, 1)
    assert set(body["results"][0]) == {"id", "label", "filename", "format", "version", "created_at", "entries"}
    assert body["results"][0]["entries"] == 3
    assert body["results"][0]["version"] == 1


def test_one_source_has_its_text_and_links(api, source):
    body = api.get(f"/api/sources/{source.id}").json()
    assert body["text"] == TEXT
    assert body["filename"] == "README.md"
    assert body["links"][0] == {"line": 3, "column": 6, "end_column": 30, "url": "https://github.com/old/a",
                                "repository_id": source.entries.first().repository_id}


def test_the_fix_answers_text_diff_and_changes_with_the_default_policies(api, source):
    body = api.get(f"/api/sources/{source.id}/fix").json()
    assert set(body) == {"text", "diff", "changes"}
    assert body["text"] == ("# List\n\n- [a](https://github.com/new/a)\n"
                            "- [B](https://github.com/acme/b) (archived) - old\n"
                            "- [C](https://github.com/acme/c) (dead)\n")
    assert body["changes"][0] == {"line": 3, "kind": "moved", "old": "https://github.com/old/a",
                                  "new": "https://github.com/new/a"}
    assert [c["kind"] for c in body["changes"]] == ["moved", "archived", "dead"]
    assert body["diff"].startswith("--- a/README.md\n+++ b/README.md\n@@")


def test_the_fix_takes_the_policies(api, source):
    body = api.get(f"/api/sources/{source.id}/fix?archived=move&dead=delete").json()
    assert body["text"] == ("# List\n\n- [a](https://github.com/new/a)\n\n## Archived\n\n"
                            "- [B](https://github.com/acme/b) - old\n")


def test_the_fix_takes_replace_and_inactive(api, source):
    state("acme/b", Health.ARCHIVED, successor="acme/b-next", maintenance="deprecated")
    state("new/a", Health.STALE, maintenance="inactive")  # moved, and inactive since
    body = api.get(f"/api/sources/{source.id}/fix?archived=replace&inactive=mark").json()
    assert body["text"] == ("# List\n\n- [a](https://github.com/new/a) (inactive)\n"
                            "- [B](https://github.com/acme/b-next) - old\n"
                            "- [C](https://github.com/acme/c) (dead)\n")
    assert [c["kind"] for c in body["changes"]] == ["moved", "inactive", "successor", "dead"]
    left = api.get(f"/api/sources/{source.id}/fix").json()
    assert "(inactive)" not in left["text"], "inactive links are left by default"


@pytest.mark.parametrize(("query", "parameter"), [("archived=burn", "archived"), ("dead=move", "dead"),
                                                  ("inactive=delete", "inactive")])
def test_a_bad_policy_is_a_400_naming_the_parameter(api, source, query, parameter):
    response = api.get(f"/api/sources/{source.id}/fix?{query}")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"{parameter}:")


def test_sources_need_a_login(client, source):
    assert client.get("/api/sources/").status_code in (401, 403)
