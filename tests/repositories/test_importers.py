"""Tests for repositories.importers that hold for every format: detection, encodings, limits,
result types and properties (pure Python: run with `-p no:django`). Each format has its own
file: test_importers_text.py, _csv.py, _json.py, _markdown.py; the name rules are in
test_names.py."""

import codecs
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repositories.importers import (
    FORMATS,
    Entry,
    ImportRefused,
    Invalid,
    ParseResult,
    is_valid_name,
    is_valid_owner,
    normalize,
    parse,
)
from repositories.names import RESERVED_PATHS
from tests.repositories.importing import (
    NAMES,
    NOISY_TEXT,
    OWNERS,
    PROPERTY,
    invalid_lines,
    lines_and_names,
    names,
    refusal,
)

REFUSAL_REASONS = {"binary", "too_large", "too_many_entries", "encoding", "format"}

# --------------------------------------------------------------------------- format detection


@pytest.mark.parametrize(("content", "fmt"), [
    ('["django/django", "pallets/flask"]', "json"),
    ('{"total_count": 1, "items": [{"full_name": "django/django"}]}', "json"),
    ('{"repositories": ["django/django"]}', "json"),
    ("Repository,Stars\ndjango/django,1\n", "csv"),
    ("name\tHTML_URL\nDjango\thttps://github.com/django/django\n", "tsv"),
    ("django/django,1,web\npallets/flask,2,micro\n", "csv"),
    ("django/django\t1\npallets/flask\t2\n", "tsv"),
    ("Some intro.\n\n- [Django](https://github.com/django/django)\n", "markdown"),
    ("# My list\n\nThese are the tools we use every day.\nhttps://github.com/django/django\n"
     "And this one is for tests:\nhttps://github.com/pytest-dev/pytest\nPull requests welcome.\n",
     "markdown"),
    ("# my stars\ndjango/django\npallets/flask # micro\n", "text"),
    ("https://github.com/django/django\n", "text"),
    ("", "text"),
])
def test_it_detects_the_format_from_the_content(content, fmt):
    assert parse(content).format == fmt


@pytest.mark.parametrize(("filename", "fmt"), [
    ("stars.txt", "text"), ("EXPORT.CSV", "csv"), ("x.tsv", "tsv"), ("README.md", "markdown"),
    ("list.markdown", "markdown"), ("dir/stars.Txt", "text"),
])
def test_it_trusts_the_filename_extension_over_the_content(filename, fmt):
    assert parse("django/django,1\npallets/flask,2\n").format == "csv"
    assert parse("django/django,1\npallets/flask,2\n", filename=filename).format == fmt


def test_it_detects_the_content_when_the_extension_is_unknown():
    assert parse('["django/django"]', filename="stars.list").format == "json"


def test_it_honours_a_forced_format_over_extension_and_content():
    content = "url\ndjango/django\n"
    assert parse(content, filename="x.csv").invalid == []
    result = parse(content, format="text", filename="x.csv")
    assert result.format == "text"
    assert names(result) == ["django/django"]
    assert invalid_lines(result) == [1]  # "url" is not an entry in plain text


def test_it_refuses_an_unknown_format_name_and_lists_the_allowed_ones():
    e = refusal("django/django", format="xml")
    assert e.reason == "format"
    assert "xml" in str(e)
    assert all(name in str(e) for name in FORMATS)


# --------------------------------------------------------------------------- encodings


ENCODED = "# stars\r\ndjango/django\r\n\r\npallets/flask\r\ncafé/x\r\n"


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF16_LE + ENCODED.encode("utf-16-le"),
    codecs.BOM_UTF16_BE + ENCODED.encode("utf-16-be"),
    codecs.BOM_UTF8 + ENCODED.encode("utf-8"),
    ENCODED.encode("utf-8"),
    ENCODED.replace("\r\n", "\n").encode("utf-8"),
    ENCODED.replace("\r\n", "\r").encode("utf-8"),
    "\ufeff" + ENCODED,
], ids=["utf16-le-bom", "utf16-be-bom", "utf8-bom", "crlf", "lf", "cr", "str-with-bom"])
def test_it_decodes_boms_and_every_line_ending_with_the_same_line_numbers(data):
    result = parse(data)
    assert result.format == "text"
    assert lines_and_names(result) == [(2, "django/django"), (4, "pallets/flask")]
    assert [(i.line, i.text) for i in result.invalid] == [(5, "café/x")]


def test_it_decodes_non_utf8_text_with_replacement_characters_and_reports_bad_lines():
    result = parse("django/django\ncafé/x\n".encode("latin-1"))
    assert names(result) == ["django/django"]
    assert [(i.line, i.text) for i in result.invalid] == [(2, "caf\ufffd/x")]


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)),
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
    b"django/django\n\x00\x01\x02\x03",
    bytes([0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x90]) * 100,
], ids=["png", "zip", "gzip", "nul-bytes", "control-bytes"])
def test_it_refuses_a_binary_file(data):
    e = refusal(data)
    assert e.reason == "binary"
    assert str(e) == "This looks like a binary file, not a list of repositories"


def test_it_refuses_utf16_without_a_byte_order_mark_as_an_encoding_problem():
    e = refusal("django/django\npallets/flask\n".encode("utf-16-le"))
    assert e.reason == "encoding"
    assert "UTF-16" in str(e)


# --------------------------------------------------------------------------- limits


