"""Where the fix puts a marker on real list shapes (badges, images inside links, two repositories
on a line, tables, HTML, reference definitions), and that fixing a fixed list changes nothing."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from repositories.fixes import ARCHIVED_POLICIES, DEAD_POLICIES, source_fix
from tests.repositories.fixing import Health, imported, moved, state

pytestmark = pytest.mark.django_db
AWESOME = (Path(__file__).resolve().parent.parent / "data" / "awesome-fix.md").read_text()
BADGE = ("[![Release](https://github.com/o/r/actions/workflows/release.yml/badge.svg)]"
         "(https://github.com/o/r/actions/workflows/release.yml)")
SHAPES = "\n".join([
    "# Shapes",
    "",
    f"- [Tool](https://github.com/o/r) {BADGE} - Builds things.",  # 3
    "- [![logo](https://github.com/o/logo/raw/main/logo.png)](https://github.com/o/logo) - Only a badge.",  # 4
    "- [A](https://github.com/o/a) and [B](https://github.com/o/b) - Two repositories.",  # 5
    "- [Old](https://github.com/o/old) [![CI](https://github.com/o/old/workflows/ci/badge.svg)]"
    "(https://github.com/o/old/actions)",  # 6
    '- <a href="https://github.com/o/h">Html</a> <img src="https://github.com/o/h/raw/main/shot.png"> - In HTML.',  # 7
    "- Plain (https://github.com/o/p) - In parentheses.",  # 8
    "- [https://github.com/o/t](https://github.com/o/t) - Its URL as its text.",  # 9
    "- [Ref][x] - By reference.",  # 10
    "",
    "| Project | CI |",  # 12
    "|---|---|",
    "| [A](https://github.com/o/a) | [![CI](https://github.com/o/a/workflows/ci/badge.svg)]"
    "(https://github.com/o/a/actions) |",
    "| [B](https://github.com/o/b) \\| [Tool](https://github.com/o/r) | `https://github.com/o/r` |",  # 15
    "",
    "[x]: https://github.com/o/x",  # 17
    "",
])


@pytest.fixture
def shapes():
    source = imported(SHAPES, filename="shapes.md")
    for name in ("o/r", "o/logo", "o/b", "o/h", "o/p", "o/t", "o/x"):
        state(name, Health.NOT_FOUND)
    state("o/a", Health.ARCHIVED)
    moved("o/old", "o/new", health=Health.ARCHIVED)
    return source


def test_a_marker_goes_once_per_line_after_the_first_link_that_is_no_image_and_not_inside_a_link(shapes):
    fix = source_fix(source=shapes)
    lines = fix.text.split("\n")
    assert lines[2] == f"- [Tool](https://github.com/o/r) (dead) {BADGE} - Builds things."
    assert lines[3] == ("- [![logo](https://github.com/o/logo/raw/main/logo.png)](https://github.com/o/logo) (dead)"
                        " - Only a badge.")
    assert lines[4] == ("- [A](https://github.com/o/a) (archived) and [B](https://github.com/o/b) (dead)"
                        " - Two repositories.")
    assert lines[5] == ("- [Old](https://github.com/o/new) (archived) "
                        "[![CI](https://github.com/o/new/workflows/ci/badge.svg)](https://github.com/o/new/actions)")
    # every link renamed, the badge's too; one marker
    assert lines[6] == ('- <a href="https://github.com/o/h">Html</a> (dead) '
                        '<img src="https://github.com/o/h/raw/main/shot.png"> - In HTML.')
    assert lines[7] == "- Plain (https://github.com/o/p) (dead) - In parentheses."
    assert lines[8] == "- [https://github.com/o/t](https://github.com/o/t) (dead) - Its URL as its text."
    assert lines[9] == "- [Ref][x] - By reference."
    assert lines[16] == "[x]: https://github.com/o/x"  # a definition has no text to mark
    assert lines[13] == ("| [A](https://github.com/o/a) (archived) | [![CI](https://github.com/o/a/workflows/ci/"
                         "badge.svg)](https://github.com/o/a/actions) (archived) |")  # once per cell
    assert lines[14] == ("| [B](https://github.com/o/b) (dead) \\| [Tool](https://github.com/o/r) (dead) |"
                         " `https://github.com/o/r` |")  # an escaped pipe is no cell border; code stays
    untouched = [i for i, line in enumerate(SHAPES.split("\n")) if line == lines[i]]
    assert untouched == [0, 1, 9, 10, 11, 12, 15, 16, 17]
    assert fix.counts() == {"moved": 3, "successor": 0, "archived": 4, "dead": 8, "inactive": 0, "name_reused": 0}


def test_a_marker_is_never_inside_brackets_or_parentheses(shapes):
    for line in source_fix(source=shapes).text.split("\n"):
        for marker in (" (dead)", " (archived)"):
            at = line.find(marker)
            while at >= 0:
                before = line[:at]
                assert before.count("[") == before.count("]"), line
                assert before.count("(") == before.count(")"), line
                at = line.find(marker, at + 1)


def test_a_link_that_carries_another_verdicts_marker_gets_the_new_one(db):
    source = imported("- [A](https://github.com/o/a) (archived) - Gone now.\n- [B](https://github.com/o/b) (Dead)\n",
                      filename="stale.md")
    state("o/a", Health.NOT_FOUND)
    state("o/b", Health.NOT_FOUND)
    fix = source_fix(source=source)
    assert fix.text == "- [A](https://github.com/o/a) (dead) - Gone now.\n- [B](https://github.com/o/b) (Dead)\n"
    assert [c.kind for c in fix.changes] == ["dead"]


def refixed(fix, filename: str, **policies):
    return source_fix(source=imported(fix.text, filename=filename), **policies)


@pytest.mark.parametrize(("archived", "dead"), list(itertools.product(ARCHIVED_POLICIES, DEAD_POLICIES)))
def test_fixing_a_fixed_list_changes_nothing(db, archived, dead):
    awesome = imported(AWESOME, filename="awesome.md")
    shapes = imported(SHAPES, filename="shapes.md")
    moved("old-owner/flexbox", "new-owner/flexbox")
    moved("old-owner/pixel", "pixelworks/pixel")
    state("acme/stacky", Health.ARCHIVED)
    state("nobody/gone", Health.NOT_FOUND)
    for name in ("o/r", "o/logo", "o/b", "o/x"):
        state(name, Health.NOT_FOUND)
    state("o/a", Health.ARCHIVED)
    moved("o/old", "o/new", health=Health.ARCHIVED)
    for source in (awesome, shapes):
        first = source_fix(source=source, archived=archived, dead=dead)
        assert first.changes
        second = refixed(first, source.filename, archived=archived, dead=dead)
        assert second.text == first.text
        assert second.changes == []
        assert second.diff == ""
