"""A logged-in Chromium tab for the browser tests (`Browser`), the fake GitHub at 20 ms a request
and RQ workers on demand. conftest.py makes the fixtures (`github`, `workers`, `tab`) every
browser test's. No fixed sleeps: every wait is Playwright's, with a timeout."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture says so: a skip, or a failure when CI=true
    Page = expect = None

import contextlib

from scans import services
from scans.models import ScanJob
from tests.browser.conftest import DESKTOP

Status = ScanJob.Status
LATENCY_MS = 20
SCAN_TIMEOUT = 90_000  # ms: generous for slow CI machines; a scan of 200 takes a few seconds here

# Records every value each progress bar shows, per scan, from the moment the document exists.
RECORD_PROGRESS = """
window.__bars = {};
window.__recordBars = () => document.querySelectorAll('.scan-panel').forEach((panel) => {
  const bar = panel.querySelector('[role=progressbar]');
  if (!bar) return;
  const seen = (window.__bars[panel.dataset.jobId] = window.__bars[panel.dataset.jobId] || []);
  const value = Number(bar.getAttribute('aria-valuenow'));
  if (seen[seen.length - 1] !== value) seen.push(value);
});
window.__finished = [];
document.addEventListener('scanFinished', (event) => window.__finished.push(event.detail.job_id));
new MutationObserver(() => window.__recordBars()).observe(document, {
  subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'],
});
"""


@pytest.fixture
def github(fake_github):
    """fakegithub at 20 ms a request (its flaky repositories stay flaky: retries are part of it)."""
    fake_github.configure(latency_ms=LATENCY_MS)
    return fake_github


@pytest.fixture
def workers(start_worker, github, settings):
    """Start RQ workers on demand. Scans started from now on check one repository at a time
    (a scan records its concurrency when it starts, in the live server), so a scan of 200 takes
    seconds, not milliseconds, and the bar has values to show. Scans still running at the end
    are cancelled so the workers stop promptly."""
    def start(count: int = 1, concurrency: int = 1):
        settings.SCAN_CONCURRENCY = concurrency
        return [start_worker() for _ in range(count)]

    yield start
    for scan in ScanJob.objects.filter(status__in=ScanJob.LIVE):
        with contextlib.suppress(services.ScanError):
            services.scan_cancel(scan=scan)


class Browser:
    """One logged-in tab, with a record of progress values and of any dialog that opened."""

    def __init__(self, browser, live_server, viewport=DESKTOP):
        self.base = live_server.url
        self.context = browser.new_context(viewport=viewport, base_url=self.base)
        self.context.add_init_script(RECORD_PROGRESS)
        self.page: Page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def log_in(self, username="owner", password="owner-password-1"):
        page = self.page
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(self.base + "/")
        expect(page.get_by_role("heading", name="Repositories")).to_be_visible()
        return self

    def import_names(self, names, label="", *, within_ms: int | None = None) -> str:
        """Upload a file of names; returns the job id of the scan the import started."""
        page = self.page
        page.goto("/import/")
        page.set_input_files("input[name=file]", files=[{
            "name": "list.txt", "mimeType": "text/plain", "buffer": "\n".join(names).encode()}])
        if label:
            page.get_by_label("Label").fill(label)
        before = set(self.job_ids())
        page.get_by_role("button", name="Preview").click()
        expect(page.locator(".preview")).to_be_visible()
        with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/import/confirm")):
            page.get_by_role("button", name=re.compile(r"^Import and scan")).click()
        new_panel = page.locator(".scan-panel").filter(has=page.locator("[role=progressbar]"))
        # The panel of the scan the import started: on the page at once (timed from the POST's answer).
        expect(page.locator("#report-title")).to_be_visible(timeout=within_ms or 10_000)
        expect(new_panel.first).to_be_visible(timeout=within_ms or 10_000)
        job_id = next(j for j in self.job_ids() if j not in before)
        return job_id

    def job_ids(self) -> list[str]:
        return self.page.eval_on_selector_all(".scan-panel", "els => els.map(e => e.dataset.jobId)")

    def panel(self, job_id):
        return self.page.locator(f'.scan-panel[data-job-id="{job_id}"]')

    def bar(self, job_id):
        return self.panel(job_id).locator("[role=progressbar]")

    def wait_for_progress(self, job_id, at_least: int, below: int = 101):
        self.page.wait_for_function(
            """([id, low, high]) => {
                 const bar = document.querySelector(`.scan-panel[data-job-id="${id}"] [role=progressbar]`);
                 const value = bar ? Number(bar.getAttribute('aria-valuenow')) : -1;
                 return value >= low && value < high;
               }""",
            arg=[job_id, at_least, below], timeout=SCAN_TIMEOUT)

    def wait_until_completed(self, job_id):
        """Wait for the panel to leave queued/running; fail with its text unless it completed."""
        self.page.wait_for_function(
            """id => { const panel = document.querySelector(`.scan-panel[data-job-id="${id}"]`);
                       return panel && !['queued', 'running'].includes(panel.dataset.status); }""",
            arg=job_id, timeout=SCAN_TIMEOUT)
        panel = self.panel(job_id)
        status = panel.get_attribute("data-status")
        assert status == Status.COMPLETED, f"the scan ended {status}: {panel.inner_text()}"
        expect(self.bar(job_id)).to_have_attribute("aria-valuenow", "100")

    def seen(self, job_id) -> list[int]:
        return self.page.evaluate("id => window.__bars[id] || []", job_id)

    def no_horizontal_overflow(self) -> bool:
        return self.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    def sideways_scrollers(self) -> list[str]:
        """Elements in the page that scroll sideways (a table inside its box, say): their classes."""
        return self.page.evaluate("""() => Array.from(document.querySelectorAll('main *')).filter((el) => {
            const overflow = getComputedStyle(el).overflowX;
            return (overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1;
          }).map((el) => el.className || el.tagName)""")

    def close(self):
        self.context.close()


@pytest.fixture
def tab(browser, live_server, owner):
    session = Browser(browser, live_server).log_in()
    yield session
    session.close()


def catalog_names(demo_catalog, count=200) -> list[str]:
    return demo_catalog["import_names"][:count]
