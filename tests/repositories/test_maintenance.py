"""The maintenance verdict (repositories/maintenance.py): every row of its table, the boundary
days, a release alone, a push elsewhere not counting, overrides, and what a project says of itself."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from repositories.maintenance import Signals, Thresholds, Verdict, declared, successor, verdict

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
T = Thresholds()  # 6 commits, 365 and 730 days


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


def judge(**signals) -> str:
    return verdict(Signals(answered=True, **signals), now=NOW, thresholds=T).verdict


@pytest.mark.parametrize(("signals", "expected"), [
    # active: enough commits in the window, or a release in it
    ({"commits_last_year": 6, "last_commit_at": days_ago(3)}, Verdict.ACTIVE),
    ({"commits_last_year": 5, "last_commit_at": days_ago(3)}, Verdict.QUIET),
    ({"commits_last_year": 0, "last_commit_at": days_ago(900), "last_release_at": days_ago(365)}, Verdict.ACTIVE),
    ({"commits_last_year": 0, "last_commit_at": days_ago(900), "last_release_at": days_ago(366)}, Verdict.QUIET),
    # quiet: some commit or release within 730 days
    ({"commits_last_year": 0, "last_commit_at": days_ago(730)}, Verdict.QUIET),
    ({"commits_last_year": 0, "last_commit_at": days_ago(731)}, Verdict.INACTIVE),
    ({"commits_last_year": 0, "last_commit_at": days_ago(800), "last_release_at": days_ago(700)}, Verdict.QUIET),
    # inactive: nothing within 730 days, or nothing at all
    ({"commits_last_year": 0, "last_commit_at": days_ago(1000), "last_release_at": days_ago(1000)}, Verdict.INACTIVE),
    ({"commits_last_year": 0}, Verdict.INACTIVE),
    # deprecated whatever the activity
    ({"archived": True, "commits_last_year": 40, "last_commit_at": days_ago(1)}, Verdict.DEPRECATED),
    ({"declared": "DEPRECATED", "description": "DEPRECATED: use acme/new", "commits_last_year": 40,
      "last_commit_at": days_ago(1)}, Verdict.DEPRECATED),
    # a person's word wins over every signal
    ({"override": "finished", "commits_last_year": 0, "last_commit_at": days_ago(3000)}, Verdict.FINISHED),
    ({"override": "inactive", "commits_last_year": 50, "last_commit_at": days_ago(1)}, Verdict.INACTIVE),
    ({"override": "deprecated"}, Verdict.DEPRECATED),
])
def test_the_table(signals, expected):
    assert judge(**signals) == expected


def test_a_repository_github_did_not_answer_for_is_unknown_and_an_override_still_wins():
    assert verdict(Signals(answered=False), now=NOW).verdict == Verdict.UNKNOWN
    assert verdict(Signals(answered=False, override="finished"), now=NOW).verdict == Verdict.FINISHED


def test_a_push_to_another_branch_does_not_count():
    """`pushed_at` is not a signal at all: only the default branch's commits and releases."""
    assert "pushed_at" not in Signals.__dataclass_fields__
    assert judge(commits_last_year=0, last_commit_at=days_ago(1500)) == Verdict.INACTIVE


def test_thresholds_are_settings():
    strict = Thresholds(min_commits=1, active_days=30, inactive_days=60)
    signals = Signals(answered=True, commits_last_year=0, last_commit_at=days_ago(45))
    assert verdict(signals, now=NOW, thresholds=strict).verdict == Verdict.QUIET
    assert verdict(signals, now=NOW, thresholds=T).verdict == Verdict.QUIET
    old = Signals(answered=True, commits_last_year=0, last_commit_at=days_ago(61))
    assert verdict(old, now=NOW, thresholds=strict).verdict == Verdict.INACTIVE


def test_a_finished_topic_marks_it_finished_without_a_click():
    signals = Signals(answered=True, topics=("python", "Feature-Complete"), commits_last_year=0,
                      last_commit_at=days_ago(2000))
    result = verdict(signals, now=NOW, thresholds=Thresholds(finished_topics=("feature-complete",)))
    assert result.verdict == Verdict.FINISHED
    assert result.reasons == [{"signal": "topics", "value": "Feature-Complete",
                               "text": "the topic 'Feature-Complete' marks it finished"}]


