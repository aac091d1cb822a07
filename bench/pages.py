"""Row `pages_load`: the pages of `make run` under logged-in browsers and progress pollers while a
scan runs, on the web server `make run` starts (gunicorn) and on `make dev`'s (Django's
development server, which `make run` used before). README.md explains it."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from bench import catalog, load, scanning
from bench.harness import Bench, answers, wait_until
from bench.report import Line, Row, ratio
from bench.scanning import Ours
from devserver.processes import Child, free_port

PAGES_SCAN_LATENCY_MS = 150  # a REST scan of 2,000 repositories then lasts longer than the load
PASSWORD = "bench-browser-password"
GOAL_P99_MS = 2000.0
# The two servers, as `make run` and `make dev` start them (devserver.runner.web_command).
SERVERS = {"make_run": (False, "gunicorn"), "make_dev": (True, "runserver, DEBUG on")}
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def pages_load(bench: Bench) -> Row:
    ids = bench.ids(bench.sizes.page_scan_repos)
    prepare_browsers(bench)
    data: dict[str, Any] = {"browsers": bench.sizes.browsers, "pollers": bench.sizes.page_pollers,
                            "seconds": bench.sizes.page_seconds, "catalog": bench.sizes.catalog,
                            "scan": {"mode": "rest", "repositories": len(ids), "latency_ms": PAGES_SCAN_LATENCY_MS}}
    for name, (dev, server) in SERVERS.items():
        with _web_server(bench, name, dev=dev) as url:
            data[name] = {"server": server, **_measure(bench, url, ids)}
    run, dev = data["make_run"], data["make_dev"]
    data["ratio"] = ratio(run["pages"]["p99_ms"], dev["pages"]["p99_ms"])
    data["within_goal"] = run["failures"] == 0 and run["pages"]["p99_ms"] < GOAL_P99_MS
    shown = ("requests_per_s", "p50_ms", "p99_ms", "errors")
    lines = []
    for name in SERVERS:
        figures = data[name]
        note = f"progress p99 {figures['progress']['p99_ms']:,.0f} ms, errors {figures['progress']['errors']}"
        if figures["scan_status_after"] != "running":
            note += f" [red]the scan was {figures['scan_status_after']} before the load ended[/]"
        if name == "make_run":
            note = ("[green]within[/]" if data["within_goal"] else "[red]outside[/]") + (
                f" the goal (no failure, page p99 < {GOAL_P99_MS:,.0f} ms); ") + note
        lines.append(Line(f"{name} ({figures['server']})", {k: figures["pages"][k] for k in shown},
                          data["ratio"] if name == "make_run" else None, note))
    return Row("pages_load", "13. pages under load", data, lines, "page p99 ÷ make dev's")


def _measure(bench: Bench, url: str, ids: list[int]) -> dict[str, Any]:
    """Log the browsers in, start the scan, then load for `page_seconds` while it runs."""
    browsers = [logged_in(url) for _ in range(bench.sizes.browsers)]
    headers = {"Authorization": f"Token {bench.api_token}"}
    runner = Ours("rest", bench.user)
    catalog.reset(full_metadata_due=False)  # health scans: the signals are not due
    bench.fake.configure(latency_ms=PAGES_SCAN_LATENCY_MS)
    with bench.worker() as worker:
        job_id = runner.start(ids)
        try:
            scanning.wait_running(job_id)
            progress = f"{url}/api/bulk/health-check/{job_id}/progress"
            pollers = [(load.session(headers), [progress]) for _ in range(bench.sizes.page_pollers)]
            picker = random.Random(1)
            clients = [(session, [f"{url}/", f"{url}/?health=stale,archived&ordering=-stars",
                                  f"{url}/repositories/{picker.choice(ids)}/", f"{url}/scans/{job_id}/panel"])
                       for session in browsers]
            bench.say(f"  {len(browsers)} browsers and {len(pollers)} pollers for {bench.sizes.page_seconds:g} s")
            results = load.run({"pages": clients, "progress": pollers}, seconds=bench.sizes.page_seconds)
            status, _ = runner.result(job_id)
        finally:
            scanning.cancel(job_id)
            scanning.wait_for_job(job_id, worker, timeout=120)
    pages, progress = results["pages"].figures(), results["progress"].figures()
    return {"pages": pages, "progress": progress, "failures": pages["errors"] + progress["errors"],
            "scan_status_after": status}


def prepare_browsers(bench: Bench) -> None:
    """What a browser needs before it logs in: the bench user's password, and the static files
    collected as `make run` does before it starts gunicorn (the pages load no static file; the
    server finds its folder, and with DEBUG off a page names its files from their manifest)."""
    from django.core.management import call_command

    bench.user.set_password(PASSWORD)
    bench.user.save(update_fields=["password"])
    call_command("collectstatic", interactive=False, verbosity=0)


def logged_in(url: str) -> requests.Session:
    """A browser that has logged in through the login form (before the load starts)."""
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=30)
    token = _CSRF.search(page.text)
    if page.status_code != 200 or token is None:
        raise RuntimeError(f"the login page answered {page.status_code} without a CSRF token")
    answer = session.post(f"{url}/accounts/login/", timeout=30, allow_redirects=False,
                          data={"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
                          headers={"Referer": f"{url}/accounts/login/"})
    if answer.status_code != 302:
        raise RuntimeError(f"logging in answered {answer.status_code}")
    return session


@contextmanager
def _web_server(bench: Bench, name: str, *, dev: bool) -> Iterator[str]:
    """The web server as `make run` (or `make dev`, with DEBUG on as it sets it) starts it."""
    from devserver.runner import web_command

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DJANGO_DEBUG": "1" if dev else "0"}
    child = Child(f"web-{name}", web_command(port, dev=dev), env=env, log=bench.log_dir / f"web-{name}.log")
    try:
        wait_until(lambda: answers(f"{url}/accounts/login/"), child, timeout=60, what=f"the {name} web server")
        yield url
    finally:
        child.stop()