def test_it_refuses_a_file_over_the_size_limit_naming_the_limit_and_the_size():
    e = refusal(b"django/django\n" * 2_000_000)  # 28 MB
    assert e.reason == "too_large"
    assert "the limit is 20 MB" in str(e)
    assert "28.0 MB (28,000,000 bytes)" in str(e)


def test_it_checks_the_size_before_decoding():
    assert refusal(b"\x89PNG\x00" * 1000, max_bytes=1000).reason == "too_large"
    assert refusal("é" * 600, max_bytes=1000).reason == "too_large"  # 1200 bytes in UTF-8
    assert parse(b"a/b\n" * 250, max_bytes=1000).entries


def test_it_refuses_more_entries_than_the_limit_counting_duplicates_but_not_blank_lines():
    assert len(parse("a/b\n\n# c\n" * 10, max_entries=10).entries) == 1
    e = refusal("a/b\n" * 11, max_entries=10)
    assert e.reason == "too_many_entries"
    assert "10" in str(e)
    assert refusal("junk\n" * 11, max_entries=10).reason == "too_many_entries"


@pytest.mark.parametrize(("fmt", "item"), [
    ("csv", "a/b\n"), ("tsv", "a/b\n"), ("json", None), ("markdown", "https://github.com/a/b\n"),
])
def test_it_applies_the_entry_limit_to_every_format(fmt, item):
    content = json.dumps(["a/b"] * 6) if fmt == "json" else item * 6
    assert parse(content, format=fmt, max_entries=6).format == fmt
    assert refusal(content, format=fmt, max_entries=5).reason == "too_many_entries"


# --------------------------------------------------------------------------- result types


def test_entries_and_invalid_lines_are_plain_values():
    entry = Entry(line=1, text="https://github.com/O/r", owner="O", name="r")
    assert entry.full_name == "O/r"
    with pytest.raises(AttributeError):
        entry.line = 2
    assert Invalid(3, "x", "why").as_dict() == {"line": 3, "text": "x", "reason": "why"}


def test_it_never_hands_back_nul_characters_or_lone_surrogates():
    result = parse("o/r\x00x\nhttps://github.com/o/r/\x00\n\ud800/x\n", format="text")
    assert [e.text for e in result.entries] == ["https://github.com/o/r/\ufffd"]
    assert [i.text for i in result.invalid] == ["o/r\ufffdx", "\ufffd/x"]


def test_it_cuts_very_long_invalid_text():
    result = parse("x" * 5000 + "\n")
    assert len(result.invalid[0].text) <= 300


# --------------------------------------------------------------------------- properties


def check_result(result: ParseResult, fmt: str | None) -> None:
    assert result.format in FORMATS
    assert (fmt is None or result.format == fmt)
    keys = [(e.owner.lower(), e.name.lower()) for e in result.entries]
    assert len(keys) == len(set(keys))
    for e in result.entries:
        assert is_valid_owner(e.owner)
        assert is_valid_name(e.name)
        assert normalize(e.text) == (e.owner, e.name)
    assert result.duplicates == 0 or result.entries, "a duplicate repeats an entry that was kept"
    assert result.skipped == 0 or result.format == "markdown", "only markdown skips links"
    assert all(isinstance(i.reason, str) and i.reason for i in result.invalid)
    texts = [e.text for e in result.entries] + [i.text + i.reason for i in result.invalid]
    assert not any("\x00" in t for t in texts)
    assert all(t.encode("utf-8") for t in texts)  # no lone surrogates


def parse_or_refuse(data, fmt):
    try:
        return parse(data, format=fmt)
    except ImportRefused as e:
        refused = e
    assert refused.reason in REFUSAL_REASONS
    assert str(refused)
    return None


@PROPERTY
@given(st.binary(max_size=3000), st.sampled_from((None,) + FORMATS))
def test_parse_never_raises_anything_but_import_refused_on_arbitrary_bytes(data, fmt):
    result = parse_or_refuse(data, fmt)
    if result is not None:
        check_result(result, fmt)


@PROPERTY
@given(st.text(max_size=2000) | NOISY_TEXT, st.sampled_from((None,) + FORMATS))
def test_parse_never_raises_anything_but_import_refused_on_arbitrary_text(text, fmt):
    result = parse_or_refuse(text, fmt)
    if result is not None:
        check_result(result, fmt)
    encoded = parse_or_refuse(text.encode("utf-8", "surrogatepass"), fmt)
    if encoded is not None:
        check_result(encoded, fmt)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(OWNERS, NAMES), max_size=8), st.sampled_from(FORMATS))
def test_every_valid_entry_survives_every_format(pairs, fmt):
    refs = [f"https://github.com/{o}/{n}" for o, n in pairs if o.lower() not in RESERVED_PATHS
            # markdown drops a dot ending a bare URL as sentence punctuation
            and not (fmt == "markdown" and n.endswith("."))]
    if fmt == "json":
        content = json.dumps(refs)
    elif fmt == "markdown":
        content = "\n".join(f"- [{i}]({ref})" for i, ref in enumerate(refs))
    else:
        content = "url\n" + "\n".join(refs) if fmt in ("csv", "tsv") else "\n".join(refs)
    result = parse(content, format=fmt)
    unique = {}
    for ref in refs:
        unique.setdefault(tuple(x.lower() for x in normalize(ref)), normalize(ref))
    assert [(e.owner, e.name) for e in result.entries] == list(unique.values())
    assert result.duplicates == len(refs) - len(unique)
    assert result.invalid == []
    assert result.skipped == 0
