"""A person's word on a repository's page in a real Chromium: the override form swaps the page's
part in place (htmx, with the CSRF header), the verdict and its reason change without a reload,
and the catalog's changes page lists it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture says so
    expect = None

from repositories.models import Repository
from tests.browser.test_catalog import grant
from tests.repositories.maintaining import tracked

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_the_override_form_marks_a_repository_finished_in_place_and_the_changes_page_lists_it(
        tab, owner, screenshots):
    grant(owner, "change_repository")
    quiet_one = tracked("acme/done", commits_last_year=0, last_commit_at=timezone.now() - timedelta(days=1500))
    page = tab.page
    page.goto(f"/repositories/{quiet_one.pk}/")
    section = page.locator("#maintenance")
    expect(section.locator(".badge")).to_have_text("Inactive")
    page.evaluate("window.__notReloaded = true")

    section.get_by_label("Verdict").select_option("finished")
    section.get_by_label("Note").fill("feature complete")
    section.get_by_role("button", name="Save the verdict").click()

    expect(section.locator(".badge")).to_have_text("Finished")
    expect(section.locator(".reasons")).to_contain_text("marked finished by owner: 'feature complete'")
    assert page.evaluate("window.__notReloaded === true")  # swapped in place, not a new page
    assert Repository.objects.get(pk=quiet_one.pk).maintenance == Repository.Maintenance.FINISHED
    page.screenshot(path=screenshots / "repository-maintenance.png", full_page=True)

    page.get_by_role("link", name="Changes").click()
    expect(page.locator("main table")).to_contain_text("finished by owner: “feature complete”")
    page.screenshot(path=screenshots / "changes.png")
