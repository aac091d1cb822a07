"""Tests for repositories.importers (pure Python: run with `-p no:django`)."""

import codecs
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from repositories.importers import (
    FORMATS, Entry, ImportRefused, Invalid, InvalidEntry, ParseResult, is_valid_name,
    is_valid_owner, normalize, parse,
)
from repositories.names import RESERVED_PATHS, NotARepository, NotGitHub

DATA = Path(__file__).resolve().parent.parent / "data"
REFUSAL_REASONS = {"binary", "too_large", "too_many_entries", "encoding", "format"}


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


# --------------------------------------------------------------------------- the corpus


class TestAwesomeList:
    EXPECTED = [
        (3, "acme/awesome-python-tools"), (5, "vinta/awesome-python"), (19, "django/django"),
        (20, "pallets/flask"), (21, "tiangolo/fastapi"), (22, "encode/starlette"),
        (23, "Pylons/pyramid"), (24, "tornadoweb/tornado"), (25, "sanic-org/sanic"),
        (26, "bottlepy/bottle"), (27, "falconry/falcon"), (28, "pallets/quart"),
        (29, "encode/django-rest-framework"), (33, "pytest-dev/pytest"),
        (33, "pytest-dev/pytest-django"), (33, "pytest-dev/pytest-cov"),
        (34, "HypothesisWorks/hypothesis"), (35, "tox-dev/tox"), (36, "nedbat/coveragepy"),
        (37, "joke2k/faker"), (38, "SeleniumHQ/selenium"), (43, "httpie/cli"),
        (44, "Textualize/rich"), (45, "textualize/textual"), (46, "pallets/click"),
        (47, "fastapi/typer"), (48, "pypa/pipx"), (49, "pre-commit/pre-commit"),
        (49, "pre-commit/pre-commit-hooks"), (53, "pandas-dev/pandas"), (54, "numpy/numpy"),
        (56, "jupyter/notebook"), (57, "scikit-learn/scikit-learn"), (58, "dask/dask"),
        (62, "python/devguide"), (62, "python/cpython"), (73, "pola-rs/polars"),
    ]

    @pytest.fixture(scope="class")
    def result(self):
        return parse(read("awesome-list.md"), filename="awesome-list.md")

    def test_it_finds_every_repository_link_once_with_the_line_it_appears_on(self, result):
        assert result.format == "markdown"
        assert lines_and_names(result) == self.EXPECTED
        assert len(result.entries) == 37

    def test_it_merges_badges_sub_pages_and_repeated_links_as_duplicates(self, result):
        # actions badge + actions link (line 3), Textualize/Rich#readme (45), git@ clone URL (47),
        # Django/django/tree/main/docs (63), CONTRIBUTING.md blob (70), [sanic] reference (72)
        assert result.duplicates == 6

    def test_it_counts_topic_sponsor_org_gist_pages_and_profile_links_as_skipped(self, result):
        # topics x2, sponsors x2, orgs, users, apps, marketplace, features, collections, explore,
        # trending, gist, raw.githubusercontent, 2 github.io sites, 4 bare user/org profiles
        assert result.skipped == 20

    def test_it_reports_a_repository_link_with_an_impossible_owner_as_invalid(self, result):
        assert [i.as_dict() for i in result.invalid] == [{
            "line": 39, "text": "https://github.com/mindflayer--/python-mocket",
            "reason": "owner 'mindflayer--' is not a valid GitHub user or organisation name",
        }]

    def test_it_keeps_the_first_form_and_case_of_a_repeated_repository(self, result):
        rich = next(e for e in result.entries if e.name.lower() == "rich")
        assert (rich.line, rich.text, rich.owner) == (44, "https://github.com/Textualize/rich",
                                                      "Textualize")

    def test_it_ignores_links_to_other_hosts_and_anchors_entirely(self, result):
        texts = " ".join(e.text for e in result.entries) + " ".join(i.text for i in result.invalid)
        for other in ("shields.io", "gitlab.com", "djangoproject", "readthedocs", "#testing"):
            assert other not in texts

    def test_it_detects_the_awesome_list_as_markdown_without_a_filename(self, result):
        assert parse(read("awesome-list.md")) == result

    def test_it_counts_every_github_link_towards_the_entry_limit(self):
        data = read("awesome-list.md")
        assert parse(data, max_entries=64).format == "markdown"  # 37 + 6 + 20 + 1 links
        assert refusal(data, max_entries=63).reason == "too_many_entries"


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


# --------------------------------------------------------------------------- entry forms


