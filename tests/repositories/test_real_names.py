"""The name rules against real repositories: a few thousand names from public awesome lists
(tests/data/real-repository-names.txt, written down once; no network). Every real name must
pass, in every form a list writes it, and an awesome list of them must import whole."""

from __future__ import annotations

import pytest

from repositories.importers import parse
from repositories.names import is_valid_name, is_valid_owner, normalize
from tests.repositories.importing import read

CORPUS = [line.strip() for line in read("real-repository-names.txt").decode().splitlines()
          if line.strip() and not line.lstrip().startswith("#")]


def test_the_corpus_holds_a_few_thousand_distinct_real_names_including_the_rule_breakers():
    assert len(CORPUS) >= 3000
    assert len({name.lower() for name in CORPUS}) == len(CORPUS)
    owners = {name.split("/")[0] for name in CORPUS}
    assert {"mjl-", "Qix-"} <= owners, "older accounts that end in a hyphen"
    assert any(owner[0].isdigit() for owner in owners)
    assert any("." in name for name in CORPUS)


def test_every_real_owner_and_name_passes_the_rules():
    rejected = [name for name in CORPUS
                if not (is_valid_owner(name.split("/")[0]) and is_valid_name(name.split("/")[1]))]
    assert rejected == []


@pytest.mark.parametrize("form", [
    "{}", "https://github.com/{}", "https://github.com/{}/", "https://github.com/{}.git",
    "git@github.com:{}.git", "https://github.com/{}#readme", "github.com/{}/tree/main/docs",
])
def test_every_real_name_normalizes_to_itself_in_every_form_a_list_writes(form):
    wrong = {}
    for name in CORPUS:
        try:
            got = "/".join(normalize(form.format(name)))
        except ValueError as exc:
            got = f"rejected: {exc}"
        if got != name:
            wrong[form.format(name)] = got
    assert wrong == {}


def test_an_awesome_list_of_every_real_name_imports_every_one_and_nothing_else():
    markdown = "# Awesome real names\n\n" + "".join(
        f"- [{name.split('/')[1]}](https://github.com/{name}) - a real repository.\n" for name in CORPUS)

    result = parse(markdown.encode(), filename="README.md")

    assert result.format == "markdown"
    assert [entry.full_name for entry in result.entries] == CORPUS
    assert result.invalid == []
    assert result.skipped == 0
