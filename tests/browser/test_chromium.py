"""`make test`'s browser set-up (tests.browser.chromium): which Chromium it takes, what it tries
when there is none, and the one line it prints. Nothing is installed here: the commands it would
run are replaced by fakes that record them."""

from __future__ import annotations

import sys

import pytest

from tests.browser import chromium


@pytest.fixture
def commands(monkeypatch):
    """Record the commands install() runs; each answers with the failure given for its program."""
    ran: list[list[str]] = []
    failures: dict[str, str | None] = {}

    def fake_run(args, timeout, env=None):
        ran.append(args)
        assert timeout > 0, "every command has a timeout"
        return failures.get(args[0] if args[0] != sys.executable else "playwright")

    monkeypatch.setattr(chromium, "_run", fake_run)
    return ran, failures


def test_an_existing_chromium_path_is_used_as_it_is(tmp_path):
    browser = tmp_path / "chrome"
    browser.write_text("#!/bin/sh\necho Chromium 1.2.3\n")
    browser.chmod(0o755)

    found = chromium.find({"CHROMIUM_PATH": str(browser)})

    assert (found.path, found.how) == (str(browser), "CHROMIUM_PATH")
    assert chromium.line(found, {}) == f"browser tests: Chromium 1.2.3 at {browser} (CHROMIUM_PATH)"


def test_a_chromium_path_that_is_not_there_is_not_replaced_by_another_browser(tmp_path):
    found = chromium.find({"CHROMIUM_PATH": str(tmp_path / "missing")})

    assert found.path is None
    assert chromium.line(found, {}) == (f"browser tests: no Chromium (CHROMIUM_PATH={tmp_path / 'missing'} is not an "
                                        "executable file): they will be skipped (set CHROMIUM_PATH to a Chromium)")


def test_as_root_with_apt_it_installs_debians_chromium_first(commands, monkeypatch):
    ran, failures = commands
    monkeypatch.setattr(chromium, "_executable", lambda path: path == chromium.DEBIAN_CHROMIUM)

    found = chromium.install(chromium.Found(tried=["none"]), is_root=True, have_apt=True)

    assert ran == [["apt-get", "install", "-y", "--no-install-recommends", "chromium"]]
    assert found.path == chromium.DEBIAN_CHROMIUM
    assert "apt-get" in found.how


def test_without_root_it_tries_playwrights_download_and_says_why_each_way_failed(commands, monkeypatch):
    ran, failures = commands
    failures["playwright"] = "Error: getaddrinfo ENOTFOUND cdn.playwright.dev"
    monkeypatch.setattr(chromium, "playwright_chromium", lambda: None)

    found = chromium.install(chromium.Found(tried=["no Chromium at /usr/bin/chromium nor from Playwright"]),
                             is_root=False, have_apt=True)

    assert ran == [[sys.executable, "-m", "playwright", "install", "chromium"]]
    assert found.path is None
    assert chromium.line(found, {"CI": "true"}) == (
        "browser tests: no Chromium (no Chromium at /usr/bin/chromium nor from Playwright; not root with apt-get, "
        "so no Debian package; playwright install chromium failed: Error: getaddrinfo ENOTFOUND cdn.playwright.dev): "
        "CI=true: they will fail")


def test_a_command_that_hangs_is_stopped_by_its_timeout():
    # A child that would run 30 s: the point is that its 1 s timeout stops it.
    started = chromium._run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=1)

    assert started == "timed out after 1 s"
