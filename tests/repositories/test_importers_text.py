"""Tests for repositories.importers: plain text, one entry a line (pure Python: run with
`-p no:django`)."""

import pytest

from repositories.importers import parse
from tests.repositories.importing import lines_and_names, names, read

# --------------------------------------------------------------------------- the corpus


class TestMessyText:
    INVALID = [
        (26, "not a GitHub URL (host gitlab.com)"),
        (27, "not a GitHub URL (host bitbucket.org)"),
        (28, "a GitHub user or organisation, not a repository (torvalds)"),
        (29, "expected owner/name"),
        (30, "owner 'a--b' is not a valid GitHub user or organisation name"),
        (31, "owner name longer than 39 characters"),
        (32, "repository name longer than 100 characters"),
        (33, "repository name '..' is not allowed"),
        (34, "contains spaces (expected owner/name or a GitHub URL)"),
        (35, "looks like an e-mail address, not a repository"),
        (36, "missing repository name (expected owner/name)"),
        (37, "missing owner (expected owner/name)"),
        (38, "a GitHub page, not a repository (topics)"),
        (39, "contains spaces (expected owner/name or a GitHub URL)"),
        (40, "owner '-leading' is not a valid GitHub user or organisation name"),
        (41, "unsupported URL scheme 'ftp'"),
        (42, "a gist, not a repository"),
        (43, "expected owner/name"),
        (44, "not a GitHub URL (host gitlab.com)"),
    ]

    @pytest.fixture(scope="class")
    def result(self):
        return parse(read("messy.txt"), filename="messy.txt")

    def test_it_accepts_every_entry_form_on_its_own_line(self, result):
        assert result.format == "text"
        assert lines_and_names(result) == [
            (3, "django/django"), (4, "pallets/flask"), (5, "psf/requests"), (6, "encode/httpx"),
            (7, "tiangolo/fastapi"), (8, "Textualize/rich"), (9, "pypa/pip"), (10, "numpy/numpy"),
            (11, "pandas-dev/pandas"), (12, "pytest-dev/pytest"),
            (13, "HypothesisWorks/hypothesis"), (14, "encode/starlette"), (15, "pallets/click"),
            (16, "python/cpython"), (17, "nedbat/coveragepy"), (18, "scikit-learn/scikit-learn"),
            (19, "tornadoweb/tornado"),
        ]

    def test_it_strips_whitespace_and_trailing_comments_from_the_entry_text(self, result):
        by_line = {e.line: e.text for e in result.entries}
        assert by_line[4] == "pallets/flask"
        assert by_line[18] == "https://github.com/scikit-learn/scikit-learn/issues/5"
        assert by_line[19] == "tornadoweb/tornado"

    def test_it_reports_each_kind_of_junk_with_a_reason_saying_what_is_wrong(self, result):
        assert [(i.line, i.reason) for i in result.invalid] == self.INVALID

    def test_it_merges_repeats_in_another_case_or_form(self, result):
        assert (result.duplicates, result.skipped) == (2, 0)

    def test_it_detects_the_messy_list_as_text_despite_its_comment_headings(self, result):
        assert parse(read("messy.txt")) == result


# --------------------------------------------------------------------------- plain text


def test_it_ignores_blank_lines_comments_and_surrounding_whitespace_in_text():
    result = parse("\n# heading\n   \n  django/django  # the best\n\t#indented comment\n")
    assert lines_and_names(result) == [(4, "django/django")]
    assert (result.invalid, result.duplicates) == ([], 0)


def test_it_keeps_a_url_fragment_that_is_not_a_comment():
    assert names(parse("https://github.com/o/r#readme\n")) == ["o/r"]


def test_it_keeps_the_first_occurrence_and_counts_later_ones_as_duplicates():
    result = parse("Owner/Repo\nowner/repo\nhttps://github.com/OWNER/REPO.git\nother/x\n")
    assert [(e.line, e.text) for e in result.entries] == [(1, "Owner/Repo"), (4, "other/x")]
    assert result.duplicates == 2


def test_it_accepts_text_as_well_as_bytes():
    assert parse("django/django\n") == parse(b"django/django\n")
