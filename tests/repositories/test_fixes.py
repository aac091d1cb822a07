"""The fix of a kept document (repositories/fixes.py) on a real-shaped awesome list: every URL
form, every policy, code left alone, and the source kept by the import."""

from __future__ import annotations

from pathlib import Path

import pytest

from repositories.fixes import BadPolicy, renamed_url, source_fix
from repositories.models import Source
from tests.repositories.fixing import Health, imported, moved, state

pytestmark = pytest.mark.django_db
README = (Path(__file__).resolve().parent.parent / "data" / "awesome-fix.md").read_text()


@pytest.fixture
def source() -> Source:
    kept = imported(README)
    moved("old-owner/flexbox", "new-owner/flexbox")
    moved("old-owner/pixel", "pixelworks/pixel")
    state("acme/stacky", Health.ARCHIVED)
    state("nobody/gone", Health.NOT_FOUND)
    state("nobody/gone-too", Health.BLOCKED, suspected=True)  # not confirmed yet: not dead
    state("acme/painter", Health.HEALTHY)
    return kept


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def test_an_import_keeps_the_document_and_where_each_link_stands(source):
    assert source.text == README
    assert source.format == "markdown"
    assert source.version == 1
    entry = source.entries.get(line=14)
    assert entry.url == "http://www.github.com/acme/gridly-extras.git"
    assert lines_of(README)[13][entry.column:entry.end_column] == entry.url
    assert entry.repository.full_name == "acme/gridly-extras"
    assert source.entries.count() == 14  # repeats and code included: the fix decides what to touch


def test_reimporting_the_same_file_with_other_text_makes_a_new_version_and_keeps_the_old(source):
    again = imported(README + "- [New](https://github.com/acme/new)\n")
    assert again.version == 2
    assert Source.objects.count() == 2
    assert imported(README + "- [New](https://github.com/acme/new)\n").id == again.id  # same text: same source


def test_the_default_fix_renames_moved_links_and_marks_archived_and_dead_ones(source):
    fix = source_fix(source=source)
    old, new = lines_of(README), lines_of(fix.text)
    assert new[11] == ("- [new-owner/flexbox](https://github.com/new-owner/flexbox) - Flexible boxes. "
                       "![stars](https://img.shields.io/github/stars/old-owner/flexbox)")
    assert new[14] == "- [Stacky](https://github.com/acme/stacky#readme) (archived) - Stacks, archived long ago."
    assert new[15] == "- [Gone](https://github.com/nobody/gone) (dead) - Deleted by its author."
    assert new[16] == "* [Docs tree](https://github.com/new-owner/flexbox/tree/main/docs) - The manual."
    assert new[23] == "| [Pixel](https://github.com/pixelworks/pixel) | Pixels, moved. |"
    assert new[26] == '  <a href="https://github.com/pixelworks/pixel">Pixel on GitHub</a>'
    assert new[30] == old[30]
    assert new[33] == old[33]
    assert new[36] == old[36]  # blocked but only suspected: left
    assert new[38] == "[flexbox-ref]: https://github.com/new-owner/flexbox"
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b]
    assert changed == [11, 14, 15, 16, 23, 26, 38]
    assert len(old) == len(new)
    assert {c.kind for c in fix.changes} == {"moved", "archived", "dead"}
    assert fix.counts() == {"moved": 5, "successor": 0, "archived": 1, "dead": 1, "inactive": 0, "name_reused": 0}
    assert "-- a/README.md" in fix.diff
    assert "+- [Gone](https://github.com/nobody/gone) (dead)" in fix.diff


def test_leave_policies_change_only_moved_links(source):
    fix = source_fix(source=source, archived="leave", dead="leave")
    assert {c.kind for c in fix.changes} == {"moved"}
    assert "(archived)" not in fix.text
    assert "(dead)" not in fix.text


def test_delete_removes_a_dead_list_item_line_and_move_sends_archived_ones_to_the_end(source):
    fix = source_fix(source=source, archived="move", dead="delete")
    new = lines_of(fix.text)
    assert "- [Gone](https://github.com/nobody/gone) - Deleted by its author." not in new
    assert new[-4:] == ["## Archived", "",
                        "- [Stacky](https://github.com/acme/stacky#readme) - Stacks, archived long ago.", ""]
    assert len(new) == len(lines_of(README)) - 2 + 4
    kinds = {(c.kind, c.new) for c in fix.changes if c.kind != "moved"}
    assert ("dead", "") in kinds


def test_a_nested_item_or_a_line_with_other_links_is_marked_not_deleted(db):
    text = ("- [Gone](https://github.com/nobody/gone) and [docs](https://example.com)\n"
            "- [Parent](https://github.com/nobody/parent)\n"
            "  - [Child](https://github.com/acme/child)\n")
    source = imported(text, filename="nested.md")
    state("nobody/gone", Health.NOT_FOUND)
    state("nobody/parent", Health.NOT_FOUND)
    fix = source_fix(source=source, dead="delete")
    assert fix.text == ("- [Gone](https://github.com/nobody/gone) (dead) and [docs](https://example.com)\n"
                        "- [Parent](https://github.com/nobody/parent) (dead)\n"
                        "  - [Child](https://github.com/acme/child)\n")


