"""The Chromium the browser tests drive: found, or set up where that can be done, and said in one line.

    python -m tests.browser.chromium     # `make test` runs it first; fast when a browser is there

In order: `CHROMIUM_PATH` when set (that one or none); Debian's `/usr/bin/chromium`; the Chromium
Playwright downloaded before. When none is there: as root with apt-get, Debian's `chromium`
package; otherwise `playwright install chromium`. Every step has a timeout, so a machine without
the network costs seconds, never a hang. It always exits 0 and prints one line: the browser the
tests will use, or why they will be skipped (under CI=true they fail instead; see conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

DEBIAN_CHROMIUM = "/usr/bin/chromium"
APT_TIMEOUT_SECONDS = 900
PLAYWRIGHT_TIMEOUT_SECONDS = 300
VERSION_TIMEOUT_SECONDS = 20


@dataclass
class Found:
    path: str | None = None
    how: str = ""  # where it came from, when found
    tried: list[str] = field(default_factory=list)  # why each way failed, when not


def _executable(path: str | None) -> bool:
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def playwright_chromium() -> str | None:
    """The Chromium `playwright install chromium` puts in its cache, if it is there."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:  # the driver could not start: no Playwright browser either
        return None
    return path if _executable(path) else None


def find(env=os.environ) -> Found:
    """The browser that is there now, without installing anything."""
    wanted = (env.get("CHROMIUM_PATH") or "").strip()
    if wanted:
        path = wanted if os.path.isabs(wanted) else shutil.which(wanted)
        if _executable(path):
            return Found(path, "CHROMIUM_PATH")
        return Found(tried=[f"CHROMIUM_PATH={wanted} is not an executable file"])
    if _executable(DEBIAN_CHROMIUM):
        return Found(DEBIAN_CHROMIUM, "Debian's chromium package")
    if path := playwright_chromium():
        return Found(path, "Playwright's download")
    return Found(tried=[f"no Chromium at {DEBIAN_CHROMIUM} nor from Playwright"])


def _run(args: list[str], timeout: int, env=None) -> str | None:
    """None when the command succeeded; otherwise why not, in a few words."""
    try:
        done = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s"
    except OSError as exc:
        return str(exc)
    if done.returncode == 0:
        return None
    lines = [line.strip() for line in (done.stderr + "\n" + done.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith(("error", "e:"))]  # node's, apt's
    return ((errors or lines or [f"exit code {done.returncode}"])[0])[:200]


def install(found: Found, *, is_root: bool | None = None, have_apt: bool | None = None) -> Found:
    """Try to get a browser where none was found: apt-get as root, then Playwright's download."""
    is_root = os.geteuid() == 0 if is_root is None else is_root
    have_apt = bool(shutil.which("apt-get")) if have_apt is None else have_apt
    if is_root and have_apt:
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        why = _run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], APT_TIMEOUT_SECONDS, apt_env)
        if why:  # the package lists may be missing or old
            why = (_run(["apt-get", "update"], APT_TIMEOUT_SECONDS, apt_env)
                   or _run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], APT_TIMEOUT_SECONDS,
                           apt_env))
        if not why and _executable(DEBIAN_CHROMIUM):
            return Found(DEBIAN_CHROMIUM, "Debian's chromium package, just installed with apt-get")
        found.tried.append(f"apt-get install chromium failed: {why or 'no ' + DEBIAN_CHROMIUM + ' after it'}")
    else:
        found.tried.append("not root with apt-get, so no Debian package")
    why = _run([sys.executable, "-m", "playwright", "install", "chromium"], PLAYWRIGHT_TIMEOUT_SECONDS)
    if not why and (path := playwright_chromium()):
        return Found(path, "Playwright's download, just installed")
    found.tried.append(f"playwright install chromium failed: {why or 'no browser after it'}")
    return found


def version(path: str) -> str:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def line(found: Found, env=os.environ) -> str:
    """The one line `make test` prints."""
    if found.path:
        named = version(found.path)
        return f"browser tests: {named + ' at ' if named else ''}{found.path} ({found.how})"
    consequence = ("CI=true: they will fail" if env.get("CI", "").strip().lower() == "true"
                   else "they will be skipped (set CHROMIUM_PATH to a Chromium)")
    return f"browser tests: no Chromium ({'; '.join(found.tried)}): {consequence}"


def main() -> int:
    found = find()
    if not found.path and not os.environ.get("CHROMIUM_PATH"):
        found = install(found)
    print(line(found), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
