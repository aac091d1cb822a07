"""Tests for repositories.names: the entry forms we accept and GitHub's rules for owners and
names (pure Python: run with `-p no:django`)."""

import pytest
from hypothesis import assume, given

from repositories.names import (
    RESERVED_PATHS,
    InvalidEntry,
    NotARepository,
    NotGitHub,
    is_valid_name,
    is_valid_owner,
    normalize,
)
from tests.repositories.importing import NAMES, NOISY_TEXT, OWNERS, PROPERTY

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


@pytest.mark.parametrize(("text", "reason"), [
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


@pytest.mark.parametrize(("owner", "ok"), [
    ("a", True), ("A-b-C", True), ("a1", True), ("x" * 39, True), ("x" * 40, False),
    ("", False), ("-a", False), ("a-", True), ("mjl-", True), ("a--", False), ("a--b", False), ("a_b", False),
    ("a.b", False),
    ("é", False), ("a\n", False), (None, False), (42, False),
])
def test_it_checks_owners_against_githubs_rules(owner, ok):
    assert is_valid_owner(owner) is ok


@pytest.mark.parametrize(("name", "ok"), [
    ("r", True), ("my.repo_name-2", True), ("...", True), (".github", True), ("x" * 100, True),
    ("x" * 101, False), ("", False), (".", False), ("..", False), ("a b", False), ("r.git", False),
    ("a/b", False), ("ü", False), ("r\n", False), (None, False),
])
def test_it_checks_repository_names_against_githubs_rules(name, ok):
    assert is_valid_name(name) is ok


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(OWNERS, NAMES)
def test_normalizing_a_valid_owner_and_name_gives_them_back_in_every_form(owner, name):
    assert is_valid_owner(owner)
    assert is_valid_name(name)
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
    assert is_valid_owner(owner)
    assert is_valid_name(name)
    assert normalize(f"{owner}/{name}") == (owner, name)
