"""Downloads in a real Chromium: the corrected file and the `.patch` of a source are saved under
the name the list was uploaded with, whatever its characters (what the browser makes of the
`Content-Disposition` header is the test here; tests/scans/test_source_pages.py has its text)."""

from __future__ import annotations

import pytest

from tests.repositories.fixing import imported, moved

pytestmark = [pytest.mark.browser, pytest.mark.integration]
TEXT = "# List\n\n- [a](https://github.com/acme/a)\n"


@pytest.mark.parametrize(("uploaded", "saved"), [
    ("ünï ✓.md", ["ünï ✓.md", "ünï ✓.md.patch"]),
    ('we"ird.md', ["we_ird.md", "we_ird.md.patch"]),  # Chromium's own rule: " is not in a saved name
    ("l" * 296 + ".md", ["l" * 252 + ".md", "l" * 246 + ".md.patch"]),  # 255 bytes, the extension kept
])
def test_the_corrected_file_and_the_patch_are_saved_under_the_uploaded_name(tab, uploaded, saved):
    source = imported(TEXT, filename=uploaded)
    moved("acme/a", "acme/a2")  # something to fix, so that the page offers the downloads
    page = tab.page
    page.goto(f"/sources/{source.id}/")
    names = []
    for button in ("Download the corrected file", "Download the .patch"):
        with page.expect_download() as download:
            page.get_by_role("link", name=button).click()
        names.append(download.value.suggested_filename)
    assert names == saved
