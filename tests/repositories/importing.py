"""Helpers and Hypothesis strategies shared by the importer tests and the name-rule tests."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from repositories.importers import ImportRefused, ParseResult, parse

DATA = Path(__file__).resolve().parent.parent / "data"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def names(result: ParseResult) -> list[str]:
    return [e.full_name for e in result.entries]


def lines_and_names(result: ParseResult) -> list[tuple[int, str]]:
    return [(e.line, e.full_name) for e in result.entries]


def invalid_lines(result: ParseResult) -> list[int]:
    return [i.line for i in result.invalid]


def refusal(data, **kwargs) -> ImportRefused:
    with pytest.raises(ImportRefused) as info:
        parse(data, **kwargs)
    return info.value


OWNERS = st.from_regex(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,37}-?", fullmatch=True).filter(
    lambda s: len(s) <= 39)
NAMES = st.from_regex(r"[A-Za-z0-9._-]{1,100}", fullmatch=True).filter(
    lambda s: s not in (".", "..") and not s.lower().endswith(".git"))
# fragments that steer random text into the interesting paths of every parser
FRAGMENTS = st.sampled_from([
    "github.com/", "https://", "http://www.", "git@github.com:", "/", "o/r", "a-b", ".git", "#",
    " # x", "?tab=1", "[", "](", ")", "<", ">", "\n", "\r\n", "\r", ",", "\t", '"', "{", "}",
    '"full_name": ', '"items": ', "topics/", "gist.", ".github.io", "--", "..", "é", "\x00",
    "\ufeff", "url,stars\n", "# ",
])
NOISY_TEXT = st.lists(FRAGMENTS | st.text(max_size=4), max_size=40).map("".join)
PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
