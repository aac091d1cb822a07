"""How the catalog reads: "—" for what GitHub has not told (never checked, not found), never 0 stars
or "archived: no"; a moved repository as old → new in the table and on its page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from repositories.models import Repository

pytestmark = pytest.mark.django_db
Health = Repository.Health


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def cells(html: str, repository: Repository) -> dict[str, str]:
    row = re.search(rf'<tr id="repo-{repository.pk}".*?</tr>', html, re.S).group()
    return {label: re.sub(r"<[^>]+>", "", value).strip()
            for label, value in re.findall(r'data-label="([^"]+)">(.*?)</td>', row, re.S)}


@pytest.mark.parametrize("fields", [{}, {"github_id": 5, "health": Health.NOT_FOUND, "last_checked_at": None}],
                         ids=["never checked", "not found"])
def test_what_github_has_not_told_reads_as_a_dash(logged_in, fields):
    repository = Repository.objects.create(full_name="acme/x", imported_name="acme/x", **fields)

    row = cells(logged_in.get("/").content.decode(), repository)
    page = logged_in.get(reverse("catalog:detail", args=[repository.pk])).content.decode()

    assert [row[k] for k in ("Stars", "Forks", "Issues", "Language", "License", "Last push")] == ["—"] * 6
    for fact in ("Stars", "Forks", "Open issues", "Watchers", "Archived", "Fork"):
        assert f"<dt>{fact}</dt><dd>—</dd>" in page
    assert "<dd>0</dd>" not in page
    assert "<dd>no</dd>" not in page


def test_what_github_has_told_reads_as_numbers_and_yes_no(logged_in):
    repository = Repository.objects.create(full_name="acme/x", imported_name="acme/x", github_id=5, stars=2794,
                                           forks=0, health=Health.HEALTHY, language="Go")

    row = cells(logged_in.get("/").content.decode(), repository)
    page = logged_in.get(reverse("catalog:detail", args=[repository.pk])).content.decode()

    assert (row["Stars"], row["Forks"], row["Language"]) == ("2,794", "0", "Go")
    assert "<dt>Archived</dt><dd>no</dd>" in page
    assert "<dt>Stars</dt><dd>2,794</dd>" in page


def test_a_moved_repository_reads_old_to_new_in_the_table_and_on_its_page(logged_in):
    repository = Repository.objects.create(full_name="acme/new", imported_name="acme/old", github_id=5,
                                           health=Health.MOVED, health_detail="renamed: acme/old \u2192 acme/new")

    row = cells(logged_in.get("/").content.decode(), repository)
    page = logged_in.get(reverse("catalog:detail", args=[repository.pk])).content.decode()

    assert row["Repository"].split("details")[0].split() == ["acme/old", "→", "acme/new"]
    assert 'title="renamed: acme/old → acme/new"' in logged_in.get("/").content.decode()
    assert re.search(r'<h1 class="repo-title"><span class="name__old">acme/old</span> <span class="name__arrow" '
                     r'aria-label="now">→</span> acme/new', page)
