"""`make run`, `make dev` and `make demo`: one supervisor for the web server, an RQ worker and Redis.

`make run` serves the pages with gunicorn (repohealth/webserver.py) and DEBUG off, its static
files collected for whitenoise; `make dev` (`--dev`) with Django's development server, which
reloads on code changes, and DEBUG on.

Logs of every child are interleaved with a prefix. Ctrl-C (or SIGTERM) stops all of them,
each in its own process group, so nothing is left behind.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from devserver.processes import Child

BASE_DIR = Path(__file__).resolve().parent.parent
COLOURS = {"redis": "31", "web": "32", "worker": "34", "github": "35", "setup": "33", "cron": "36", "upkeep": "36"}
_print_lock = threading.Lock()


def say(prefix: str, line: str) -> None:
    colour = COLOURS.get(prefix.rsplit("-", 1)[0], "0")  # worker-2 in the workers' colour
    tag = f"\033[{colour}m{prefix:>6} |\033[0m" if sys.stdout.isatty() else f"{prefix:>6} |"
    with _print_lock:
        sys.stdout.write(f"{tag} {line.rstrip()}\n")
        sys.stdout.flush()


class Supervisor:
    """The children of `make run`, each a `devserver.processes.Child` whose output is copied to
    this terminal with its prefix.

    A child started with `restart=True` (Redis, the workers, the cron scheduler, the web server)
    that dies is started again after a backoff (1 s, doubling to 30 s) with a log line; one that
    dies RESTART_LIMIT times within a minute stops everything, as does any other child dying, or
    Ctrl-C."""

    RESTART_LIMIT = 5
    MAX_BACKOFF = 30.0

    def __init__(self) -> None:
        self.children: list[Child] = []
        self.stopping = False
        self._specs: dict[str, tuple[list[str], dict[str, str] | None]] = {}  # restartable: how to start again
        self._deaths: dict[str, list[float]] = {}
        self._restart_at: dict[str, float] = {}

    def start(self, prefix: str, args: list[str], env: dict[str, str] | None = None, *, pump: bool = True,
              restart: bool = False) -> Child:
        child = Child(prefix, args, env=env)
        self.adopt(child, pump=pump)
        if restart:
            self._specs[prefix] = (args, env)
        return child

    def adopt(self, child: Child, *, pump: bool = True, restart_args: list[str] | None = None) -> None:
        """Supervise a child started elsewhere (the embedded Redis); with `restart_args`, restart it."""
        self.children.append(child)
        if restart_args is not None:
            self._specs[child.name] = (restart_args, None)
        if pump:
            self.pump(child)

    def pump(self, child: Child) -> None:
        threading.Thread(target=self._pump, args=(child,), daemon=True).start()

    def _pump(self, child: Child) -> None:
        assert child.process.stdout is not None
        for line in child.process.stdout:
            say(child.name, line)

    def stop_all(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        say("setup", "stopping...")
        # One at a time, newest first: the web server and the workers finish with Redis still
        # up; Redis goes last.
        for child in reversed(self.children):
            child.stop(grace=10)
        say("setup", "all stopped")

    def wait(self) -> int:
        """Block until told to stop, restarting children that die; 1 when one cannot be kept up."""
        while not self.stopping:
            now = time.monotonic()
            for index, child in enumerate(self.children):
                if child.alive() or self.stopping:
                    continue
                if child.name not in self._specs:
                    say("setup", f"{child.name} exited with code {child.returncode}; stopping the rest")
                    return 1
                if child.name not in self._restart_at:
                    deaths = [t for t in self._deaths.get(child.name, []) if now - t < 60] + [now]
                    self._deaths[child.name] = deaths
                    if len(deaths) >= self.RESTART_LIMIT:
                        say("setup", f"{child.name} died {len(deaths)} times within a minute; stopping everything")
                        return 1
                    delay = min(self.MAX_BACKOFF, 2.0 ** (len(deaths) - 1))
                    say("setup", f"{child.name} exited with code {child.returncode}; restarting it in {delay:g} s")
                    self._restart_at[child.name] = now + delay
                elif now >= self._restart_at[child.name]:
                    del self._restart_at[child.name]
                    args, env = self._specs[child.name]
                    replacement = Child(child.name, args, env=env, cwd=child.cwd)
                    self.children[index] = replacement
                    self.pump(replacement)
                    say("setup", f"{child.name} restarted (pid {replacement.pid})")
            time.sleep(0.2)
        return 0


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, text=True,
                          capture_output=True)


def ensure_admin(env: dict[str, str]) -> None:
    """On the first run, create a local admin account and print its login once."""
    code = (
        "from django.contrib.auth import get_user_model;"
        "print(get_user_model().objects.filter(is_superuser=True).exists())"
    )
    result = manage("shell", "-c", code, env=env)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    if result.stdout.strip().splitlines()[-1:] == ["True"]:  # shell may print a banner line first
        return
    password = secrets.token_urlsafe(12)
    create = (
        "from django.contrib.auth import get_user_model;"
        "User = get_user_model();"
        "name = 'admin' if not User.objects.filter(username='admin').exists() else 'repohealth-admin';"
        f"User.objects.create_superuser(name, 'admin@localhost', {password!r});"
        "print(name)"
    )
    result = manage("shell", "-c", create, env=env)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    say("setup", "created a local admin account (shown only this once):")
    say("setup", f"    username: {result.stdout.strip().splitlines()[-1]}")
    say("setup", f"    password: {password}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run RepoHealth: web server, RQ worker and Redis.")
    parser.add_argument("--demo", action="store_true", help="also run the bundled fake GitHub with a demo catalog")
    parser.add_argument("--demo-size", type=int, default=500)
    parser.add_argument("--dev", action="store_true",
                        help="Django's development server (reloads on code changes) and DEBUG on, instead of gunicorn")
    options = parser.parse_args(argv)

    env = os.environ.copy()
    env.setdefault("DJANGO_DEBUG", "1" if options.dev else "0")
    env["PYTHONUNBUFFERED"] = "1"
    os.environ["DJANGO_DEBUG"] = env["DJANGO_DEBUG"]  # this process reads the settings too
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repohealth.settings")

    supervisor = Supervisor()

    def on_signal(signum, frame):
        supervisor.stop_all()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        from django.conf import settings

        port = settings.PORT  # validates every variable before anything starts
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        start_redis_unless_up(supervisor, settings)
        if options.demo:
            env.update(start_demo_github(supervisor, settings, options.demo_size))
        if not prepare_database(supervisor, env, demo=options.demo):
            return 1
        if not options.dev and not collect_static(env):  # the development server serves them from the apps
            return 1
        start_services(supervisor, settings, env, port, dev=options.dev)
        say("setup", f"RepoHealth on http://127.0.0.1:{port}/  (Ctrl-C stops everything)")
        if options.demo:
            say_demo_export(env)
        if not settings.GITHUB_TOKENS and not options.demo:
            say("setup", "no GITHUB_TOKEN: GitHub allows 60 unauthenticated requests an hour")
        code = supervisor.wait()
    finally:
        supervisor.stop_all()
    return code


def start_redis_unless_up(supervisor: Supervisor, settings) -> None:
    """The embedded Redis, unless one already runs on its socket or REDIS_URL names another."""
    if not settings.EMBEDDED_REDIS:
        say("setup", "using REDIS_URL")
        return
    from devserver.embedded_redis import is_up, wait_until_up
    from devserver.processes import start_redis

    socket_path = Path(settings.EMBEDDED_REDIS_SOCKET)
    if is_up(socket_path):
        say("setup", f"using the embedded Redis already running on {socket_path}")
        return
    redis_child = start_redis(socket_path, persist=True)
    supervisor.adopt(redis_child, restart_args=redis_child.args)
    wait_until_up(socket_path)
    say("redis", f"embedded redis-server ready on {socket_path}")


def prepare_database(supervisor: Supervisor, env: dict[str, str], *, demo: bool) -> bool:
    """Migrations, the first admin account and, for the demo, its catalog; False when one failed
    (said why)."""
    say("setup", "applying migrations...")
    result = manage("migrate", "--noinput", env=env)
    if result.returncode != 0:
        say("setup", result.stdout + result.stderr)
        supervisor.stop_all()
        return False
    ensure_admin(env)
    if demo:
        try:
            load_demo_catalog(env)
        except DemoFailed as exc:
            say("setup", f"make demo stopped: {exc}")
            return False
    return True


def collect_static(env: dict[str, str]) -> bool:
    """The static files, collected for whitenoise (DEBUG off); False when it failed (said why)."""
    say("setup", "collecting static files...")
    result = manage("collectstatic", "--noinput", env=env)
    if result.returncode != 0:
        say("setup", result.stdout + result.stderr)
        return False
    return True


def start_services(supervisor: Supervisor, settings, env: dict[str, str], port: int, *, dev: bool) -> None:
    """The workers, the cron scheduler, the upkeep worker and the web server, each restarted if it dies."""
    from repohealth.runtime.upkeep import WORKER_QUEUES

    manage_py = [sys.executable, "manage.py"]
    # RQ_WORKERS (`make run WORKERS=4`) workers share the scans; the first also runs RQ's scheduler.
    for number in range(1, settings.RQ_WORKERS + 1):
        scheduler = ["--with-scheduler"] if number == 1 else []
        supervisor.start(f"worker-{number}", [*manage_py, "rqworker", "default", *scheduler], env, restart=True)
    # The periodic upkeep job: RQ's cron scheduler enqueues it, a worker of its own runs it.
    supervisor.start("cron", [*manage_py, "rqcron", "repohealth.cron"], env, restart=True)
    supervisor.start("upkeep", [*manage_py, "rqworker", *WORKER_QUEUES], env, restart=True)
    supervisor.start("web", web_command(port, dev=dev), env, restart=True)


def web_command(port: int, *, dev: bool = False) -> list[str]:
    """The web server on 127.0.0.1:`port`: gunicorn with repohealth/webserver.py's settings, or
    with `dev` Django's development server."""
    if dev:
        return [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"]
    return [sys.executable, "-m", "gunicorn", "--config", "python:repohealth.webserver", "--bind", f"127.0.0.1:{port}"]



DEMO_TOKEN = "demo-token"


def start_demo_github(supervisor: Supervisor, settings, size: int) -> dict[str, str]:
    """Start fakegithub with a generated catalog; returns the environment that points at it, which
    is also written to var/demo/env as the `export` line a terminal needs for `runscan`."""
    from fakegithub import generate_catalog

    demo_dir = Path(settings.VAR_DIR) / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    catalog = generate_catalog(count=size, seed=1)
    (demo_dir / "catalog.json").write_text(json.dumps({"repositories": catalog["repositories"]}))
    (demo_dir / "import.txt").write_text("\n".join(catalog["import_names"]) + "\n")
    child = supervisor.start(
        "github",
        [sys.executable, "-u", "-m", "fakegithub", "--port", "0", "--catalog", str(demo_dir / "catalog.json"),
         "--latency-ms", "40", "--tokens", DEMO_TOKEN],
        pump=False,
    )
    url = _read_listening_url(child.process)
    supervisor.pump(child)
    listed, known = len(catalog["import_names"]), len(catalog["repositories"])
    # The demo list also names repositories that were deleted: they exist only in the list, and
    # scan as `not found`. Moved ones are on the fake under their new name.
    say("setup", f"demo: fake GitHub at {url} with {known:,} repositories; the demo list names {listed:,}: "
                 f"the other {listed - known:,} were deleted on purpose and scan as not found")
    env = {"GITHUB_API_URL": url, "GITHUB_TOKEN": DEMO_TOKEN}
    (demo_dir / "env").write_text(demo_export_line(env) + "\n")
    return env


def demo_export_line(env: dict[str, str]) -> str:
    """What a terminal needs to point `manage.py runscan` at the running demo's fake GitHub."""
    return f"export GITHUB_API_URL={env['GITHUB_API_URL']} GITHUB_TOKEN={env['GITHUB_TOKEN']}"


def say_demo_export(env: dict[str, str]) -> None:
    """The export line on a line of its own, without a prefix, so it can be pasted as it is."""
    say("setup", "to scan the demo from another terminal (without it, runscan asks the real GitHub), run:")
    with _print_lock:
        sys.stdout.write(f"\n    {demo_export_line(env)}\n    .venv/bin/python manage.py runscan --label demo\n\n")
        sys.stdout.flush()


def _read_listening_url(process: subprocess.Popen, timeout: float = 15.0) -> str:
    """fakegithub prints `fakegithub listening on URL` first; the pump thread copies it to our log."""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    line = process.stdout.readline()
    while "listening on" not in line and time.monotonic() < deadline and line:
        line = process.stdout.readline()
    if "listening on" not in line:
        raise SystemExit("fakegithub did not start")
    say("github", line)
    return line.rsplit(" ", 1)[-1].strip()


def load_demo_catalog(env: dict[str, str]) -> None:
    from django.conf import settings

    demo_file = Path(settings.VAR_DIR) / "demo" / "import.txt"
    result = manage("runscan", "--import-only", "--file", str(demo_file), "--label", "demo", env=env)
    lines = (result.stdout + result.stderr).strip().splitlines()
    if result.returncode != 0:
        raise DemoFailed(f"loading the demo catalog failed (exit {result.returncode}): "
                         + (lines[-1] if lines else "no output"))
    say("setup", lines[-1] if lines else "")


class DemoFailed(RuntimeError):
    """A step of `make demo` failed; str() says which and why."""


if __name__ == "__main__":
    sys.exit(main())
