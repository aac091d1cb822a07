"""Where the maintenance verdict shows on the catalog's pages: the Maintenance column, filter and
counts, the successor as a link, the bulk "Mark finished"; on a repository's page the verdict, its
reasons, the signals with their dates and the override form (only with the change permission)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from repositories.models import Repository, RepositoryChange
from tests.repositories.maintaining import grant
from tests.scans.test_catalog_presentation import cells

pytestmark = pytest.mark.django_db
Maintenance = Repository.Maintenance


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def changer(client, owner):
    grant(owner)
    client.force_login(owner)
    return client


def test_the_catalog_shows_each_verdict_its_counts_and_the_successor_as_a_link(logged_in, old, lively, said_over):
    page = logged_in.get("/").content.decode()

    assert (cells(page, old)["Maintenance"], cells(page, lively)["Maintenance"],
            cells(page, said_over)["Maintenance"]) == ("Inactive", "Active", "Deprecated")
    assert re.search(r'<th scope="col" class="">\s*<a href="\?ordering=maintenance">Maintenance</a>', page)
    counts = dict(re.findall(r'id="verdict-(\w+)">(\d+)</strong>', page))
    assert counts == {"active": "1", "quiet": "0", "inactive": "1", "deprecated": "1", "finished": "0",
                      "unknown": "0"}
    assert 'href="?maintenance=inactive"' in page
    said_row = re.search(rf'<tr id="repo-{said_over.pk}".*?</tr>', page, re.S).group()
    assert re.search(r'acme/said</a> <span class="name__arrow" aria-label="succeeded by">→</span> '
                     r'<a class="name__successor" href="https://github.com/acme/lively"', said_row)
    reasons = re.search(r'<span class="badge badge--m-deprecated" title="([^"]+)"', said_row).group(1)
    assert "the description says" in reasons
    assert "its successor is acme/lively" in reasons


def test_the_catalog_filters_by_verdict_and_refuses_an_unknown_one(logged_in, old, lively, said_over):
    page = logged_in.get("/?maintenance=inactive,deprecated").content.decode()
    assert f'id="repo-{old.pk}"' in page
    assert f'id="repo-{said_over.pk}"' in page
    assert f'id="repo-{lively.pk}"' not in page
    assert '<option value="inactive" selected>' not in page  # two verdicts: the single select shows neither

    refused = logged_in.get("/?maintenance=abandoned")
    assert refused.status_code == 400
    assert "maintenance: Select a valid choice. abandoned is not one of the available choices." in \
        refused.content.decode()


def test_mark_finished_is_offered_to_and_done_by_those_allowed(logged_in, owner, old, lively):
    assert 'value="mark_finished"' not in logged_in.get("/").content.decode()
    refused = logged_in.post(reverse("catalog:bulk"), {"action": "mark_finished", "ids": [old.pk]})
    assert refused.status_code == 403
    assert Repository.objects.get(pk=old.pk).maintenance == Maintenance.INACTIVE

    grant(owner)
    assert 'value="mark_finished"' in logged_in.get("/").content.decode()
    done = logged_in.post(reverse("catalog:bulk"), {"action": "mark_finished", "ids": [old.pk, lively.pk]},
                          follow=True)

    assert "Marked 2 repositories finished." in done.content.decode()
    marked = Repository.objects.filter(pk__in=[old.pk, lively.pk])
    assert {(r.maintenance, r.maintenance_override_by) for r in marked} == {(Maintenance.FINISHED, owner.username)}
    again = logged_in.post(reverse("catalog:bulk"), {"action": "mark_finished", "ids": [old.pk]}, follow=True)
    assert "Marked 0 repositories finished; the other 1 already were." in again.content.decode()
    assert RepositoryChange.objects.filter(field="maintenance_override").count() == 2


def test_the_repository_page_shows_the_verdict_its_reasons_and_the_signals(logged_in, lively, said_over):
    page = logged_in.get(reverse("catalog:detail", args=[lively.pk])).content.decode()

    assert re.search(r'Still maintained\? <span class="badge badge--m-active"', page)
    assert "<li>40 commits on main in the last 365 days</li>" in page
    assert f"<li>last commit on main on {lively.last_commit_at.date().isoformat()}</li>" in page
    assert f">{lively.last_commit_at.date().isoformat()}</time> <span class=\"muted\">(2 days ago)</span>" in page
    released = lively.last_release_at.date().isoformat()
    assert re.search(rf"<dt>Last release</dt><dd>v2.0.0 on <time [^>]+>{released}</time>", page)
    assert "<dt>Commits in a year</dt><dd>40</dd>" in page
    assert "<dt>A person's word</dt><dd>none: the signals decide</dd>" in page
    assert 'name="maintenance_override"' not in page  # no form without the permission

    said = logged_in.get(reverse("catalog:detail", args=[said_over.pk])).content.decode()
    assert "<dt>Says it is over</dt><dd>“DEPRECATED”</dd>" in said
    assert ('<dd><a href="https://github.com/acme/lively" rel="noopener noreferrer" target="_blank">'
            'acme/lively</a></dd>') in said


def test_the_override_form_sets_and_clears_the_verdict_in_place(changer, owner, old):
    url = reverse("catalog:maintenance", args=[old.pk])
    page = changer.get(reverse("catalog:detail", args=[old.pk])).content.decode()
    assert f'hx-post="{url}"' in page
    assert 'name="csrfmiddlewaretoken"' in page

    part = changer.post(url, {"maintenance_override": "finished", "maintenance_note": "feature complete"},
                        HTTP_HX_REQUEST="true")

    assert part.status_code == 200
    body = part.content.decode()
    assert body.lstrip().startswith('<div id="repository"')  # the part htmx swaps, not the whole page
    assert f"<li>marked finished by {owner.username}: &#x27;feature complete&#x27;</li>" in body
    assert '<option value="finished" selected>' in body
    assert f"maintenance_override: — → finished by {owner.username}: “feature complete”" in body  # its history
    assert Repository.objects.get(pk=old.pk).maintenance == Maintenance.FINISHED

    cleared = changer.post(url, {"maintenance_override": "", "maintenance_note": ""}, follow=True)
    assert "The verdict of acme/old is the signals&#x27; again: inactive." in cleared.content.decode()
    assert Repository.objects.get(pk=old.pk).maintenance == Maintenance.INACTIVE


def test_the_override_form_refuses_a_bad_value_and_the_unpermitted(logged_in, owner, old):
    url = reverse("catalog:maintenance", args=[old.pk])
    assert logged_in.post(url, {"maintenance_override": "finished"}).status_code == 403

    grant(owner)
    refused = logged_in.post(url, {"maintenance_override": "abandoned"})
    assert refused.status_code == 400
    assert "maintenance_override: &#x27;abandoned&#x27; is not one of finished, inactive, deprecated" in \
        refused.content.decode()
    in_place = logged_in.post(url, {"maintenance_override": "finished", "maintenance_note": "x" * 501},
                              HTTP_HX_REQUEST="true")
    assert "maintenance_note: longer than 500 characters." in in_place.content.decode()
    assert Repository.objects.get(pk=old.pk).maintenance_override == ""
