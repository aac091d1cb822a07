"""`make run WORKERS=N` (RQ_WORKERS=N): the supervisor starts N `rqworker default` children named
worker-1..N, the first alone with RQ's scheduler; on a private var/ folder (its own SQLite and
embedded Redis), stopped with Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading

import psutil
import pytest

from devserver.processes import BASE_DIR, free_port
from tests.conftest import wait_for

pytestmark = pytest.mark.integration


def test_rq_workers_starts_that_many_workers_the_first_with_the_scheduler():
    with tempfile.TemporaryDirectory(prefix="rh-workers-") as folder:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "GITHUB_TOKEN")}
        env.update({"REPOHEALTH_VAR_DIR": folder, "PORT": str(free_port()), "RQ_WORKERS": "3",
                    "GITHUB_API_URL": "http://127.0.0.1:9", "PYTHONUNBUFFERED": "1"})
        process = subprocess.Popen([sys.executable, "-m", "devserver.runner"], cwd=BASE_DIR, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(line.rstrip() for line in process.stdout), daemon=True).start()

        def workers() -> list[list[str]]:
            found = []
            for child in psutil.Process(process.pid).children():  # the supervisor's own children
                try:
                    if "rqworker default" in " ".join(command := child.cmdline()):
                        found.append(command)
                except psutil.NoSuchProcess:
                    continue
            return found

        try:
            started = wait_for(lambda: len(workers()) == 3 and workers(), timeout=120, interval=0.2,
                               message="three workers")
            wait_for(lambda: all(any(line.startswith(f"worker-{n} |") for line in lines) for n in (1, 2, 3)),
                     timeout=60, interval=0.2, message="the workers' prefixed logs")
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                raise

        assert sorted("--with-scheduler" in command for command in started) == [False, False, True]
        assert not any(line.startswith("worker-4 |") for line in lines)
