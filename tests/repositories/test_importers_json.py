"""Tests for repositories.importers: JSON lists and GitHub API dumps (pure Python: run with
`-p no:django`)."""

import json

import pytest

from repositories.importers import parse
from tests.repositories.importing import invalid_lines, lines_and_names, read, refusal

# --------------------------------------------------------------------------- the corpus


class TestGitHubSearchDump:
    @pytest.fixture(scope="class")
    def result(self):
        return parse(read("github-search.json"), filename="github-search.json")

    def test_it_reads_the_items_of_a_search_api_dump_numbered_by_item(self, result):
        assert result.format == "json"
        assert lines_and_names(result) == [
            (1, "django/django"), (2, "pallets/flask"), (3, "encode/django-rest-framework"),
            (4, "psf/requests"), (5, "tiangolo/fastapi"), (8, "pytest-dev/pytest"),
        ]

    def test_it_falls_back_from_full_name_to_html_url_to_the_api_url(self, result):
        assert [e.text for e in result.entries[3:5]] == [
            "https://github.com/psf/requests", "https://api.github.com/repos/tiangolo/fastapi"]

    def test_it_says_which_keys_an_item_is_missing(self, result):
        assert invalid_lines(result) == [7]
        assert result.invalid[0].reason == "item 7: missing key 'full_name', 'html_url' or 'url'"
        assert '"name": "orphan"' in result.invalid[0].text

    def test_it_merges_the_repeated_item(self, result):
        assert (result.duplicates, result.skipped) == (1, 0)

    def test_it_detects_the_dump_as_json_without_a_filename(self, result):
        assert parse(read("github-search.json")) == result


# --------------------------------------------------------------------------- JSON


def test_it_refuses_invalid_json_naming_line_and_column_when_the_format_was_forced():
    e = refusal('[\n  "django/django",\n  oops\n]', format="json")
    assert e.reason == "format"
    assert "line 3, column 3" in str(e)


def test_it_refuses_invalid_json_when_the_extension_says_json():
    assert refusal('{"items": [}', filename="dump.json").reason == "format"


def test_it_refuses_json_that_holds_no_list_of_repositories():
    assert refusal('{"total_count": 0}', format="json").reason == "format"
    assert refusal("42", format="json").reason == "format"


def test_it_falls_back_to_text_when_content_only_looked_like_json():
    result = parse('["django/django",\n"pallets/flask"\n')
    assert result.format == "text"
    assert invalid_lines(result) == [1, 2]


def test_it_refuses_json_nested_too_deeply_without_crashing():
    assert refusal("[" * 100_000, format="json").reason == "format"
    assert parse("[" * 100_000).format == "text"


def test_it_reads_a_list_of_strings_numbering_lines_by_item():
    result = parse('[\n"django/django",\n"",\n"gitlab.com/a/b",\n"Django/django"\n]')
    assert lines_and_names(result) == [(1, "django/django")]
    assert [(i.line, i.reason) for i in result.invalid] == [
        (2, "empty entry"), (3, "not a GitHub URL (host gitlab.com)")]
    assert result.duplicates == 1


def test_it_reads_a_repositories_list_and_reports_items_of_the_wrong_type():
    doc = {"repositories": [{"full_name": "a/b"}, 7, None, ["x/y"], {"full_name": 5},
                            {"full_name": "", "html_url": "https://github.com/c/d"}]}
    result = parse(json.dumps(doc))
    assert lines_and_names(result) == [(1, "a/b"), (6, "c/d")]
    assert [(i.line, i.reason) for i in result.invalid] == [
        (2, "item 2: expected a string or an object, got a number"),
        (3, "item 3: expected a string or an object, got null"),
        (4, "item 4: expected a string or an object, got a list"),
        (5, "item 5: 'full_name' is not a non-empty string"),
    ]
