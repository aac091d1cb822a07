"""Shared fixtures: users, API clients, the fake GitHub and the fake deps.dev on loopback, and real RQ workers."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from devserver.processes import Child
from fakedepsdev import FakeDepsDev
from fakegithub import FakeGitHub, generate_catalog
from tests.counting import counts_hold  # noqa: F401 - fixture of the write paths' tests
from tests.receiver import fake_net, receiver  # noqa: F401 - fixtures of test_outbound.py and of watch/, shared here
from tests.repositories.maintaining import lively, old, said_over  # noqa: F401 - fixtures of the maintenance tests

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A SQLite test database of this run's own, so two test runs never share one file."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database["TEST"]["NAME"] = str(Path(settings.VAR_DIR) / f"test-{os.getpid()}.sqlite3")


# --- users and clients ---------------------------------------------------------------------------
@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", "owner@example.com", "owner-password-1")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("other", "other@example.com", "other-password-1")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("staff", "staff@example.com", "staff-password-1", is_staff=True)


def _client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api(owner) -> APIClient:
    """An API client logged in as `owner`."""
    return _client_for(owner)


@pytest.fixture
def other_api(other_user) -> APIClient:
    return _client_for(other_user)


@pytest.fixture
def staff_api(staff_user) -> APIClient:
    return _client_for(staff_user)


@pytest.fixture
def stranger_api() -> APIClient:
    """Nobody logged in."""
    return APIClient()


# --- fake GitHub ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def demo_catalog() -> dict:
    return generate_catalog(count=200, seed=7)


@pytest.fixture(scope="session")
def _fake_github_server(demo_catalog):
    server = FakeGitHub(catalog=demo_catalog["repositories"], latency_ms=0, seed=3).start()
    server.initial_config = server.config()
    yield server
    server.stop()


@pytest.fixture
def fake_github(_fake_github_server, demo_catalog, settings):
    """The session's fake GitHub, reset to its catalog, and this process pointed at it."""
    server = _fake_github_server
    server.configure(**server.initial_config)  # every setting a test may have changed
    server.load_catalog(demo_catalog["repositories"], replace=True)
    server.reset()
    settings.GITHUB_API_URL = server.url
    settings.GITHUB_GRAPHQL_URL = server.url + "/graphql"
    settings.GITHUB_TOKENS = []
    settings.GITHUB_RETRY_BACKOFF_MS = 10
    settings.GITHUB_SECONDARY_BACKOFF_SECONDS = 1
    settings.SCAN_MODE = "rest"
    # The fake enforces no secondary limit unless a test asks it to: neither does the client's
    # pacing (a first REST scan asks 4 requests a repository; tests of pacing set their own).
    settings.GITHUB_REST_POINTS_PER_MINUTE = settings.GITHUB_GRAPHQL_POINTS_PER_MINUTE = 1_000_000
    return server


@pytest.fixture(scope="session")
def _fake_depsdev_server():
    server = FakeDepsDev().start()
    yield server
    server.stop()


@pytest.fixture
def fake_depsdev(_fake_depsdev_server, settings):
    """The session's fake deps.dev, emptied, and this process pointed at it (quick retries)."""
    server = _fake_depsdev_server
    server.reset(packages=True)
    settings.DEPSDEV_API_URL = server.url
    settings.DEPSDEV_TIMEOUT_SECONDS = 30
    return server


# --- real RQ workers --------------------------------------------------------------------------------
def _test_database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    auth = f"{user}:{db['PASSWORD']}@" if db.get("PASSWORD") else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def Worker(env: dict[str, str], log: Path) -> Child:
    """A real `manage.py rqworker` process (the simple worker: no work horse), in its own
    process group: `.kill()` is a SIGKILL as when a machine dies, `.stop()` a clean stop."""
    return Child("worker", [sys.executable, "manage.py", "rqworker", "default", "--worker-class",
                            "rq.worker.SimpleWorker"], env=env, log=log)


@pytest.fixture
def app_env(fake_github, transactional_db):
    """The environment of a child process (worker, manage.py) that shares this test's
    database, Redis and fake GitHub."""

    def build(**extra_env: str) -> dict[str, str]:
        env = os.environ.copy()
        env.update({
            "DATABASE_URL": _test_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "GITHUB_API_URL": fake_github.url,
            "GITHUB_RETRY_BACKOFF_MS": "10",
            "GITHUB_SECONDARY_BACKOFF_SECONDS": "1",
            "SCAN_MODE": settings.SCAN_MODE,
            "SCAN_CONCURRENCY": str(settings.SCAN_CONCURRENCY),
            "PYTHONUNBUFFERED": "1",
        })
        if settings.GITHUB_TOKENS:
            env["GITHUB_TOKEN"] = ",".join(settings.GITHUB_TOKENS)
        env.update(extra_env)
        return env

    return build


@pytest.fixture
def start_worker(app_env, tmp_path):
    """Start real RQ worker processes pointed at the fake GitHub and the test database."""
    workers: list[Child] = []

    def start(**extra_env: str) -> Child:
        worker = Worker(app_env(**extra_env), tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def worker(start_worker) -> Child:
    return start_worker()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Flush the test Redis database after each test: progress keys and RQ's queues alike."""
    yield
    cache.clear()


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.05, message: str = "condition"):
    """Poll until predicate() is truthy; returns its value. Fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {message}")
