"""Child processes the bench starts and always stops: each in its own session, logged to a file.

Stopping is by process id only: first the child's own process group, then any descendant that
left it (an RQ work horse calls setpgrp), so nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent


class ChildExited(RuntimeError):
    pass


class Child:
    """A subprocess with its output in `log_dir/<name>.log`."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log_dir: Path,
                 stop_signal: int = signal.SIGTERM) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.stop_signal = stop_signal
        self._log = open(self.log_path, "w")  # noqa: SIM115 - open while the child runs; closed in stop()
        self.process = subprocess.Popen(args, cwd=BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def check(self) -> None:
        """Raise with the end of the log if the child has exited."""
        if not self.alive():
            raise ChildExited(f"{self.name} exited with code {self.process.returncode}; "
                              f"end of {self.log_path}:\n{self.tail()}")

    def tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def tree(self) -> list[psutil.Process]:
        """This process and every descendant alive now."""
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def wait_for_line(self, marker: str, timeout: float) -> str:
        """The first log line containing `marker`; raises if the child exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                if marker in line:
                    return line
            self.check()
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} did not print {marker!r} within {timeout:.0f}s:\n{self.tail()}")

    def stop(self, grace: float = 10.0) -> None:
        """The stop signal to the group, a second one after `grace` (RQ: kill the horse), then SIGKILL."""
        descendants = self.tree()[1:]
        for sig, wait in ((self.stop_signal, grace), (self.stop_signal, 3.0), (signal.SIGKILL, 5.0)):
            if not self.alive():
                break
            _signal_group(self.pid, sig)
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        for process in descendants:  # those that left the group (setpgrp)
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        self._log.close()


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
