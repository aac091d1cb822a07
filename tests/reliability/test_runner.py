"""`make run`'s supervisor (devserver.runner) as a user runs it, on a private var/ folder with its
own SQLite database and embedded Redis (never the machine's shared services): a worker that dies
is restarted while the web stays up, the periodic upkeep job runs, Ctrl-C stops it all; its
web server (gunicorn) serves the static files without DEBUG and answers a body too large at once,
while the client is still sending it, then closes the connection."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
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
        self.port = port
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "GITHUB_TOKEN")}
        env.update({"REPOHEALTH_VAR_DIR": str(var_dir), "PORT": str(port), "UPKEEP_INTERVAL_SECONDS": "2",
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


    def page_status(self, path: str) -> int:
        """The status of GET `path`; 0 while the web server is not answering yet."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as page:
                return page.status
        except OSError:
            return 0

    def interrupt(self) -> None:
        """Ctrl-C, as in a terminal; SIGKILL to the whole group if it has not stopped within a minute."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise

    def wait_until_serving(self) -> None:
        wait_for(lambda: self.said("RepoHealth on http://"), timeout=120, interval=0.2,
                 message=f"make run to start:\n{self.output()}")
        wait_for(lambda: self.page_status("/accounts/login/") == 200, timeout=30, interval=0.2,
                 message=f"the web server to answer:\n{self.output()}")


def survivors(pids: list[int]) -> list[int]:
    """The processes of `pids` still alive (a zombie, or one gone meanwhile, is not)."""
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            continue
    return alive


def test_a_dead_worker_is_restarted_the_web_stays_up_and_upkeep_runs():
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="rh-run-") as folder:
        runner = Runner(Path(folder), port)
        try:
            runner.wait_until_serving()
            (worker,) = wait_for(lambda: [p for p in runner.children("rqworker default") if p.ppid() != 1][:1],
                                 timeout=30, message="the worker process")
            worker.send_signal(signal.SIGKILL)

            wait_for(lambda: runner.said("worker-1 restarted"), timeout=60, interval=0.2,
                     message=f"the worker to be restarted:\n{runner.output()}")
            assert runner.process.poll() is None, runner.output()
            assert wait_for(lambda: runner.page_status("/accounts/login/"), timeout=30, interval=0.2,
                            message="the web server to answer") == 200
            socket_path = Path(folder) / "redis" / "redis.sock"
            last_run = wait_for(lambda: redis.Redis(unix_socket_path=str(socket_path)).get(
                "repohealth:upkeep:last_run"), timeout=60, interval=0.5,
                message=f"the upkeep job to run:\n{runner.output()}")
            assert last_run
        finally:
            pid = runner.process.pid
            family = ([pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]
                      if runner.process.poll() is None else [])
            runner.interrupt()
        assert runner.said("all stopped"), runner.output()
        wait_for(lambda: not survivors(family), timeout=10, interval=0.1, message="every child of make run to exit")
        assert survivors(family) == []


def send_and_read_answer(port: int, head: str, body: bytes, repeat: int) -> tuple[bytes, int, int, OSError | None]:
    """Send `head` and then `body` `repeat` times from a thread while this one reads the answer:
    (everything read until the server closed the connection, bytes of body sent when the answer's
    first line arrived, bytes sent in all, the error that stopped the sending)."""
    client = socket.create_connection(("127.0.0.1", port), timeout=30)
    client.sendall(head.encode())
    sent, stopped_by = 0, None

    def send() -> None:
        nonlocal sent, stopped_by
        try:
            for _ in range(repeat):
                client.sendall(body)
                sent += len(body)
        except OSError as error:
            stopped_by = error

    sender = threading.Thread(target=send, daemon=True)
    with client:
        sender.start()
        answer = client.recv(65536)
        sent_when_answered = sent
        while chunk := client.recv(65536):  # until the server closes; a timeout fails the test
            answer += chunk
        sender.join(30)
    return answer, sent_when_answered, sent, stopped_by


def test_make_run_serves_static_files_and_answers_a_body_too_large_while_it_is_sent_then_closes():
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="rh-web-") as folder:
        runner = Runner(Path(folder), port)
        try:
            runner.wait_until_serving()
            assert runner.children("gunicorn"), runner.output()
            assert runner.page_status("/static/css/app.css") == 200  # DEBUG is off: whitenoise, collected

            total = 30 * 1024 * 1024
            chunk = b"0" * (1024 * 1024)
            answer, sent_when_answered, sent, stopped_by = send_and_read_answer(
                port, f"POST /api/bulk/health-check HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {total}\r\n\r\n",
                chunk, total // len(chunk))
            assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
            assert b"API_MAX_BODY_BYTES" in answer
            assert sent_when_answered < total  # answered while the body was still being sent
            assert sent < total, (sent, stopped_by)
            assert isinstance(stopped_by, (BrokenPipeError, ConnectionResetError)), (sent, stopped_by)

            answer, _, _, _ = send_and_read_answer(
                port, "POST /api/bulk/health-check HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                b"10\r\n" + b"0" * 16 + b"\r\n", 1)
            assert answer.startswith(b"HTTP/1.1 411 "), answer[:200]  # and closed: the read above ended
        finally:
            runner.interrupt()
        assert runner.said("all stopped"), runner.output()
