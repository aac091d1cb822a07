"""The line each package's JSON pointer stands on (`repositories.dependencies.lines`), for the
reports that point at the file: every package of the real files, and the JSON a tokenizer must
not be fooled by."""

from __future__ import annotations

import json

import pytest

from repositories.dependencies import parse
from repositories.dependencies.lines import pointer_lines, segments
from tests.repositories.dependencies.helpers import read

# file -> what the line of each package's pointer starts with (the package's key, or its array item)
PLACED = {
    "package-lock.json": '"node_modules/', "composer.lock": "{", "Pipfile.lock": '"', "juice-shop.cdx.json": "{",
    "ACME-v2.3.spdx.json": None, "poetry.lock": "[[package]]", "uv.lock": "[[package]]", "Cargo.lock": "[[package]]",
    "pnpm-lock.yaml": "/",
}


@pytest.mark.parametrize("name", PLACED)
def test_every_package_of_a_real_file_gets_the_line_of_its_entry(name):
    text = read(name).decode()
    result = parse(text, filename=name)
    pointers = [p.location for p in result.packages]
    lines = pointer_lines(text, result.format, pointers)
    assert set(lines) == set(pointers)
    assert sorted(lines.values()) == [lines[p] for p in pointers]  # in file order, as the reader found them
    document = text.splitlines()
    for package in result.packages:
        line = document[lines[package.location] - 1].strip()
        if PLACED[name] is not None:
            assert line.startswith(PLACED[name]), (package, line)
        if PLACED[name] in ('"node_modules/', '"', "/"):
            assert package.name in line  # the entry's own key


def test_the_line_of_a_json_key_is_found_past_strings_that_look_like_json():
    document = ('{"a": "}{[,:\\"", "b~/c": [1, {"x": "y"}],\n'
                ' "list": [\n  {"n": "first"},\n\n  {"n": "second"}\n ],\n'
                ' "esc\\u0061ped": {\n   "deep": true\n }\n}')
    assert json.loads(document)  # valid JSON
    pointers = ["/b~0~1c/1", "/list/0", "/list/1", "/escaped/deep", "/list/2", "/missing"]
    assert pointer_lines(document, "cyclonedx-json", pointers) == {
        "/b~0~1c/1": 1, "/list/0": 3, "/list/1": 5, "/escaped/deep": 8}


def test_a_format_without_places_gives_none_and_a_line_is_not_a_pointer():
    text = read("juice-shop.cdx.xml").decode()
    assert pointer_lines(text, "cyclonedx-xml", ["/components/component/0"]) == {}
    assert pointer_lines("flask==3.0\n", "requirements", ["1"]) == {}
    assert segments("/packages/node_modules~1@a~1b") == ("packages", "node_modules/@a/b")