@pytest.mark.parametrize("text", [
    "owner/name", "https://github.com/owner/name", "http://github.com/owner/name",
    "https://www.github.com/owner/name", "www.github.com/owner/name",
    "https://github.com/owner/name/", "https://github.com/owner/name.git",
    "https://github.com/owner/name#readme", "https://github.com/owner/name?tab=readme-ov-file",
    "git@github.com:owner/name.git", "ssh://git@github.com/owner/name",
    "ssh://git@github.com/owner/name.git", "git+https://github.com/owner/name.git",
    "git://github.com/owner/name.git", "github.com/owner/name", "GitHub.COM/owner/name",
    "https://api.github.com/repos/owner/name", "HTTPS://GITHUB.COM/owner/name",
    "https://github.com/owner/name/issues/5", "https://github.com/owner/name/tree/main/docs",
    "https://github.com/owner/name/blob/main/README.md", "https://github.com/owner/name/wiki",
    "https://github.com/owner/name/releases", "https://github.com/owner/name/pulls",
    "https://github.com/owner/name/actions/workflows/ci.yml/badge.svg",
    "  owner/name\t", "owner/name.git",
])
def test_it_normalizes_every_supported_form_to_owner_and_name(text):
    assert normalize(text) == ("owner", "name")


def test_it_keeps_the_case_as_written():
    assert normalize("https://github.com/Django/DjangoProject") == ("Django", "DjangoProject")


@pytest.mark.parametrize("text, reason", [
    ("gitlab.com/x/y", "not a GitHub URL (host gitlab.com)"),
    ("https://bitbucket.org/a/b", "not a GitHub URL (host bitbucket.org)"),
    ("a--b/x", "owner 'a--b' is not a valid GitHub user or organisation name"),
    ("o/" + "r" * 101, "repository name longer than 100 characters"),
    ("hello", "expected owner/name"),
    ("https://github.com/topics/python", "a GitHub page, not a repository (topics)"),
    ("o/.", "repository name '.' is not allowed"),
    ("o/na$me", "repository name 'na$me' contains characters GitHub does not allow"),
    ("o/r.git.git", "repository name 'r.git' ends in .git"),
    ("", "empty entry"),
])
def test_it_raises_invalid_entry_with_a_reason_that_says_what_is_wrong(text, reason):
    with pytest.raises(InvalidEntry) as info:
        normalize(text)
    assert str(info.value) == info.value.reason == reason
    assert isinstance(info.value, ValueError)


def test_it_tells_other_hosts_from_github_pages_that_are_not_repositories():
    with pytest.raises(NotGitHub) as info:
        normalize("https://gitlab.com/a/b")
    assert info.value.host == "gitlab.com"
    with pytest.raises(NotARepository):
        normalize("https://github.com/sponsors/someone")


@pytest.mark.parametrize("owner, ok", [
    ("a", True), ("A-b-C", True), ("a1", True), ("x" * 39, True), ("x" * 40, False),
    ("", False), ("-a", False), ("a-", False), ("a--b", False), ("a_b", False), ("a.b", False),
    ("é", False), ("a\n", False), (None, False), (42, False),
])
def test_it_checks_owners_against_githubs_rules(owner, ok):
    assert is_valid_owner(owner) is ok


@pytest.mark.parametrize("name, ok", [
    ("r", True), ("my.repo_name-2", True), ("...", True), (".github", True), ("x" * 100, True),
    ("x" * 101, False), ("", False), (".", False), ("..", False), ("a b", False), ("r.git", False),
    ("a/b", False), ("ü", False), ("r\n", False), (None, False),
])
def test_it_checks_repository_names_against_githubs_rules(name, ok):
    assert is_valid_name(name) is ok


# --------------------------------------------------------------------------- format detection


