"""The REST fetcher (scans/fetch/rest.py): every metadata field of a 200, ETags and 304s,
through the scan service against fakegithub over HTTP."""

from __future__ import annotations

import pytest

from repositories.models import Repository
from scans.models import ScanJob
from tests.scans.scanning import RECENT, run, track

pytestmark = pytest.mark.django_db


def test_it_syncs_every_metadata_field_from_a_200(fake_github):
    fake_github.load_catalog([{
        "id": 777, "full_name": "Meta/Data", "description": "A <b>repo</b>", "homepage": "https://meta.example",
        "language": "Rust", "topics": ["cli", "fast"], "license": "MIT", "stars": 1234, "forks": 56,
        "open_issues": 7, "watchers": 89, "default_branch": "trunk", "fork": True, "pushed_at": RECENT,
        "created_at": "2015-05-05T05:05:05Z",
    }])
    (repo,) = track("meta/data")

    run([repo])

    repo.refresh_from_db()
    assert (repo.full_name, repo.github_id, repo.description, repo.homepage) == (
        "Meta/Data", 777, "A <b>repo</b>", "https://meta.example")
    assert (repo.language, repo.topics, repo.license, repo.default_branch) == ("Rust", ["cli", "fast"], "MIT", "trunk")
    assert (repo.stars, repo.forks, repo.open_issues, repo.watchers) == (1234, 56, 7, 89)
    assert repo.fork is True
    assert repo.archived is False
    assert repo.disabled is False
    assert repo.node_id
    assert repo.html_url == "https://github.com/Meta/Data"
    assert repo.created_at_github.year == 2015
    assert repo.pushed_at is not None
    assert repo.etag.startswith('W/"')
    assert repo.last_checked_at is not None
    assert repo.health == Repository.Health.HEALTHY, "a change of letter case is not a move"


def test_a_rescan_sends_etags_and_gets_304s_that_spend_no_rate_limit(fake_github, settings):
    settings.GITHUB_TOKENS = ["tok-a"]
    fake_github.configure(tokens="tok-a")
    names = [r["full_name"] for r in fake_github.repositories()[:30] if not r.get("block")
             and not r.get("flaky") and not r.get("previous_names")]
    repos = track(*names)
    first = run(repos)
    assert first.status == ScanJob.Status.COMPLETED
    fake_github.reset_stats()

    second = run(repos)

    stats = fake_github.stats()
    assert second.status == ScanJob.Status.COMPLETED
    assert stats["by_endpoint"]["rest_repo"] == {"304": len(names)}
    assert stats["points_spent"]["core"] == 0
    assert second.counts() == first.counts()
