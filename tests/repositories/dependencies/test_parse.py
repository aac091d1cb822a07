"""repositories.dependencies.parse: format choice, decoding, limits and hostile files."""

import json

import pytest

from repositories.dependencies import parse
from tests.repositories.dependencies.helpers import read, refusal, rows


def test_format_wins_over_the_file_name_and_the_name_over_the_content():
    text = "Django==5.2\n"
    assert parse(text, format="requirements", filename="go.mod").format == "requirements"
    assert parse(read("go.sum"), filename="go.mod").format == "go-mod"  # told go.mod: every line a bad directive
    assert parse(text).format == "requirements"


def test_an_unknown_format_and_an_unknown_document_are_refused_naming_the_choices():
    error = refusal("x", format="maven")
    assert error.reason == "format"
    assert error.message.startswith("Unknown format 'maven'; expected one of: cyclonedx-json")
    error = refusal("just some prose\n")
    assert error.reason == "format"
    assert "not a dependency document" in error.message


def test_utf16_with_a_byte_order_mark_and_crlf_line_ends_are_read():
    text = "# yarn lockfile v1\r\n\r\na@^1:\r\n  version \"1.0.0\"\r\n"
    result = parse(text.encode("utf-16"))
    assert result.format == "yarn-lock"
    assert rows(result) == [("a", "1.0.0", None, None)]
    assert result.packages[0].location == 3


def test_a_binary_file_is_refused():
    assert refusal(b"PK\x03\x04" + bytes(100), filename="package-lock.json").reason == "binary"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    error = refusal(b"x" * 1001, filename="go.sum", max_bytes=1000)
    assert error.reason == "too_large"
    assert "the limit is 0.001 MB" in error.message


def test_a_file_over_the_entry_limit_is_refused_counting_bad_entries_too():
    lines = "".join(f"example.com/m{i} v1.0.0 h1:x=\n" for i in range(5)) + "garbage\n"
    assert len(parse(lines, format="go-sum", max_entries=6).packages) == 5
    error = refusal(lines, format="go-sum", max_entries=5)
    assert error.reason == "too_many_entries"
    assert "more than 5 entries" in error.message


@pytest.mark.parametrize(("fmt", "text", "message"), [
    ("package-lock", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("cyclonedx-json", '{"bomFormat": "CycloneDX", "components": [' * 5000, "Invalid JSON"),
    ("pnpm-lock", "a: " + "[" * 100_000, "YAML"),
    ("cargo-lock", "a = " + "[" * 100_000, "TOML"),
    ("package-lock", '{"packages": {', "Invalid JSON at line 1"),
    ("poetry-lock", "[[package]\nname = ", "Invalid TOML in this poetry.lock"),
    ("pnpm-lock", "packages: [unclosed", "Invalid YAML in this pnpm-lock.yaml"),
])
def test_what_cannot_be_read_at_all_is_refused_naming_the_problem(fmt, text, message):
    error = refusal(text, format=fmt)
    assert error.reason == "format"
    assert message in error.message


def test_yaml_aliases_are_not_expanded_into_a_billion_entries():
    text = "lockfileVersion: '9.0'\na: &a [x, x, x, x, x, x, x, x, x, x]\n" \
           "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
           "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" \
           "packages: {'x@1.0.0': {resolution: {integrity: y}}}\n"
    assert rows(parse(text, format="pnpm-lock")) == [("x", "1.0.0", None, None)]


def test_a_document_of_the_wrong_shape_is_read_as_far_as_it_goes():
    result = parse(json.dumps({"lockfileVersion": 3}), format="package-lock")
    assert result.packages == []
    assert [p.reason[:40] for p in result.problems] == ["no 'packages' (lockfile v2/v3) or 'depen"]
