"""The pages in a real Chromium against a live server, a real RQ worker and fakegithub (20 ms a
request). No fixed sleeps: every wait is Playwright's, with a timeout."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture says so: a skip, or a failure when CI=true
    Page = expect = None

from repositories.models import Repository
from scans.models import ScanJob
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.tabs import SCAN_TIMEOUT, Browser, catalog_names
from tests.counting import recounted

pytestmark = [pytest.mark.browser, pytest.mark.integration]

Status = ScanJob.Status
SCRIPT = "<script>alert(1)</script>"


def test_import_200_shows_a_rising_bar_that_reaches_100_then_a_toast_and_the_badges(
        tab, workers, demo_catalog, screenshots):
    workers(1)
    page = tab.page

    job_id = tab.import_names(catalog_names(demo_catalog), label="browser-import", within_ms=1000)

    bar = tab.bar(job_id)
    expect(bar).to_have_attribute("aria-valuemin", "0")
    expect(bar).to_have_attribute("aria-valuemax", "100")
    expect(tab.panel(job_id)).to_have_attribute("hx-trigger", re.compile(r"^every \d+ms$"))
    tab.wait_for_progress(job_id, at_least=15, below=85)
    expect(tab.panel(job_id)).to_contain_text(re.compile(r"\d+ of 200 completed"))
    tab.panel(job_id).screenshot(path=screenshots / "panel-running.png")

    tab.wait_until_completed(job_id)
    expect(tab.panel(job_id)).to_have_class(re.compile(r"scan-panel--completed"))
    expect(tab.panel(job_id)).not_to_have_attribute("hx-trigger", re.compile(".*"))
    toast = page.locator(".toast")
    expect(toast).to_contain_text(re.compile(r"^Scan complete: \d+ healthy"))
    expect(tab.panel(job_id)).to_contain_text("200 of 200 completed")
    tab.panel(job_id).screenshot(path=screenshots / "panel-finished.png")
    page.screenshot(path=screenshots / "import-finished.png")

    values = tab.seen(job_id)
    assert values == sorted(values), f"the bar went backwards: {values}"
    assert len(set(values)) >= 3, values
    assert values[-1] == 100, values

    page.goto("/?label=browser-import")
    table = page.locator(".catalog-table")
    expect(table.locator(".badge").first).to_be_visible()
    expect(table.locator(".badge--unknown")).to_have_count(0)
    assert table.locator(".badge--healthy").count() > 0
    assert tab.dialogs == []


def test_the_catalog_refreshes_in_place_when_a_scan_it_started_finishes(tab, workers, demo_catalog, screenshots):
    Repository.objects.bulk_create([Repository(full_name=n, imported_name=n) for n in catalog_names(demo_catalog)])
    recounted()
    workers(1)
    page = tab.page
    page.goto("/")
    expect(page.locator(".catalog-table .badge--unknown").first).to_be_visible()

    page.get_by_role("button", name=re.compile(r"^Scan all")).click()

    expect(page.locator(".message--success")).to_contain_text("Scan started: 200 repositories")
    job_id = tab.job_ids()[0]
    page.evaluate("window.__samePage = true")  # survives only if the page is not reloaded
    tab.wait_until_completed(job_id)
    expect(page.locator(".toast")).to_contain_text("Scan complete:")
    expect(page.locator(".catalog-table .badge--unknown")).to_have_count(0, timeout=10_000)
    expect(page.locator(".card-stat--unknown .card-stat__count")).to_have_text("0")
    assert page.evaluate("window.__samePage") is True
    page.screenshot(path=screenshots / "catalog-desktop.png")


def test_cancel_mid_scan_leaves_a_grey_panel_saying_what_was_done(tab, workers, demo_catalog, screenshots):
    workers(1)
    page = tab.page
    job_id = tab.import_names(catalog_names(demo_catalog))
    tab.wait_for_progress(job_id, at_least=5, below=60)

    tab.panel(job_id).get_by_role("button", name="Cancel").click()

    panel = tab.panel(job_id)
    expect(panel).to_have_class(re.compile(r"scan-panel--cancelled"), timeout=SCAN_TIMEOUT)
    expect(panel.locator(".status")).to_have_text("Cancelled")
    expect(panel).to_contain_text(re.compile(r"Cancelled after \d+ of 200"))
    expect(page.locator(".toast")).to_contain_text("Scan cancelled:")
    panel.screenshot(path=screenshots / "panel-cancelled.png")
    scan = ScanJob.objects.get(id=job_id)
    assert scan.status == Status.CANCELLED
    assert 0 < scan.current < 200
    assert tab.dialogs == []


def test_two_scans_at_once_each_have_a_panel_and_each_finish(tab, workers, demo_catalog):
    workers(2)
    page = tab.page
    names = catalog_names(demo_catalog)
    first = tab.import_names(names, label="first")
    second = tab.import_names(names, label="second")

    expect(page.locator(".scan-panel")).to_have_count(2)
    for job_id in (first, second):
        tab.wait_until_completed(job_id)
        expect(tab.panel(job_id)).to_have_class(re.compile(r"scan-panel--completed"))
    assert sorted(page.evaluate("window.__finished")) == sorted([first, second]), "one completion event each"
    assert {ScanJob.objects.get(id=j).status for j in (first, second)} == {Status.COMPLETED}


def test_a_reload_mid_scan_brings_the_panel_back(tab, workers, demo_catalog):
    workers(1)
    page = tab.page
    job_id = tab.import_names(catalog_names(demo_catalog))
    tab.wait_for_progress(job_id, at_least=5, below=70)

    page.reload()

    expect(tab.panel(job_id)).to_be_visible()
    expect(tab.panel(job_id)).to_have_attribute("hx-trigger", re.compile(r"^every \d+ms$"))
    page.goto("/")
    expect(tab.panel(job_id)).to_be_visible()
    tab.wait_until_completed(job_id)


def test_a_failing_poll_says_reconnecting_and_polling_goes_on(tab, workers, demo_catalog, screenshots):
    workers(1)
    page = tab.page
    job_id = tab.import_names(catalog_names(demo_catalog))
    tab.wait_for_progress(job_id, at_least=5, below=70)

    page.route("**/scans/*/panel", lambda route: route.abort("connectionrefused"))
    expect(tab.panel(job_id).locator(".scan-panel__reconnecting")).to_be_visible()
    expect(tab.panel(job_id)).to_have_class(re.compile(r"is-reconnecting"))
    tab.panel(job_id).screenshot(path=screenshots / "panel-reconnecting.png")
    page.unroute("**/scans/*/panel")

    tab.wait_until_completed(job_id)
    expect(tab.panel(job_id).locator(".scan-panel__reconnecting")).to_be_hidden()


def test_a_panel_without_progress_for_the_stall_time_stops_polling_and_says_so(tab, workers, demo_catalog):
    workers(1)
    page = tab.page
    job_id = tab.import_names(catalog_names(demo_catalog))
    tab.wait_for_progress(job_id, at_least=5, below=70)

    page.evaluate("window.RepoHealth.stallAfterMs = 1500")  # 30 minutes in production
    page.route("**/scans/*/panel", lambda route: route.abort("connectionrefused"))

    stalled = tab.panel(job_id).locator(".scan-panel__stalled")
    expect(stalled).to_be_visible(timeout=15_000)
    expect(stalled).to_contain_text("No progress for")
    expect(tab.panel(job_id)).not_to_have_attribute("hx-trigger", re.compile(".*"))
    expect(tab.panel(job_id).get_by_role("button", name="Cancel")).to_be_visible()


def test_a_script_in_a_description_or_an_uploaded_line_is_shown_as_text_and_never_runs(tab, workers):
    repo = Repository.objects.create(full_name="acme/xss", imported_name="acme/xss", description=SCRIPT,
                                     topics=["<img src=x onerror=alert(2)>"])
    recounted()
    page = tab.page

    page.goto("/")
    expect(page.locator(".catalog-table .name__desc").first).to_have_text(SCRIPT)
    page.goto(f"/repositories/{repo.pk}/")
    expect(page.locator(".description")).to_have_text(SCRIPT)
    expect(page.get_by_text("<img src=x onerror=alert(2)>")).to_be_visible()

    page.goto("/import/")
    page.get_by_label("Or paste a list").fill(f"acme/ok\n<img src=x onerror=alert(3)>\n{SCRIPT}\n")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview")).to_contain_text("<img src=x onerror=alert(3)>")
    page.get_by_role("button", name=re.compile("^Import and scan")).click()
    expect(page.locator(".report")).to_contain_text("<img src=x onerror=alert(3)>")
    expect(page.locator(".report")).to_contain_text(SCRIPT)

    assert tab.dialogs == [], f"a dialog opened: {tab.dialogs}"
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_every_page_fits_the_width_and_nothing_in_it_scrolls_sideways(
        browser, live_server, owner, workers, demo_catalog, screenshots, viewport):
    Repository.objects.bulk_create([  # moved (old → new), with long names, values and a successor: the widest rows
        Repository(full_name=n, imported_name=f"a-previous-owner/{n.split('/')[1]}-old-name", github_id=i + 1,
                   description="A fairly long description " * 4, language="TypeScript", license="Apache-2.0",
                   stars=123456, forks=23456, open_issues=1234, health=Repository.Health.MOVED,
                   maintenance=Repository.Maintenance.DEPRECATED, successor="a-successor-owner/its-successor")
        for i, n in enumerate(catalog_names(demo_catalog, 60))])
    recounted()
    one = Repository.objects.first()
    tab = Browser(browser, live_server, viewport=viewport).log_in()
    page = tab.page
    wide = viewport["width"]
    try:
        workers(1)
        page.goto("/")
        page.get_by_role("button", name=re.compile(r"^Scan all")).click()
        job_id = tab.job_ids()[0]
        tab.wait_for_progress(job_id, at_least=5, below=90)
        assert tab.no_horizontal_overflow(), "the catalog with a running panel"
        page.screenshot(path=screenshots / f"catalog-running-{wide}.png", full_page=False)
        tab.wait_until_completed(job_id)

        for url in ("/", "/import/", "/scans/", f"/scans/{job_id}/", f"/repositories/{one.pk}/", "/changes/"):
            page.goto(url)
            expect(page.locator("main")).to_be_visible()
            assert tab.no_horizontal_overflow(), f"{url} scrolls sideways at {wide}px"
            assert tab.sideways_scrollers() == [], f"{url} has a box that scrolls sideways at {wide}px"
        if viewport == DESKTOP:
            page.goto("/scans/")
            page.screenshot(path=screenshots / "scans-desktop.png")
        if viewport == PHONE:
            page.goto("/")
            page.screenshot(path=screenshots / "catalog-phone.png")
            page.locator(".scan-actions").scroll_into_view_if_needed()
            page.evaluate("document.querySelector('.scan-actions').scrollIntoView()")
            page.screenshot(path=screenshots / "catalog-phone-table.png")
            page.goto(f"/scans/{job_id}/")
            page.screenshot(path=screenshots / "scan-phone.png")
        assert tab.dialogs == []
    finally:
        tab.close()
