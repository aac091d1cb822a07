"""Chromium for the browser tests, driven by Playwright.

The browser is `tests.browser.chromium.find()`'s: CHROMIUM_PATH, Debian's /usr/bin/chromium or
Playwright's download (`make test` sets one up first where it can). Without one the browser
tests are skipped with the reason; when CI=true a missing browser fails them instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import chromium

BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = BASE_DIR / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _unavailable(reason: str):
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}. CI=true makes the browser tests mandatory: install Chromium or set CHROMIUM_PATH.",
                    pytrace=False)
    pytest.skip(f"{reason}; the browser tests need it (set CHROMIUM_PATH, or CI=true to make this a failure)")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    try:
        import playwright.sync_api  # noqa: F401 - only whether it is installed
    except ImportError:
        _unavailable("The playwright package is not installed")
    found = chromium.find()
    if not found.path:
        _unavailable(f"Chromium was not found ({'; '.join(found.tried)})")
    return found.path


@pytest.fixture
def browser(chromium_executable):
    """A fresh Chromium for each test. Playwright's sync API runs an asyncio loop in this thread,
    which Django's ORM would refuse to run next to; the test's own ORM calls are synchronous
    and safe, so the check is switched off only while the browser is up."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
                # Database connections opened while Playwright's loop ran are kept apart from
                # the test's own; close them, or PostgreSQL refuses to drop the test database.
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# The fixtures of a logged-in tab, the fake GitHub and RQ workers, for every browser test (after
# DESKTOP and PHONE, which tabs.py reads from here).
from tests.browser.tabs import github, tab, workers  # noqa: E402, F401 - fixtures; tabs.py reads this module first
