"""`make run`'s supervisor (devserver.runner) as a user runs it, on a private var/ folder with its
own SQLite database and embedded Redis (never the machine's shared services): a worker that dies
is restarted while the web stays up, the periodic maintenance job runs, Ctrl-C stops it all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
import redis

from devserver.processes import BASE_DIR, free_port
from tests.conftest import wait_for

pytestmark = pytest.mark.integration


class Runner:
    def __init__(self, var_dir: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "GITHUB_TOKEN")}
        env.update({"REPOHEALTH_VAR_DIR": str(var_dir), "PORT": str(port), "MAINTENANCE_INTERVAL_SECONDS": "2",
                    "GITHUB_API_URL": "http://127.0.0.1:9", "PYTHONUNBUFFERED": "1"})
        self.lines: list[str] = []
        self.process = subprocess.Popen([sys.executable, "-m", "devserver.runner"], cwd=BASE_DIR, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def output(self) -> str:
        return "\n".join(self.lines)

    def children(self, marker: str) -> list[psutil.Process]:
        found = []
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if marker in " ".join(child.cmdline()):
                    found.append(child)
            except psutil.NoSuchProcess:
                continue
        return found


def test_a_dead_worker_is_restarted_the_web_stays_up_and_maintenance_runs():
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="rh-run-") as folder:
        runner = Runner(Path(folder), port)
        try:
            wait_for(lambda: runner.said("RepoHealth on http://"), timeout=120, interval=0.2,
                     message=f"make run to start:\n{runner.output()}")
            (worker,) = wait_for(lambda: [p for p in runner.children("rqworker default") if p.ppid() != 1][:1],
                                 timeout=30, message="the worker process")
            worker.send_signal(signal.SIGKILL)

            wait_for(lambda: runner.said("worker-1 restarted"), timeout=60, interval=0.2,
                     message=f"the worker to be restarted:\n{runner.output()}")
            assert runner.process.poll() is None, runner.output()
            def login_page() -> int:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10) as page:
                        return page.status
                except OSError:
                    return 0  # still binding its port

            assert wait_for(login_page, timeout=30, interval=0.2, message="the web server to answer") == 200
            socket_path = Path(folder) / "redis" / "redis.sock"
            last_run = wait_for(lambda: redis.Redis(unix_socket_path=str(socket_path)).get(
                "repohealth:maintenance:last_run"), timeout=60, interval=0.5,
                message=f"the maintenance job to run:\n{runner.output()}")
            assert last_run
        finally:
            pid = runner.process.pid
            family = ([pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]
                      if runner.process.poll() is None else [])
            runner.process.send_signal(signal.SIGINT)
            try:
                runner.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(pid, signal.SIGKILL)
                raise
        assert runner.said("all stopped"), runner.output()
        time.sleep(0.5)
        assert [p for p in family if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE] == []
