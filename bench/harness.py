"""The bench's own world: a temporary var dir, Redis, the fake GitHub, a migrated database,
and on demand RQ workers and gunicorn. `Bench` is a context manager; leaving it stops every
process it started, whatever happened.

The developer's `var/` is never touched: REPOHEALTH_VAR_DIR points at a fresh temporary folder
(the SQLite database and the embedded Redis socket live there) unless DATABASE_URL / REDIS_URL
are given, which must then name scratch instances.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import requests

from bench import catalog as catalog_db
from bench.catalog import Catalog
from bench.sizes import Sizes
from devserver.processes import Child, free_port

GITHUB_TOKEN = "bench-token"
# Tokens of their own for the `pacing` row's variants: each starts with empty windows, in the fake
# and in the app's shared budget (Redis), whatever the rows before it sent.
PACING_TOKENS = ("bench-pacing-1", "bench-pacing-2")
# Secondary-limit pacing (points a minute per token) high enough never to bind, except in the
# `pacing` row: GitHub's 900 a minute would cap a REST scan at 15 repositories a second.
UNPACED_PER_MINUTE = 1_000_000
QUEUE = "default"
WEB_WORKERS, WEB_THREADS = 2, 4
# Settings of the developer's shell that would change what is measured; the bench sets its own.
APP_PREFIXES = ("GITHUB_", "SCAN_")


class FakeGitHubControl:
    """The fake GitHub's /_fake control endpoints (no latency, not counted)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict:
        response = self.session.request(method, f"{self.url}/_fake/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def configure(self, **settings: Any) -> dict:
        return self._call("POST", "config", json=settings)

    def reset(self) -> None:
        """A new hour on both sides: the fake's rate-limit windows restart, and the app's shared
        budget forgets what the rows before spent. Else a row that used up a token's hour (row 3's
        scan polls for 40 s) leaves the app waiting out a reset that the fake has already done:
        the app never asks again before the time GitHub gave it, as it must not on real GitHub."""
        self._call("POST", "reset")
        forget_shared_budget()

    def stats(self) -> dict:
        return self._call("GET", "stats")

    def requests(self, since: float) -> list[dict]:
        """The fake's request log since this epoch time, oldest first (each with its `time`)."""
        return self._call("GET", f"requests?since={since}")["requests"]


@dataclass
class WebServer:
    url: str
    child: Child


class Bench:
    """Everything a row needs: sizes, the catalog, the fake GitHub, a user, workers and a web server."""

    def __init__(self, sizes: Sizes, results_dir: Path, say: Callable[[str], None] = print) -> None:
        self.sizes = sizes
        self.results_dir = results_dir
        self.log_dir = results_dir / "logs"
        self.say = say
        self._stack = ExitStack()
        self._web: WebServer | None = None
        self._workers = 0
        self.catalog: Catalog
        self.fake: FakeGitHubControl
        self.user: Any
        self.api_token: str

    # --- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def _start(self) -> None:
        shutil.rmtree(self.log_dir, ignore_errors=True)  # only this run's logs
        self.log_dir.mkdir(parents=True)
        var_dir = Path(tempfile.mkdtemp(prefix="repohealth-bench-"))
        self._stack.callback(shutil.rmtree, var_dir, True)
        self.var_dir = var_dir

        started = time.monotonic()
        self.catalog = catalog_db.generate(self.sizes.catalog, var_dir)
        fake = self._child("fakegithub", [sys.executable, "-u", "-m", "fakegithub", "--port", "0",
                                          "--catalog", str(self.catalog.path),
                                          "--tokens", ",".join((GITHUB_TOKEN, *PACING_TOKENS)),
                                          "--seed", "1"], env=os.environ.copy())
        url = fake.wait_for_line("listening on", timeout=120).rsplit(" ", 1)[-1].strip()
        self.fake = FakeGitHubControl(url)
        self._configure_environment(var_dir, url)
        self._start_redis(var_dir)
        self._setup_django()
        self.say(f"set-up: catalog of {self.sizes.catalog:,} names, fake GitHub at {url}, "
                 f"database ready ({time.monotonic() - started:.1f} s)")

    def _configure_environment(self, var_dir: Path, github_url: str) -> None:
        for name in [n for n in os.environ if n.startswith(APP_PREFIXES)]:
            del os.environ[name]
        os.environ.update({
            "DJANGO_SETTINGS_MODULE": "repohealth.settings",
            "REPOHEALTH_VAR_DIR": str(var_dir),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(32),
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GITHUB_API_URL": github_url,
            "GITHUB_TOKEN": GITHUB_TOKEN,
            "GITHUB_REST_POINTS_PER_MINUTE": str(UNPACED_PER_MINUTE),
            "GITHUB_GRAPHQL_POINTS_PER_MINUTE": str(UNPACED_PER_MINUTE),
            # 50 pollers of one user measure a poll's cost, not the throttle that would refuse them.
            "API_THROTTLE_PROGRESS": f"{UNPACED_PER_MINUTE}/min",
            "LOG_LEVEL": "warning",
            "PYTHONUNBUFFERED": "1",
        })

    def _start_redis(self, var_dir: Path) -> None:
        if os.environ.get("REDIS_URL"):
            return
        from devserver.embedded_redis import server_args, wait_until_up

        socket_path = var_dir / "redis" / "redis.sock"
        socket_path.parent.mkdir(parents=True)
        self._child("redis", server_args(socket_path, daemonize=False, persist=False), env=os.environ.copy())
        wait_until_up(socket_path)

    def _setup_django(self) -> None:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        from repositories.models import Repository

        if os.environ.get("DATABASE_URL") and Repository.objects.exists():
            raise RuntimeError("DATABASE_URL names a database that already holds repositories; "
                               "the bench needs an empty scratch database")
        self._check_no_foreign_workers()
        self.user, self.api_token = catalog_db.bench_user()

    def _child(self, name: str, args: list[str], *, env: dict[str, str], **kwargs: Any) -> Child:
        child = Child(name, args, env=env, log=self.log_dir / f"{name}.log", **kwargs)
        self._stack.callback(child.stop)
        return child

    # --- what rows ask for ------------------------------------------------------------------------
    def seed_catalog(self) -> None:
        catalog_db.seed(self.catalog)

    def ids(self, count: int) -> list[int]:
        self.seed_catalog()
        return catalog_db.first_ids(count)

    @contextmanager
    def worker(self, env: dict[str, str] | None = None) -> Iterator[Child]:
        """A real `manage.py rqworker default` (the forking worker `make run` uses), ready for jobs."""
        with self.workers(1, env) as (child,):
            yield child

    @contextmanager
    def workers(self, count: int, env: dict[str, str] | None = None) -> Iterator[list[Child]]:
        """`count` workers on the default queue, all registered before it yields; `env` is added to
        the bench's environment for them (SCAN_SHARD_SIZE, the pacing settings, the token)."""
        started: list[tuple[str, Child]] = []
        try:
            for _ in range(count):
                self._workers += 1
                name = f"bench-{uuid.uuid4().hex[:8]}"
                started.append((name, Child(f"worker-{self._workers}",
                                            [sys.executable, "manage.py", "rqworker", QUEUE, "--name", name],
                                            env={**os.environ, **(env or {})},
                                            log=self.log_dir / f"worker-{self._workers}.log")))
            for name, child in started:
                wait_until(lambda name=name: name in _worker_names(), child, timeout=60,
                           what="the RQ worker to register")
            yield [child for _, child in started]
        finally:
            for _, child in started:
                child.stop()

    def web(self) -> WebServer:
        """gunicorn serving bench.wsgi (the app plus /bench/ping), started once and shared."""
        if self._web is None:
            port = free_port()
            child = self._child("gunicorn", [
                sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--bind", f"127.0.0.1:{port}",
                "--workers", str(WEB_WORKERS), "--threads", str(WEB_THREADS), "--graceful-timeout", "5",
                "--log-level", "warning"], env=os.environ.copy())
            url = f"http://127.0.0.1:{port}"
            wait_until(lambda: answers(url + "/bench/ping"), child, timeout=60, what="gunicorn to answer")
            self._web = WebServer(url, child)
        return self._web

    def _check_no_foreign_workers(self) -> None:
        names = _worker_names()
        if names:
            raise RuntimeError(f"RQ workers are already listening on this Redis ({', '.join(sorted(names))}); "
                               "the bench needs a Redis of its own")


def forget_shared_budget() -> None:
    """Clear the app's shared GitHub budget (scans/github/budget.py) in the bench's own Redis."""
    import django_rq

    from scans.github.budget import PREFIX

    connection = django_rq.get_connection(QUEUE)
    keys = list(connection.scan_iter(f"{PREFIX}:*", count=1000))
    if keys:
        connection.delete(*keys)


def _worker_names() -> set[str]:
    import django_rq
    from rq import Worker

    return {w.name for w in Worker.all(connection=django_rq.get_connection(QUEUE))}


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_until(predicate: Callable[[], bool], child: Child, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        child.check()
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}:\n{child.tail()}")
        time.sleep(0.1)
