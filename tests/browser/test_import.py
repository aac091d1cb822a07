"""The import page in a real Chromium: a file is previewed (what would be created, what is
already tracked, skipped and invalid, what a scan of it takes) with nothing saved; then imported
with a scan, or without one."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture says so
    expect = None

from repositories.models import Repository
from scans.models import ScanJob

pytestmark = [pytest.mark.browser, pytest.mark.integration]

AWESOME = """# Awesome things

- [tool](https://github.com/{new}) - a new one.
- [known](https://github.com/{known})
- [topic](https://github.com/topics/go)
- [bad](https://github.com/mindflayer--/python-mocket)
"""


def upload(page, text: str) -> None:
    page.goto("/import/")
    page.set_input_files("input[name=file]", files=[{"name": "awesome.md", "mimeType": "text/markdown",
                                                      "buffer": text.encode()}])
    page.get_by_label("Label").fill("awesome")
    page.get_by_role("button", name="Preview").click()


def test_a_list_is_previewed_then_imported_only_or_imported_and_scanned(tab, workers, demo_catalog, screenshots):
    new, known = demo_catalog["import_names"][:2]
    Repository.objects.create(full_name=known, imported_name=known)
    workers(1)
    page = tab.page

    upload(page, AWESOME.format(new=new, known=known))

    preview = page.locator(".preview")
    expect(page.get_by_role("heading", name="Preview of awesome.md")).to_be_visible()
    for label, count in (("To be created", "1"), ("Already tracked", "1"), ("Skipped links", "1"),
                         ("Invalid lines", "1")):
        expect(preview.locator(".report__numbers div", has_text=label).locator("dd")).to_have_text(count)
    expect(preview).to_contain_text(new)
    expect(preview).to_contain_text("a GitHub page, not a repository (topics)")
    expect(preview).to_contain_text("rate-limit points")
    page.screenshot(path=screenshots / "import-preview.png")
    assert Repository.objects.count() == 1, "nothing saved by a preview"
    assert not ScanJob.objects.exists(), "nothing saved by a preview"

    page.get_by_role("button", name="Import only").click()
    expect(page.locator(".report")).to_contain_text("no scan was started")
    expect(page.locator(".scan-panel")).to_have_count(0)
    assert Repository.objects.count() == 2
    assert not ScanJob.objects.exists()

    upload(page, AWESOME.format(new=new, known=known))
    expect(page.locator(".report__numbers div", has_text="Already tracked").locator("dd")).to_have_text("2")
    page.get_by_role("button", name=re.compile(r"^Import and scan 2")).click()
    expect(page.locator(".report")).to_contain_text("a scan of them was started")
    job_id = tab.job_ids()[0]
    tab.wait_until_completed(job_id)
    assert ScanJob.objects.get().scope == "import of awesome.md as awesome"
    assert tab.dialogs == []
