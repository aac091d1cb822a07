"""The generated catalog's maintenance situations (fakegithub/situations.py): a realistic spread, the
verdict each one was made for, and successors that exist.

The verdicts are worked out the way a scan does: the signals are read from the fake over GraphQL,
the successor and the declaring words by the catalog's own readers (repositories/maintenance.py),
two weeks after the catalog was generated."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import requests

from fakegithub import FakeGitHub, generate_catalog, situations
from fakegithub.situations import VERDICTS
from repositories.maintenance import Signals, declared, successor, verdict

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
SCANNED = NOW + timedelta(days=14)
FIELDS = """nameWithOwner isArchived description homepageUrl repositoryTopics(first: 20) { nodes { topic { name } } }
  defaultBranchRef { name target { ... on Commit { committedDate history(since: $since) { totalCount } } } }
  latestRelease { tagName publishedAt }"""


@pytest.fixture(scope="module")
def catalog() -> dict:
    return generate_catalog(500, seed=1, now=NOW)


def current_repositories(catalog: dict) -> dict[str, dict]:
    """Import name -> the repository it names now (a moved one under its new name)."""
    present = [name for name in catalog["import_names"] if name in catalog["situations"]]
    return dict(zip(present, catalog["repositories"], strict=True))


def ask(fake: FakeGitHub, names: list[str]) -> dict[str, dict]:
    """The maintenance fields of these repositories, 100 a query, as a scan asks them."""
    found = {}
    for start in range(0, len(names), 100):
        batch = names[start:start + 100]
        aliases = "\n".join(f'  r{i}: repository(owner: "{name.split("/")[0]}", name: "{name.split("/")[1]}") '
                            f"{{ {FIELDS} }}" for i, name in enumerate(batch))
        answer = requests.post(fake.url + "/graphql", timeout=30, headers={"Authorization": "bearer t"}, json={
            "query": f"query($since: GitTimestamp!) {{\n{aliases}\n}}",
            "variables": {"since": (SCANNED - timedelta(days=365)).isoformat()}}).json()
        found.update({name: answer["data"][f"r{i}"] for i, name in enumerate(batch)})
    return found


def signals(node: dict) -> Signals:
    """What the scanner's rule reads, from one GraphQL answer."""
    branch, release = node["defaultBranchRef"], node["latestRelease"]
    topics = tuple(item["topic"]["name"] for item in node["repositoryTopics"]["nodes"])
    description = node["description"] or ""
    return Signals(
        answered=True, archived=node["isArchived"], description=description, topics=topics,
        last_commit_at=datetime.fromisoformat(branch["target"]["committedDate"]) if branch else None,
        commits_last_year=branch["target"]["history"]["totalCount"] if branch else 0,
        last_release_at=datetime.fromisoformat(release["publishedAt"]) if release else None,
        last_release_tag=release["tagName"] if release else "",
        declared=declared(description, topics),
        successor=successor(full_name=node["nameWithOwner"], description=description,
                            homepage=node["homepageUrl"] or "", archived=node["isArchived"]))


def test_the_catalog_has_every_situation(catalog):
    counts = Counter(catalog["situations"].values())

    assert set(counts) == set(VERDICTS)
    assert counts["active"] > counts["quiet"] > counts["inactive"] > 0
    assert sum(counts.values()) == len(catalog["repositories"])
    assert Counter(VERDICTS[s] for s in catalog["situations"].values())["deprecated"] >= 50


def test_each_situation_gets_its_verdict_from_what_the_fake_answers(catalog):
    answering = {name: situation for name, situation in catalog["situations"].items()
                 if catalog["categories"][name] not in ("blocked", "disabled")}
    reliable = [{**repo, "flaky": 0.0} for repo in catalog["repositories"]]
    with FakeGitHub(catalog=reliable) as fake:
        nodes = ask(fake, sorted(answering))

    verdicts = {name: verdict(signals(node), now=SCANNED).verdict for name, node in nodes.items()}
    wrong = {name: (situation, verdicts[name]) for name, situation in answering.items()
             if verdicts[name] != VERDICTS[situation]}
    assert wrong == {}
    assert len(verdicts) > 400


def test_every_successor_named_is_a_healthy_active_repository_of_the_same_catalog(catalog):
    by_import = current_repositories(catalog)
    by_name = {repo["full_name"].lower(): name for name, repo in by_import.items()}
    named = {name: successor(full_name=repo["full_name"], description=repo["description"] or "",
                             homepage=repo["homepage"] or "", archived=repo["archived"])
             for name, repo in by_import.items()}
    named = {name: heir for name, heir in named.items() if heir}

    assert Counter(catalog["situations"][name] for name in named) == Counter(
        s for s in catalog["situations"].values() if s.endswith("_successor"))
    for heir in named.values():
        assert heir.lower() in by_name, f"{heir} is not in the catalog"
        import_name = by_name[heir.lower()]
        repo = by_import[import_name]
        assert repo["full_name"] == heir, "named by its current name"
        assert (catalog["categories"][import_name], catalog["situations"][import_name]) == ("healthy", "active")
        answers_healthy = (repo["archived"], repo["disabled"], repo["block"], repo["flaky"], repo["previous_names"])
        assert answers_healthy == (False, False, None, 0.0, [])


def test_without_an_active_healthy_repository_a_would_be_successor_situation_names_none():
    repos = [{"full_name": f"old/tool-{i}", "description": "A tool", "homepage": None, "topics": [],
              "created_at": "2015-01-01T00:00:00Z", "pushed_at": "2020-01-01T00:00:00Z"} for i in range(20)]

    assigned = situations.assign(repos, ["archived"] * 20, seed=1, now=NOW)

    # 40% of archived ones are drawn archived_successor (here with no repository to name: archived).
    assert assigned == ["archived"] * 20
    assert {repo["homepage"] for repo in repos} == {None}
    assert all(repo["commit_dates"][0] == "2020-01-01T00:00:00Z" for repo in repos)
