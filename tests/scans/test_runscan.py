"""`manage.py runscan` as a person runs it: with `--json` the payload alone goes to stdout, and the
progress bar goes to stderr when stderr is a terminal (a pseudo-terminal here) and not otherwise;
an import lists its invalid and skipped lines."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

from repositories.models import Repository
from scans.models import ScanJob
from tests.conftest import BASE_DIR

pytestmark = pytest.mark.integration


def track(fake_github, count: int) -> list[Repository]:
    names = [r["full_name"] for r in fake_github.repositories() if not r.get("flaky")][:count]
    return [Repository.objects.create(full_name=n, imported_name=n) for n in names]


def run_with_terminal_stderr(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run runscan with stdout a pipe and stderr a pseudo-terminal; (exit code, stdout, terminal)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "manage.py", "runscan", *args], cwd=BASE_DIR, env=env,
                               stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end closed: the command has exited
            break
        if not chunk:
            break
        seen += chunk
    stdout = process.stdout.read()
    code = process.wait(timeout=120)
    os.close(leader)
    return code, stdout, seen.decode(errors="replace")


def test_json_on_a_terminal_shows_the_bar_on_stderr_and_only_the_payload_on_stdout(app_env, fake_github):
    repos = track(fake_github, 20)

    code, stdout, terminal = run_with_terminal_stderr(["--all", "--json"], app_env(TERM="xterm"))

    assert code == 0, terminal
    assert json.loads(stdout)["current"] == len(repos)
    assert "Scanning" in terminal
    assert f"{len(repos)}/{len(repos)}" in terminal


def test_json_with_stderr_not_a_terminal_shows_no_bar(app_env, fake_github):
    track(fake_github, 5)

    done = subprocess.run([sys.executable, "manage.py", "runscan", "--all", "--json"], cwd=BASE_DIR,
                          env=app_env(), capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == ScanJob.Status.COMPLETED
    assert "Scanning" not in done.stderr


def test_an_import_lists_its_skipped_links_with_line_and_reason(app_env, fake_github, tmp_path):
    listing = tmp_path / "awesome.md"
    listing.write_text("# Awesome\n\n- [a](https://github.com/acme/tool)\n- [topic](https://github.com/topics/go)\n")

    done = subprocess.run([sys.executable, "manage.py", "runscan", "--file", str(listing), "--import-only"],
                          cwd=BASE_DIR, env=app_env(), capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert "1 new" in done.stdout
    assert "1 non-repository links skipped" in done.stdout
    assert "skipped, line 4: a GitHub page, not a repository (topics): 'https://github.com/topics/go'" in done.stdout


def test_the_former_flag_stale_hours_is_a_hidden_alias_of_unchecked_hours():
    from scans.management.commands.runscan import Command

    parser = Command().create_parser("manage.py", "runscan")
    assert parser.parse_args(["--stale-hours", "24"]).unchecked_hours == 24
    assert parser.parse_args(["--unchecked-hours", "24"]).unchecked_hours == 24
    assert "--unchecked-hours" in parser.format_help()
    assert "--stale-hours" not in parser.format_help()


def test_the_summary_table_counts_the_verdicts_of_the_repositories_it_checked(app_env, fake_github):
    repos = track(fake_github, 6)
    Repository.objects.create(full_name="acme/not-scanned", imported_name="acme/not-scanned", maintenance="finished")

    done = subprocess.run([sys.executable, "manage.py", "runscan", "--ids", ",".join(str(r.id) for r in repos)],
                          cwd=BASE_DIR, env=app_env(), capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in done.stdout.splitlines() if "(verdict)" in line}
    assert list(rows) == [f"{label.lower()} (verdict)" for label in Repository.Maintenance.labels]
    counted = {verdict: int(rows[f"{Repository.Maintenance(verdict).label.lower()} (verdict)"])
               for verdict in Repository.Maintenance.values}
    assert counted == {v: sum(r.maintenance == v for r in Repository.objects.filter(id__in=[x.id for x in repos]))
                       for v in Repository.Maintenance.values}
    assert sum(counted.values()) == len(repos), "the scan's repositories, not the catalog"


def test_a_health_first_scan_follows_its_metadata_pass_and_sums_up_both(app_env, fake_github):
    repos = track(fake_github, 8)

    done = subprocess.run([sys.executable, "manage.py", "runscan", "--all"], cwd=BASE_DIR,
                          env=app_env(SCAN_HEALTH_FIRST_OVER="5"), capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    health = ScanJob.objects.get(scan_pass=ScanJob.Pass.HEALTH)
    follow = ScanJob.objects.get(health_pass=health)
    assert f"Metadata pass {follow.id} of {follow.total} repositories, at 50 % of the rate limit" in done.stdout
    assert f"Health pass {health.id}: completed" in done.stdout
    assert f"Metadata pass {follow.id}: completed" in done.stdout
    assert health.current == len(repos)
    assert follow.current == follow.total == Repository.objects.exclude(health__in=["not_found", "blocked"]).count()
