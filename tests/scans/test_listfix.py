"""`runscan --file LIST --check|--fix` against the fake GitHub, as a CI job runs it: exit codes,
the file written in place with its .orig, the reports, and docs/fix-the-list.md's CI job run exactly."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.conftest import BASE_DIR

FIX_THE_LIST = BASE_DIR / "docs" / "fix-the-list.md"
FIXTURE = BASE_DIR / "tests" / "data" / "awesome-fix.md"
CATALOG = [
    {"full_name": "new-owner/flexbox", "previous_names": ["old-owner/flexbox"]},
    {"full_name": "pixelworks/pixel", "previous_names": ["old-owner/pixel"]},
    {"full_name": "acme/gridly"}, {"full_name": "acme/gridly-extras"}, {"full_name": "acme/painter"},
    {"full_name": "acme/healthy"}, {"full_name": "acme/stacky", "archived": True},
]  # nobody/gone and nobody/gone-too are not on the fake: 404


@pytest.fixture
def listing(fake_github, tmp_path) -> Path:
    fake_github.load_catalog(CATALOG)
    path = tmp_path / "README.md"
    path.write_bytes(FIXTURE.read_bytes())
    return path


def runscan(app_env, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), "runscan", *args], cwd=cwd,
                          env=app_env(), capture_output=True, text=True, timeout=180)


def ci_job_command() -> str:
    """The runscan line of docs/fix-the-list.md's CI job, exactly as written there."""
    job = FIX_THE_LIST.read_text().split("<!-- ci-job -->", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    assert len(job.strip().splitlines()) == 10
    return next(line.split("- run: ", 1)[1] for line in job.splitlines() if "manage.py runscan" in line)


def test_the_documented_ci_job_fails_the_build_with_a_junit_case_per_broken_link(app_env, listing):
    command = ci_job_command()
    assert command.startswith("../repohealth/.venv/bin/python ../repohealth/manage.py runscan --file README.md")
    # the job's checkout of RepoHealth is this one; everything after the two paths is run as written
    command = command.replace("../repohealth/.venv/bin/python", shlex.quote(sys.executable), 1)
    command = command.replace("../repohealth/manage.py", shlex.quote(str(BASE_DIR / "manage.py")), 1)
    done = subprocess.run(command, shell=True, cwd=listing.parent, env=app_env(), capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 1, done.stderr
    suite = ElementTree.parse(listing.parent / "links.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    failed = {case.find("failure").get("type") for case in cases}
    assert failed == {"moved", "archived", "dead"}
    assert int(suite.get("failures")) == len(cases) == 8  # 5 moved, 1 archived, 2 dead (confirmed twice)
    assert "checking them again in 5 s" in done.stderr
    assert listing.read_bytes() == FIXTURE.read_bytes()
    assert not (listing.parent / "README.md.orig").exists()


def test_fix_writes_the_corrected_file_in_place_and_keeps_the_original(app_env, listing):
    done = runscan(app_env, "--file", "README.md", "--fix", "--dead", "delete", "--archived", "move",
                   "--recheck-after", "0", cwd=listing.parent)
    assert done.returncode == 1, done.stderr
    assert (listing.parent / "README.md.orig").read_bytes() == FIXTURE.read_bytes()
    fixed = listing.read_text()
    assert "https://github.com/new-owner/flexbox/tree/main/docs" in fixed
    assert "nobody/gone)" not in fixed
    assert fixed.endswith("## Archived\n\n"
                          "- [Stacky](https://github.com/acme/stacky#readme) - Stacks, archived long ago.\n")
    assert "git clone https://github.com/old-owner/flexbox" in fixed  # code is never touched
    assert done.stdout.startswith("README.md fixed (original kept as README.md.orig): 5 moved, 1 archived, 2 dead")


def test_check_exits_0_for_a_list_with_nothing_to_fix_and_reports_json(app_env, listing):
    listing.write_text("# Fine\n\n- [Painter](https://github.com/acme/painter)\n- [Healthy](https://github.com/acme/healthy)\n")
    done = runscan(app_env, "--file", "README.md", "--check", "--format", "json", cwd=listing.parent)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["needs_fixing"] is False
    assert report["changes"] == []
    assert report["diff"] == ""


def test_output_writes_the_report_to_a_file_and_nothing_to_stdout(app_env, listing):
    listing.write_text("# Fine\n\n- [Painter](https://github.com/acme/painter)\n")
    done = runscan(app_env, "--file", "README.md", "--check", "--format", "json", "--output", "report.json",
                   cwd=listing.parent)
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert json.loads((listing.parent / "report.json").read_text())["needs_fixing"] is False


def test_markdown_report_lists_each_change(app_env, listing):
    done = runscan(app_env, "--file", "README.md", "--check", "--format", "markdown", "--dead", "leave",
                   "--archived", "leave", cwd=listing.parent)
    assert done.returncode == 1, done.stderr
    rows = [line for line in done.stdout.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(rows) == 5
    assert all("| moved |" in row for row in rows)


def test_replace_marks_an_archived_repository_that_names_no_successor(app_env, listing):
    done = runscan(app_env, "--file", "README.md", "--check", "--format", "json", "--archived", "replace",
                   "--inactive", "mark", "--recheck-after", "0", cwd=listing.parent)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["counts"]["successor"] == 0
    assert report["counts"]["archived"] == 1
    marked = "+- [Stacky](https://github.com/acme/stacky#readme) (archived) - Stacks, archived long ago."
    assert marked in report["diff"]


@pytest.mark.parametrize("args", [("--check",), ("--check", "--file", "missing.md"),
                                  ("--check", "--file", "README.md", "--dead", "burn"),
                                  ("--check", "--file", "README.md", "--inactive", "delete"),
                                  ("--check", "--fix", "--file", "README.md")])
def test_wrong_arguments_exit_2(app_env, listing, args):
    assert runscan(app_env, *args, cwd=listing.parent).returncode == 2


def test_a_failed_scan_exits_2(app_env, listing, fake_github):
    fake_github.configure(tokens="the-right-one")
    done = subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), "runscan", "--file", "README.md", "--check"],
                          cwd=listing.parent, env=app_env(GITHUB_TOKEN="a-wrong-one", SCAN_MODE="rest"),
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 2
    assert "failed" in done.stderr
    assert listing.read_bytes() == FIXTURE.read_bytes()


def test_check_on_a_list_fix_wrote_exits_0_and_a_badge_keeps_its_markdown(app_env, listing):
    pixel = ("- [Pixel again](https://github.com/{0}/pixel) [![Release](https://github.com/{0}/pixel/actions/workflows/"
             "release.yml/badge.svg)](https://github.com/{0}/pixel/actions) - Moved, with a badge.\n")
    gone = ("- [Gone CI](https://github.com/nobody/gone){0} [![CI](https://github.com/nobody/gone/actions/workflows/"
            "ci.yml/badge.svg)](https://github.com/nobody/gone/actions) - Dead, with a badge.\n")
    listing.write_text(FIXTURE.read_text() + pixel.format("old-owner") + gone.format(""))
    done = runscan(app_env, "--file", "README.md", "--fix", "--recheck-after", "0", cwd=listing.parent)
    assert done.returncode == 1, done.stderr
    fixed = listing.read_bytes()
    assert fixed.decode().endswith(pixel.format("pixelworks") + gone.format(" (dead)"))  # one marker, outside the badge
    again = runscan(app_env, "--file", "README.md", "--check", "--recheck-after", "0", cwd=listing.parent)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout == "README.md: nothing to fix\n"
    assert listing.read_bytes() == fixed


def test_a_link_fixed_away_from_a_reused_name_is_fixed_for_good(app_env, fake_github, tmp_path):
    """A repository renamed, its old name then created by someone else: the fix rewrites the link
    to the current name, and a --check of the fixed list finds nothing (the old name stays reused)."""
    fake_github.load_catalog([{"id": 501, "full_name": "acme/widget"}])
    listing = tmp_path / "README.md"
    listing.write_text("# Tools\n\n- [Widget](https://github.com/acme/widget) - Widgets.\n")
    first = runscan(app_env, "--file", "README.md", "--check", "--recheck-after", "0", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr  # the scan learns its GitHub id
    fake_github.patch_repo("acme/widget", full_name="acme/widget-pro")
    fake_github.load_catalog([{"id": 999, "full_name": "acme/widget"}])  # a stranger, under the old name
    done = runscan(app_env, "--file", "README.md", "--fix", "--recheck-after", "0", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("README.md fixed (original kept as README.md.orig): 1 name reused")
    assert listing.read_text() == "# Tools\n\n- [Widget](https://github.com/acme/widget-pro) - Widgets.\n"
    again = runscan(app_env, "--file", "README.md", "--check", "--recheck-after", "0", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "README.md: nothing to fix\n"), again.stdout + again.stderr
