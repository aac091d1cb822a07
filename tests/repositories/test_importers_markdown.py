"""Tests for repositories.importers: markdown, awesome-list READMEs above all (pure Python: run
with `-p no:django`)."""

import pytest

from repositories.importers import parse
from tests.repositories.importing import lines_and_names, names, read, refusal

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

    def test_it_lists_every_skipped_link_with_its_line_text_and_reason(self, result):
        assert len(result.skipped_entries) == result.skipped
        first = result.skipped_entries[0].as_dict()
        assert set(first) == {"line", "text", "reason"}
        assert first["line"] > 0
        topics = [s for s in result.skipped_entries if "/topics/" in s.text]
        assert len(topics) == 2
        assert {s.reason for s in topics} == {"a GitHub page, not a repository (topics)"}
        assert any(s.reason == "a gist, not a repository" for s in result.skipped_entries)

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
