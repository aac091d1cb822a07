"""repohealth.web.downloads: the name a download is given, cut to what a file system holds."""

from __future__ import annotations

import pytest
from django.http import HttpResponse

from repohealth.web.downloads import attachment, fit_filename


@pytest.mark.parametrize(("name", "fitted"), [
    ("README.md", "README.md"),
    ("x" * 300, "x" * 255),  # no extension: only the end goes
    ("x" * 250 + ".tar.gz", "x" * 248 + ".tar.gz"),
    ("✓" * 100 + ".md", "✓" * 84 + ".md"),  # 3 bytes each: 252 + 3, no character split
    ("a.b" + "c" * 300, "a.b" + "c" * 252),  # an "extension" longer than 10 characters is no extension
])
def test_a_name_is_cut_to_255_bytes_keeping_its_extension(name, fitted):
    assert fit_filename(name) == fitted
    assert len(fitted.encode()) <= 255


def test_a_name_with_a_control_character_gets_an_ascii_fallback_and_no_raw_newline():
    header = attachment(HttpResponse(), "a\nb.md")["Content-Disposition"]
    assert header == "attachment; filename=\"a_b.md\"; filename*=utf-8''a%0Ab.md"