@pytest.mark.parametrize("content, fmt", [
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


@pytest.mark.parametrize("filename, fmt", [
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
    assert "xml" in str(e) and all(name in str(e) for name in FORMATS)


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


# --------------------------------------------------------------------------- CSV / TSV


@pytest.mark.parametrize("header, column", [
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


# --------------------------------------------------------------------------- JSON


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


# --------------------------------------------------------------------------- markdown


@pytest.mark.parametrize("url", [
    "https://github.com/topics/python", "https://github.com/orgs/acme/repositories",
    "https://github.com/sponsors/someone", "https://github.com/marketplace",
    "https://github.com/marketplace/actions/checkout", "https://github.com/features/copilot",
    "https://github.com/collections/devops", "https://github.com/trending",
    "https://github.com/explore", "https://github.com/about", "https://github.com/pricing",
    "https://github.com/login", "https://github.com/settings/profile",
    "https://github.com/apps/dependabot", "https://github.com/users/someone/projects/1",
    "https://gist.github.com/someone/abc123", "https://github.com/someone",
    "https://github.com/someone?tab=repositories", "https://github.com/",
    "https://raw.githubusercontent.com/o/r/main/logo.png", "https://someone.github.io/project/",
    "https://docs.github.com/en/actions",
])
def test_it_counts_links_to_github_pages_that_are_not_repositories_as_skipped(url):
    result = parse(f"# Links\n\nSee [this]({url}) page.\n", format="markdown")
    assert (result.entries, result.invalid, result.skipped) == ([], [], 1)


def test_it_reports_a_github_page_in_plain_text_as_invalid_rather_than_skipped():
    result = parse("https://github.com/topics/python\n", format="text")
    assert result.skipped == 0
    assert result.invalid[0].reason == "a GitHub page, not a repository (topics)"


def test_it_finds_inline_reference_autolink_bare_and_html_links():
    md = ("Use [a](https://github.com/o/a \"title\") and [b][b].\n"
          "<https://github.com/o/c> or see https://github.com/o/d, or github.com/o/e.\n"
          '<a href="https://github.com/o/f"><img src="x.png"></a> **https://github.com/o/g**\n'
          "\n[b]: https://github.com/o/b\n")
    result = parse(md, format="markdown")
    assert lines_and_names(result) == [(1, "o/a"), (2, "o/c"), (2, "o/d"), (2, "o/e"),
                                       (3, "o/f"), (3, "o/g"), (5, "o/b")]


def test_it_counts_sub_pages_and_badges_of_one_repository_as_duplicates():
    links = ["", "/issues/5", "/tree/main/docs", "/blob/main/x.py", "/wiki", "/releases",
             "/pulls", "/actions/workflows/ci.yml/badge.svg", ".git", "#readme"]
    md = "\n".join(f"- [x](https://github.com/o/r{tail})" for tail in links)
    result = parse(md, format="markdown")
    assert names(result) == ["o/r"]
    assert result.duplicates == len(links) - 1


def test_it_ignores_links_to_other_hosts_in_markdown_entirely():
    md = ("[gl](https://gitlab.com/a/b) ![s](https://img.shields.io/github/stars/o/r) "
          "[x](https://example.com/github/o/r) [y](https://github.blog/2024/post) [z](#top)\n")
    result = parse(md, format="markdown")
    assert (result.entries, result.invalid, result.skipped, result.duplicates) == ([], [], 0, 0)


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
    assert "the limit is 20 MB" in str(e) and "28.0 MB (28,000,000 bytes)" in str(e)


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


@pytest.mark.parametrize("fmt, item", [
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

OWNERS = st.from_regex(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}", fullmatch=True).filter(
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


@PROPERTY
@given(OWNERS, NAMES)
def test_normalizing_a_valid_owner_and_name_gives_them_back_in_every_form(owner, name):
    assert is_valid_owner(owner) and is_valid_name(name)
    assert normalize(f"{owner}/{name}") == (owner, name)
    assert normalize(f"git@github.com:{owner}/{name}.git") == (owner, name)
    assume(owner.lower() not in RESERVED_PATHS)  # github.com/topics/... is GitHub's own page
    assert normalize(f"https://github.com/{owner}/{name}") == (owner, name)
    assert normalize(f"https://github.com/{owner}/{name}.git/") == (owner, name)


@PROPERTY
@given(OWNERS, NAMES)
def test_normalizing_is_idempotent(owner, name):
    assume(owner.lower() not in RESERVED_PATHS)
    once = normalize(f"https://www.github.com/{owner}/{name}/issues?x=1#y")
    assert once == (owner, name)
    assert normalize("/".join(once)) == once


@PROPERTY
@given(NOISY_TEXT)
def test_whatever_normalize_accepts_passes_the_name_rules_and_normalizes_to_itself(text):
    try:
        owner, name = normalize(text)
    except InvalidEntry:
        return
    assert is_valid_owner(owner) and is_valid_name(name)
    assert normalize(f"{owner}/{name}") == (owner, name)


def check_result(result: ParseResult, fmt: str | None) -> None:
    assert result.format in FORMATS and (fmt is None or result.format == fmt)
    keys = [(e.owner.lower(), e.name.lower()) for e in result.entries]
    assert len(keys) == len(set(keys))
    for e in result.entries:
        assert is_valid_owner(e.owner) and is_valid_name(e.name)
        assert normalize(e.text) == (e.owner, e.name)
    assert result.duplicates >= 0 and result.skipped >= 0
    assert all(isinstance(i.reason, str) and i.reason for i in result.invalid)
    texts = [e.text for e in result.entries] + [i.text + i.reason for i in result.invalid]
    assert not any("\x00" in t for t in texts)
    assert all(t.encode("utf-8") for t in texts)  # no lone surrogates


def parse_or_refuse(data, fmt):
    try:
        return parse(data, format=fmt)
    except ImportRefused as e:
        assert e.reason in REFUSAL_REASONS and str(e)
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
    assert result.invalid == [] and result.skipped == 0
