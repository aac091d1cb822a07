"""Tests for repositories.importers: CSV and TSV (pure Python: run with `-p no:django`)."""

import pytest

from repositories.importers import ImportRefused, parse
from tests.repositories.importing import invalid_lines, lines_and_names, names, read

# --------------------------------------------------------------------------- the corpus


class TestCsvExport:
    @pytest.fixture(scope="class")
    def result(self):
        return parse(read("export.csv"), filename="export.csv")

    def test_it_reads_the_url_column_of_an_export_with_extra_columns(self, result):
        assert result.format == "csv"
        assert lines_and_names(result) == [
            (2, "django/django"), (3, "pallets/flask"), (4, "psf/requests"),
            (5, "encode/httpx"), (6, "Textualize/rich"), (9, "psf/black"),
            (15, "numpy/numpy"), (17, "pandas-dev/pandas"),
        ]

    def test_it_counts_physical_lines_across_multi_line_quoted_cells(self, result):
        black = next(e for e in result.entries if e.name == "black")
        assert black.line == 9

    def test_it_reports_bad_rows_with_their_line_and_reason(self, result):
        assert [i.as_dict() for i in result.invalid] == [
            {"line": 10, "text": "https://gitlab.com/gitlab-org/gitlab",
             "reason": "not a GitHub URL (host gitlab.com)"},
            {"line": 11, "text": "https://github.com/psf--/black",
             "reason": "owner 'psf--' is not a valid GitHub user or organisation name"},
            {"line": 16, "text": "https://github.com/topics/python",
             "reason": "a GitHub page, not a repository (topics)"},
        ]

    def test_it_merges_the_repeated_row_and_ignores_empty_cells(self, result):
        assert (result.duplicates, result.skipped) == (1, 0)

    def test_it_detects_the_export_as_csv_without_a_filename(self, result):
        assert parse(read("export.csv")) == result


# --------------------------------------------------------------------------- CSV / TSV


@pytest.mark.parametrize(("header", "column"), [
    ("full_name,URL,repo", "URL"), ("Repo,HTML_URL", "Repo"), ("html_url,full_name", "full_name"),
    ("name,Repository,url", "url"),
])
def test_it_picks_the_known_column_by_priority(header, column):
    cols = header.split(",")
    row = ",".join("good/one" if c == column else "bad//one" for c in cols)
    result = parse(f"{header}\n{row}\n", format="csv")
    assert names(result) == ["good/one"]
    assert result.invalid == []


def test_it_uses_the_first_column_and_the_first_row_when_there_is_no_header():
    result = parse("django/django,1\nhttps://github.com/pallets/flask,2\n", format="csv")
    assert lines_and_names(result) == [(1, "django/django"), (2, "pallets/flask")]


def test_it_skips_a_header_row_without_a_known_column_name():
    result = parse("Name,Stars\ndjango/django,1\n", format="csv")
    assert lines_and_names(result) == [(2, "django/django")]
    assert result.invalid == []


def test_it_reports_a_first_row_that_is_a_url_on_another_host_instead_of_taking_it_as_header():
    result = parse("https://gitlab.com/a/b,1\ndjango/django,2\n", format="csv")
    assert invalid_lines(result) == [1]
    assert names(result) == ["django/django"]


def test_it_reads_quoted_cells_with_embedded_commas_tabs_and_newlines():
    data = 'url,notes\n"django/django","a, b"\n"pallets/flask","x\ny\nz"\n"psf/black",\n'
    result = parse(data)
    assert lines_and_names(result) == [(2, "django/django"), (3, "pallets/flask"),
                                       (6, "psf/black")]
    tsv = 'repo\tnotes\n"django/django"\t"a\tb"\n\npallets/flask\tx\n'
    assert lines_and_names(parse(tsv)) == [(2, "django/django"), (4, "pallets/flask")]


def test_it_ignores_empty_cells_and_short_rows_silently():
    result = parse("stars,url\n1,\n2\n,,,\n3, django/django \n", format="csv")
    assert lines_and_names(result) == [(5, "django/django")]
    assert (result.invalid, result.duplicates) == ([], 0)


def test_it_reports_a_row_the_csv_reader_cannot_read_and_goes_on():
    data = 'url\n"' + "x" * 200_000 + '\n"\ndjango/django\n'
    result = parse(data, format="csv")
    assert names(result) == ["django/django"]
    assert invalid_lines(result)[0] == 2


def test_text_given_as_csv_that_is_not_csv_is_refused_saying_so():
    with pytest.raises(ImportRefused) as refused:
        parse("hello world\nthis is not csv at all\n", format="csv")
    assert refused.value.reason == "format"
    assert "This is not CSV: no line holds a comma" in str(refused.value)
    with pytest.raises(ImportRefused, match="This is not TSV"):
        parse("hello world\nnot a list either\n", format="tsv")


def test_a_one_column_csv_of_names_or_a_header_alone_is_still_csv():
    assert [e.full_name for e in parse("url\nhttps://github.com/a/b\n", format="csv").entries] == ["a/b"]
    assert parse("url\n", format="csv").entries == []
