"""The catalog page in a real Chromium: the cards, the donut and the rows follow a running scan
(out-of-band swaps on the panel's poll, every 2 s or so, a selection kept); a large scan asks
first and starts nothing until approved; bulk actions on a selection; on a 390 px phone every
row is a card that keeps every value and nothing scrolls sideways."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture says so
    expect = None

from django.contrib.auth.models import Permission

from repositories.models import Label, Repository
from scans.models import ScanJob
from tests.browser.conftest import PHONE
from tests.browser.tabs import SCAN_TIMEOUT, Browser, catalog_names
from tests.counting import recounted

pytestmark = [pytest.mark.browser, pytest.mark.integration]
Health = Repository.Health

# Every panel poll the page sent, and whether it asked for the live refresh (its URL says).
RECORD_POLLS = """
window.__polls = [];
document.addEventListener('htmx:afterRequest', (event) => {
  const url = (event.detail.xhr && event.detail.xhr.responseURL) || '';
  if (url.includes('/panel')) window.__polls.push(url.includes('live=1'));
});
"""


def track(names, **fields) -> list[Repository]:
    Repository.objects.bulk_create([Repository(full_name=n, imported_name=n, **fields) for n in names])
    recounted()
    return list(Repository.objects.order_by("full_name"))


def grant(user, *codenames: str) -> None:
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="repositories"))


def test_the_cards_donut_and_rows_follow_a_running_scan_and_a_selection_survives(tab, workers, github, demo_catalog,
                                                                               screenshots):
    track(catalog_names(demo_catalog))
    github.configure(latency_ms=60)  # 200 repositories one at a time: a scan of about 12 s
    workers(1)
    page = tab.page
    tab.context.add_init_script(RECORD_POLLS)
    page.goto("/")
    expect(page.locator("#count-unknown")).to_have_text("200")

    page.get_by_role("button", name=re.compile(r"^Scan all")).click()
    expect(page.locator(".message--success")).to_contain_text("Scan started: 200 repositories")
    job_id = tab.job_ids()[0]
    page.evaluate("window.__samePage = true")  # survives only if the page is not loaded again
    first_row = page.locator("tr.catalog-row").first
    first_row.locator("input[name=ids]").check()

    # While the panel still says running, the unknown card counts down and the donut and rows follow.
    page.wait_for_function(
        """id => { const panel = document.querySelector(`.scan-panel[data-job-id="${id}"]`);
                   const unknown = Number(document.getElementById('count-unknown').textContent.replace(/,/g, ''));
                   return panel && panel.dataset.status === 'running' && unknown < 200 && unknown > 0; }""",
        arg=job_id, timeout=SCAN_TIMEOUT)
    expect(page.locator("#donut title").first).not_to_have_text(re.compile(r"^Health mix: 200 unknown$"))
    expect(page.locator("tr.catalog-row .badge--unknown")).not_to_have_count(50, timeout=SCAN_TIMEOUT)
    page.screenshot(path=screenshots / "catalog-live.png")
    assert first_row.locator("input[name=ids]").is_checked(), "the row was refreshed, its checkbox kept"

    tab.wait_until_completed(job_id)
    expect(page.locator("#count-unknown")).to_have_text("0", timeout=10_000)
    assert page.evaluate("window.__samePage") is True
    polls = page.evaluate("window.__polls")
    assert any(polls), f"the live refresh rides on some polls only: {polls}"
    assert polls.count(True) < len(polls), f"the live refresh rides on some polls only: {polls}"
    assert tab.dialogs == []


def test_a_scan_over_the_threshold_asks_first_and_starts_nothing_until_approved(tab, workers, demo_catalog,
                                                                               settings, screenshots):
    settings.SCAN_APPROVE_OVER = 50
    track(catalog_names(demo_catalog, 60))
    workers(1)
    page = tab.page
    page.goto("/")

    page.get_by_role("button", name="Scan all (60)").click()

    expect(page.get_by_role("heading", name="Scan 60 repositories?")).to_be_visible()
    expect(page.locator(".estimate")).to_contain_text("About how long")
    expect(page.locator(".estimate")).to_contain_text("about 60")  # REST: a point a repository
    page.screenshot(path=screenshots / "scan-approve.png")
    assert not ScanJob.objects.exists()
    page.get_by_role("link", name="Back, start nothing").click()
    expect(page.get_by_role("heading", name="Repositories")).to_be_visible()
    assert not ScanJob.objects.exists()

    page.get_by_role("button", name="Scan all (60)").click()
    page.get_by_role("button", name="Start the scan of 60").click()

    expect(page.locator(".message--success")).to_contain_text("Scan started: 60 repositories")
    tab.wait_until_completed(tab.job_ids()[0])
    assert ScanJob.objects.get().scope == "all repositories"


def test_with_a_filter_the_filtered_scan_is_the_primary_button(tab, demo_catalog):
    track(catalog_names(demo_catalog, 10), language="Go")
    page = tab.page
    page.goto("/?language=Go")
    expect(page.get_by_role("button", name="Scan filtered (10)")).to_have_class(re.compile(r"button--primary"))
    expect(page.get_by_role("button", name=re.compile(r"^Scan all"))).not_to_have_class(re.compile(r"button--primary"))


def test_bulk_actions_label_accept_export_and_remove_the_selection(tab, demo_catalog, owner, screenshots):
    grant(owner, "change_repository", "delete_repository")
    names = catalog_names(demo_catalog, 6)
    track(names[:4])
    for i, name in enumerate(names[4:]):
        Repository.objects.create(full_name=f"moved-to/{i}", imported_name=name, health=Health.MOVED, github_id=i + 1)
    recounted()
    page = tab.page
    page.goto("/")
    rows = page.locator("tr.catalog-row")
    expect(page.locator("[data-selected-count]")).to_have_text("No repository")

    rows.nth(0).locator("input[name=ids]").check()
    rows.nth(1).locator("input[name=ids]").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 repositories")
    page.get_by_label("Label to add or remove").fill("picked")
    page.get_by_label("Label to add or remove").press("Enter")  # adds the label; it never starts a scan

    expect(page.locator(".message--success")).to_contain_text("Labelled 2 repositories “picked”.")
    assert Label.objects.get(name="picked").repositories.count() == 2
    assert not ScanJob.objects.exists()

    page.locator("[data-select-all]").check()
    page.get_by_role("button", name="Accept all new names").click()
    expect(page.locator(".message--success")).to_contain_text(
        "Accepted the new name of 2 repositories; the other 4 had not moved.")
    assert not Repository.objects.filter(health=Health.MOVED).exists()

    rows.nth(0).locator("input[name=ids]").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [row["full_name"] for row in exported] == [rows.nth(0).locator(".name__link").inner_text()]

    rows.nth(0).locator("input[name=ids]").check()
    rows.nth(1).locator("input[name=ids]").check()
    page.get_by_role("button", name="Remove…").click()
    expect(page.get_by_role("heading", name="Remove 2 repositories?")).to_be_visible()
    page.screenshot(path=screenshots / "bulk-remove.png")
    assert Repository.objects.count() == 6
    page.get_by_role("button", name="Remove 2").click()
    expect(page.locator(".message--success")).to_contain_text("Removed 2 repositories from the catalog")
    assert Repository.objects.count() == 4
    assert tab.dialogs == []


def test_on_a_phone_each_row_is_a_card_with_every_value_and_nothing_scrolls_sideways(
        browser, live_server, owner, demo_catalog, screenshots):
    names = catalog_names(demo_catalog, 12)
    Repository.objects.bulk_create([
        Repository(full_name=f"{n}-with-a-rather-long-repository-name", imported_name=n, github_id=i + 1,
                   description="A fairly long description " * 6, language="TypeScript", license="Apache-2.0",
                   stars=123456, forks=2794, open_issues=17, health=Health.MOVED)
        for i, n in enumerate(names)])
    recounted()
    tab = Browser(browser, live_server, viewport=PHONE).log_in()
    try:
        page = tab.page
        page.goto("/")
        card = page.locator("tr.catalog-row").first
        assert card.evaluate("el => getComputedStyle(el).display") == "grid"
        for label, value in (("Stars", "123,456"), ("Forks", "2,794"), ("Issues", "17"), ("Language", "TypeScript"),
                             ("License", "Apache-2.0"), ("Health", "Moved"), ("Checked", "never")):
            cell = card.locator(f'td[data-label="{label}"]')
            expect(cell).to_be_visible()
            expect(cell).to_contain_text(value)
        expect(card.locator(".name__old")).to_be_visible()
        expect(card.locator(".name__link")).to_be_visible()
        expect(page.locator(".catalog-table thead th a").first).to_be_visible()  # sorting stays, as links
        assert tab.no_horizontal_overflow()
        assert tab.sideways_scrollers() == []
        card.scroll_into_view_if_needed()
        page.screenshot(path=screenshots / "catalog-phone-cards.png")
    finally:
        tab.close()
