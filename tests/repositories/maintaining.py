"""Repositories with maintenance verdicts, as a scan would leave them, for the override, catalog
and changes tests."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from repositories.health import health_from_metadata
from repositories.maintenance import judge
from repositories.models import Repository
from tests.counting import recounted

Health, Maintenance = Repository.Health, Repository.Maintenance
_github_ids = count(1000)


def grant(user, codename="change_repository"):
    user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="repositories"))


def rule(repo: Repository) -> str:
    """The catalog's health of a repository GitHub answered with (its `stale` follows the verdict)."""
    return health_from_metadata(repo)[0]


def tracked(name: str, **fields) -> Repository:
    """A repository as a scan would leave it: its signals, the verdict they give and its health."""
    repo = Repository(imported_name=name, full_name=name, health=Health.HEALTHY, github_id=next(_github_ids),
                      last_checked_at=timezone.now(), default_branch="main", **fields)
    judge(repo, now=timezone.now())
    repo.health = rule(repo)
    repo.save()
    recounted()
    return repo


@pytest.fixture
def old():
    """No commit on main for three years, no release: inactive (a push to another branch yesterday
    says nothing of it)."""
    now = timezone.now()
    return tracked("acme/old", commits_last_year=0, last_commit_at=now - timedelta(days=1095),
                   pushed_at=now - timedelta(days=1))


@pytest.fixture
def lively():
    now = timezone.now()
    return tracked("acme/lively", commits_last_year=40, last_commit_at=now - timedelta(days=2),
                   last_release_at=now - timedelta(days=30), last_release_tag="v2.0.0", pushed_at=now)


@pytest.fixture
def said_over():
    return tracked("acme/said", description="DEPRECATED: use acme/lively instead", commits_last_year=1,
                   last_commit_at=timezone.now() - timedelta(days=400), pushed_at=timezone.now())