@pytest.mark.parametrize(("written", "expected"), [
    ("https://github.com/Old/Lib", "https://github.com/new/lib"),
    ("http://github.com/old/lib", "http://github.com/new/lib"),
    ("https://www.github.com/old/lib/", "https://www.github.com/new/lib/"),
    ("https://github.com/old/lib.git", "https://github.com/new/lib.git"),
    ("https://github.com/old/lib#install", "https://github.com/new/lib#install"),
    ("https://github.com/old/lib/tree/main/src", "https://github.com/new/lib/tree/main/src"),
    ("https://github.com/old/lib/blob/v1/README.md#usage", "https://github.com/new/lib/blob/v1/README.md#usage"),
    ("github.com/old/lib", "github.com/new/lib"),
    ("git@github.com:old/lib.git", "git@github.com:new/lib.git"),
    ("https://github.com/old/lib?tab=readme", "https://github.com/new/lib?tab=readme"),
    ("old/lib", "new/lib"),
])
def test_a_moved_url_keeps_the_form_it_was_written_in(written, expected):
    owner, name = ("Old", "Lib") if "Old" in written else ("old", "lib")
    assert renamed_url(written, owner, name, "new/lib") == expected


def test_a_moved_link_text_that_is_the_old_name_follows_and_other_text_stays(db):
    text = "- [old/lib](https://github.com/old/lib)\n- [Lib](https://github.com/old/lib/)\n"
    source = imported(text, filename="texts.md")
    moved("old/lib", "new/lib")
    assert source_fix(source=source).text == "- [new/lib](https://github.com/new/lib)\n- [Lib](https://github.com/new/lib/)\n"


def test_crlf_and_a_bom_are_kept_byte_for_byte(db):
    raw = "\ufeff# List\r\n\r\n- [A](https://github.com/old/a) - x\r\n- [B](https://github.com/acme/b)\r\n"
    source = imported(raw.encode("utf-8"), filename="crlf.md")
    moved("old/a", "new/a")
    state("acme/b", Health.ARCHIVED)
    fix = source_fix(source=source)
    assert fix.text == ("\ufeff# List\r\n\r\n- [A](https://github.com/new/a) - x\r\n"
                        "- [B](https://github.com/acme/b) (archived)\r\n")


def test_a_plain_text_list_is_renamed_and_marked_with_a_comment(db):
    source = imported("old/a\nhttps://github.com/acme/b\n", filename="list.txt")
    moved("old/a", "new/a")
    state("acme/b", Health.NOT_FOUND)
    assert source_fix(source=source).text == "new/a\nhttps://github.com/acme/b # dead\n"


def test_a_csv_list_gets_renames_only(db):
    source = imported("url,stars\nhttps://github.com/old/a,3\nacme/b,4\n", filename="list.csv")
    moved("old/a", "new/a")
    state("acme/b", Health.ARCHIVED)
    assert source_fix(source=source).text == "url,stars\nhttps://github.com/new/a,3\nacme/b,4\n"
    one_column = imported("url\nacme/b\n", filename="one.csv")
    assert source_fix(source=one_column).text == "url\nacme/b\n"  # a link ending its row gets no comment either


def test_replace_points_archived_and_deprecated_links_at_their_successor_and_inactive_ones_are_marked(source):
    state("acme/stacky", Health.ARCHIVED, successor="stackworks/stacky", maintenance="deprecated")
    state("acme/gridly", Health.HEALTHY, successor="gridworks/gridly", maintenance="deprecated",
          declared="moved to", description="Moved to gridworks/gridly")
    state("acme/gridly-extras", Health.STALE, maintenance="inactive")
    state("acme/painter", Health.HEALTHY, maintenance="deprecated", declared="deprecated")  # names no successor
    state("acme/healthy", Health.HEALTHY, maintenance="finished", maintenance_override="finished")

    fix = source_fix(source=source, archived="replace", inactive="mark")

    old, new = lines_of(README), lines_of(fix.text)
    assert new[12] == "- [Gridly](https://github.com/gridworks/gridly/) - Grids for everyone."
    assert new[13] == ("  - [gridly-extras](http://www.github.com/acme/gridly-extras.git) (inactive) - "
                       "Plugins for Gridly.")
    assert new[14] == "- [Stacky](https://github.com/stackworks/stacky#readme) - Stacks, archived long ago."
    assert new[22] == old[22], "deprecated without a successor: nothing to point at, not archived"
    assert new[35] == old[35], "finished is never marked"
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b]
    assert changed == [11, 12, 13, 14, 15, 16, 23, 26, 38]
    assert fix.counts() == {"moved": 5, "successor": 2, "archived": 0, "dead": 1, "inactive": 1, "name_reused": 0}

    again = imported(fix.text, filename="again.md")  # the successors are new to the catalog
    state("acme/gridly-extras", Health.STALE, maintenance="inactive")
    refixed = source_fix(source=again, archived="replace", inactive="mark")
    assert (refixed.text, refixed.changes) == (fix.text, []), "a fixed list stays fixed"


def test_replace_marks_an_archived_repository_that_names_no_successor(source):
    fix = source_fix(source=source, archived="replace")
    assert lines_of(fix.text)[14] == ("- [Stacky](https://github.com/acme/stacky#readme) (archived) - "
                                      "Stacks, archived long ago.")
    assert fix.text == source_fix(source=source, archived="mark").text


def test_a_bad_policy_names_its_parameter(source):
    with pytest.raises(BadPolicy) as caught:
        source_fix(source=source, dead="burn")
    assert caught.value.parameter == "dead"
    with pytest.raises(BadPolicy) as caught:
        source_fix(source=source, inactive="delete")
    assert caught.value.parameter == "inactive"


def test_an_unchanged_catalog_gives_the_same_text_and_no_diff(db):
    source = imported(README, filename="same.md")
    fix = source_fix(source=source)
    assert fix.text == README
    assert fix.diff == ""
    assert fix.changes == []