def test_reasons_are_sentences_with_iso_dates():
    result = verdict(Signals(answered=True, default_branch="main", commits_last_year=0,
                             last_commit_at=datetime(2025, 3, 14, tzinfo=timezone.utc),
                             last_release_at=datetime(2021, 6, 1, tzinfo=timezone.utc), last_release_tag="v1.4.2"),
                     now=NOW)
    assert result.verdict == Verdict.QUIET
    assert result.reasons == [
        {"signal": "last_commit_at", "value": "2025-03-14",
         "text": "no commit on main since 2025-03-14 (1 year 8 months)"},
        {"signal": "last_release_at", "value": "2021-06-01", "text": "last release v1.4.2 on 2021-06-01"},
    ]
    inactive = verdict(Signals(answered=True, default_branch="main", commits_last_year=0), now=NOW)
    assert [r["text"] for r in inactive.reasons] == ["no commit on main", "no release"]


def test_an_override_reads_who_and_why():
    result = verdict(Signals(answered=True, override="finished", override_by="alice",
                             override_note="feature complete, no changes needed"), now=NOW)
    assert result.reasons == [{"signal": "override", "value": "finished",
                               "text": "marked finished by alice: 'feature complete, no changes needed'"}]


def test_deprecation_reasons_quote_the_description_and_name_the_successor():
    result = verdict(Signals(answered=True, description="DEPRECATED: use acme/new", declared="DEPRECATED",
                             successor="acme/new"), now=NOW)
    assert [r["text"] for r in result.reasons] == ["the description says: 'DEPRECATED: use acme/new'",
                                                   "its successor is acme/new"]
    archived = verdict(Signals(answered=True, archived=True), now=NOW)
    assert archived.reasons == [{"signal": "archived", "value": True, "text": "archived on GitHub"}]


@pytest.mark.parametrize(("description", "topics", "expected"), [
    ("DEPRECATED: use acme/new", [], "DEPRECATED"),
    ("This project is no longer maintained.", [], "no longer maintained"),
    ("Not maintained anymore", [], "Not maintained"),
    ("Unmaintained fork of x", [], "Unmaintained"),
    ("Obsolete: see the new site", [], "Obsolete"),
    ("Superseded by acme/next", [], "Superseded by"),
    ("Moved to https://github.com/acme/next", [], "Moved to"),
    ("Please use acme/new instead.", [], "use acme/new instead"),
    ("A maintained fork", [], None),
    ("Tools for deprecation warnings", [], None),  # whole words only
    ("Removes obsoleted files", [], None),
    ("A library", ["python", "deprecated"], "deprecated"),
    ("", [], None),
])
def test_declared_words(description, topics, expected):
    assert declared(description, topics) == expected


@pytest.mark.parametrize(("description", "homepage", "archived", "expected"), [
    ("DEPRECATED: use acme/new instead", "", False, "acme/new"),
    ("Moved to https://github.com/acme/next.", "", False, "acme/next"),
    ("moved to github.com/acme/next", "", False, "acme/next"),
    ("Superseded by acme/next-gen", "", True, "acme/next-gen"),
    ("Use https://github.com/acme/new.git instead", "", False, "acme/new"),
    ("No longer maintained", "https://github.com/acme/successor", True, "acme/successor"),
    ("No longer maintained", "https://github.com/acme/successor", False, None),  # a homepage only when archived
    ("No longer maintained", "https://acme.dev/", True, None),
    ("Archived", "https://github.com/acme/old", True, None),  # itself is not a successor
    ("use the new API instead", "", False, None),  # not a repository name: never a guess
])
def test_successor(description, homepage, archived, expected):
    assert successor(full_name="acme/old", description=description, homepage=homepage, archived=archived) == expected


def test_the_default_thresholds_are_the_settings(settings):
    assert Thresholds.from_settings() == T
    settings.MAINTAINED_FINISHED_TOPICS = ["feature-complete"]
    assert Thresholds.from_settings().finished_topics == ("feature-complete",)


def test_judge_reads_the_repository_and_writes_its_verdict():
    from repositories.maintenance import judge
    from repositories.models import Repository

    repo = Repository(full_name="acme/old", imported_name="acme/old", health=Repository.Health.HEALTHY,
                      description="No longer maintained: moved to acme/new", default_branch="main",
                      last_commit_at=days_ago(40), commits_last_year=12)
    assert judge(repo, now=NOW) == Verdict.DEPRECATED
    assert (repo.declared, repo.successor) == ("No longer maintained", "acme/new")
    assert [r["signal"] for r in repo.maintenance_reasons] == ["declared", "successor"]
    repo.description = "A fine library"
    assert judge(repo, now=NOW) == Verdict.ACTIVE
    assert (repo.declared, repo.successor) == (None, None)
    repo.health = Repository.Health.NOT_FOUND
    assert judge(repo, now=NOW) == Verdict.UNKNOWN
    assert judge(repo, now=NOW, answered=True) == Verdict.ACTIVE
