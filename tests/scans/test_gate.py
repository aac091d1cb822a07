"""`runscan --file LOCKFILE --check`, the CI gate of a dependency document, against the fake
GitHub and the fake deps.dev: exit codes 0/1/2, each report format, --fail-on and its default,
and README.md's CI job run as written."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from io import StringIO
from pathlib import Path
from unittest import mock
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from repositories.models import Repository
from repositories.services import repository_set_maintenance
from scans.gate.reports import SARIF_SCHEMA, artifact_uri
from scans.gate.verdict import CONDITIONS, conditions_of
from tests.conftest import BASE_DIR
from tests.repositories.dependencies.helpers import read
from tests.scans.scanning import RECENT, run, track

pytestmark = pytest.mark.django_db
README = BASE_DIR / "README.md"
CATALOG = [
    {"full_name": "pallets/flask", "pushed_at": RECENT},
    {"full_name": "acme/stacky", "archived": True},
    {"full_name": "acme/said", "pushed_at": RECENT},
]  # nobody/gone is not on the fake: 404
REQUIREMENTS = """\
# what the service needs
flask==3.0.0
stacky==1.0
said==0.9
gone==2.0
mystery==0.1
"""  # mystery: deps.dev knows no repository for it
PYPI = {"flask": ("3.0.0", "github.com/pallets/flask"), "stacky": ("1.0", "github.com/acme/stacky"),
        "said": ("0.9", "github.com/acme/said"), "gone": ("2.0", "github.com/nobody/gone")}
DEFAULT = "archived,deprecated,not_found,blocked,name_reused"


@pytest.fixture
def fakes(fake_github, fake_depsdev):
    fake_github.load_catalog(CATALOG)
    for name, (version, repository) in PYPI.items():
        fake_depsdev.add("pypi", name, {version: (repository, "PYPI_PUBLISH_ATTESTATION")})
    # A person said acme/said is over (the verdict deprecated, whatever a scan finds).
    said = Repository.objects.create(full_name="acme/said", imported_name="acme/said")
    repository_set_maintenance(repository=said, override="deprecated", note="use pallets/flask")
    return fake_github, fake_depsdev


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def requirements(fakes, tmp_path) -> Path:
    return write(tmp_path, "requirements.txt", REQUIREMENTS)


def gate(path: Path, *args: str) -> tuple[int, str]:
    """`manage.py runscan --file PATH --check --recheck-after 0 ARGS` in this process: (exit code,
    stdout), or (the error's exit code, its message) when it refuses."""
    out = StringIO()
    try:
        with mock.patch("sys.stdout", out), pytest.raises(SystemExit) as exited:
            call_command("runscan", "--file", str(path), "--check", "--recheck-after", "0", *args)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return exited.value.code, out.getvalue()


def runscan(app_env, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = app_env(DEPSDEV_API_URL=settings.DEPSDEV_API_URL)
    return subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), "runscan", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize(("fields", "met"), [
    ({"health": "healthy", "maintenance": "active"}, ()),
    ({"health": "archived", "maintenance": "deprecated"}, ("archived", "deprecated")),
    ({"health": "stale", "maintenance": "inactive"}, ("inactive",)),
    ({"health": "moved", "name_reused": True}, ("name_reused", "moved")),
    ({"health": "blocked"}, ("blocked",)),
    ({"health": "not_found"}, ("not_found",)),
])
def test_the_conditions_a_repository_meets(fields, met):
    assert conditions_of(Repository(full_name="acme/x", **fields)) == met
    assert conditions_of(None) == ("unmapped",)


# --- exit codes and the text report -----------------------------------------------------------------
def test_the_default_fails_on_archived_deprecated_and_gone_and_lists_them_in_a_table(requirements):
    code, out = gate(requirements)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{requirements} (requirements)"
    assert lines[1].split() == ["line", "package", "repository", "health", "maintenance", "conditions"]
    table = [line.split(None, 6) for line in lines[2:5]]
    assert [row[:4] for row in table] == [["FAIL", "3", "stacky@1.0", "(pypi)"], ["FAIL", "4", "said@0.9", "(pypi)"],
                                          ["FAIL", "5", "gone@2.0", "(pypi)"]]
    assert "acme/stacky  archived" in lines[2]
    assert lines[5] == "5 packages → 4 repositories: 1 archived, 1 deprecated, 1 not found, 1 not mapped"
    assert lines[6] == "Not mapped (1 no repository known): counted, never failing the gate without --fail-on unmapped"
    assert lines[7] == (f"Gate failed: 3 packages meet --fail-on {DEFAULT}; their 3 repositories: "
                        "1 archived, 1 deprecated, 1 not found")
    assert "flask" not in out  # healthy
    assert "mystery" not in out  # not mapped: counted only


def test_the_reasons_a_package_is_not_mapped_are_counted_by_kind_and_each_row_keeps_its_own(fakes, tmp_path):
    fake_depsdev = fakes[1]
    for name in ("faraway", "distant"):
        fake_depsdev.add("pypi", name, {"1.0": (f"gitlab.com/acme/{name}", "UNVERIFIED_METADATA")})
    path = write(tmp_path, "requirements.txt", "flask==3.0.0\nfaraway==1.0\ndistant==1.0\nmystery==0.1\n")
    code, out = gate(path)
    assert code == 0
    assert ("Not mapped (2 source repository not on GitHub, 1 no repository known): "
            "counted, never failing the gate without --fail-on unmapped") in out.splitlines()
    report = json.loads(gate(path, "--format", "json")[1])
    reasons = {row["name"]: row["reason"] for row in report["packages"] if row["repository"] is None}
    assert reasons["faraway"] == "source repository not on GitHub: gitlab.com/acme/faraway"


def test_the_verdict_counts_packages_and_breaks_them_down_by_repository_as_the_summary_does(fakes, tmp_path):
    fake_depsdev = fakes[1]
    fake_depsdev.add("pypi", "stacky-extras", {"1.0": ("github.com/acme/stacky", "UNVERIFIED_METADATA")})
    path = write(tmp_path, "requirements.txt", "stacky==1.0\nstacky-extras==1.0\nmystery==0.1\n")
    lines = gate(path, "--fail-on", "archived,unmapped")[1].splitlines()
    assert lines[-2] == "3 packages → 1 repository: 1 archived, 1 not mapped"
    assert lines[-1] == ("Gate failed: 3 packages meet --fail-on archived,unmapped; their repository: "
                         "1 archived, 1 not mapped")
    assert gate(path, "--fail-on", "unmapped")[1].splitlines()[-1] == (
        "Gate failed: 1 package meets --fail-on unmapped: 1 not mapped")


def test_nothing_that_matches_exits_0_and_a_package_not_mapped_never_fails_by_default(fakes, tmp_path):
    path = write(tmp_path, "requirements.txt", "flask==3.0.0\nmystery==0.1\n")
    code, out = gate(path, "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["passed"] is True
    assert report["fail_on"] == DEFAULT.split(",")
    assert report["summary"]["text"] == "2 packages → 1 repository: 1 not mapped"
    assert report["summary"]["counts"] == {name: int(name == "unmapped") for name in CONDITIONS}
    flask, mystery = report["packages"]
    stored = Repository.objects.get(full_name="pallets/flask")  # its reasons: sentences with the scan's dates
    assert stored.maintenance_reasons  # a commit 3 days ago, a few in the year: quiet
    assert flask == {"ecosystem": "pypi", "name": "flask", "version": "3.0.0", "purl": "pkg:pypi/flask@3.0.0",
                     "line": 1, "location": "1",
                     "repository": {"full_name": "pallets/flask", "health": "healthy", "health_detail": "active",
                                    "maintenance": "quiet", "reasons": [r["text"] for r in stored.maintenance_reasons],
                                    "name_reused": False},
                     "provenance": "resolver:PYPI_PUBLISH_ATTESTATION", "reason": None, "conditions": [], "fails": []}
    assert (mystery["repository"], mystery["reason"]) == (None, "no repository known")
    assert (mystery["conditions"], mystery["fails"]) == (["unmapped"], [])

    assert gate(path, "--fail-on", "unmapped")[0] == 1


def test_the_issue_s_fail_on_fails_on_inactive_too_and_json_says_which_condition(requirements):
    flask = Repository.objects.create(full_name="pallets/flask", imported_name="pallets/flask")
    repository_set_maintenance(repository=flask, override="inactive", note="nobody answers")
    code, out = gate(requirements, "--fail-on", "archived,deprecated,inactive,not_found,name_reused",
                     "--format", "json")
    assert code == 1
    fails = {p["name"]: p["fails"] for p in json.loads(out)["packages"]}
    assert fails == {"flask": ["inactive"], "stacky": ["archived"], "said": ["deprecated"], "gone": ["not_found"],
                     "mystery": []}
    said = next(p for p in json.loads(out)["packages"] if p["name"] == "said")
    assert said["repository"]["reasons"] == ["marked deprecated: 'use pallets/flask'"]

    code, out = gate(requirements, "--fail-on", "inactive")
    assert code == 1
    assert out.splitlines()[-1] == "Gate failed: 1 package meets --fail-on inactive; its repository: 1 inactive"


def test_a_name_now_held_by_a_stranger_fails_the_gate(fakes, tmp_path):
    fake_github, fake_depsdev = fakes
    fake_github.load_catalog([{"id": 501, "full_name": "acme/widget", "pushed_at": RECENT}])
    (widget,) = track("acme/widget")
    run([widget])
    fake_github.patch_repo("acme/widget", full_name="acme/widget-pro")  # renamed: the old name redirects
    run([widget])
    fake_github.load_catalog([{"id": 999, "full_name": "acme/widget", "pushed_at": RECENT}])  # taken
    fake_depsdev.add("pypi", "widget", {"1.0": ("github.com/acme/widget", "UNVERIFIED_METADATA")})
    code, out = gate(write(tmp_path, "requirements.txt", "widget==1.0\n"), "--format", "json")
    assert code == 1
    (package,) = json.loads(out)["packages"]
    assert package["repository"]["full_name"] == "acme/widget-pro"
    assert package["fails"] == ["name_reused"]
    code, out = gate(write(tmp_path, "requirements.txt", "widget==1.0\n"), "--format", "junit")
    assert ElementTree.fromstring(out).find("testsuite/testcase/failure").get("message") == (
        "widget@1.0 (pypi): its repository acme/widget-pro is at risk of repo-jacking: its old name acme/widget "
        "now belongs to another repository (GitHub id 999)")


# --- the other formats --------------------------------------------------------------------------------
def test_junit_has_a_case_per_package_and_a_failure_naming_package_repository_and_why(requirements):
    code, out = gate(requirements, "--format", "junit")
    assert code == 1
    suite = ElementTree.fromstring(out).find("testsuite")
    cases = suite.findall("testcase")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "3", "1")
    assert len(cases) == 5
    failures = {case.get("name"): case.find("failure") for case in cases if case.find("failure") is not None}
    assert failures["stacky@1.0 (pypi) -> acme/stacky"].get("message") == \
        "stacky@1.0 (pypi): its repository acme/stacky is archived"
    assert failures["gone@2.0 (pypi) -> nobody/gone"].get("type") == "not_found"
    assert [case.find("skipped").get("message") for case in cases if case.find("skipped") is not None] == [
        "maps to no repository (no repository known)"]


def test_sarif_of_a_package_lock_points_at_each_package_s_line(fakes, tmp_path):
    _, fake_depsdev = fakes
    fake_depsdev.add("npm", "@babel/code-frame", {"7.23.5": ("github.com/acme/stacky", "SLSA_ATTESTATION")})
    fake_depsdev.add("npm", "follow-redirects", {"1.15.6": ("github.com/nobody/gone", "UNVERIFIED_METADATA")})
    lockfile = tmp_path / "package-lock.json"
    lockfile.write_bytes(read("package-lock.json"))
    code, out = gate(lockfile, "--format", "sarif")
    assert code == 1

    log = json.loads(out)
    assert (log["version"], log["$schema"]) == ("2.1.0", SARIF_SCHEMA)
    (sarif_run,) = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "RepoHealth"
    assert [rule["id"] for rule in driver["rules"]] == list(CONDITIONS)
    results = {r["ruleId"]: r for r in sarif_run["results"]}
    assert set(results) == {"archived", "not_found"}
    for result in results.values():
        assert result["level"] == "error"
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == lockfile.as_uri()
    lines = lockfile.read_text().splitlines()
    archived = results["archived"]
    assert archived["message"]["text"] == "@babel/code-frame@7.23.5 (npm): its repository acme/stacky is archived"
    start = archived["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert lines[start - 1].strip() == '"node_modules/@babel/code-frame": {'
    start = results["not_found"]["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert lines[start - 1].strip() == '"node_modules/follow-redirects": {'


@pytest.mark.parametrize(("given", "uri"), [("package-lock.json", "package-lock.json"),
                                             ("web/my lock.json", "web/my%20lock.json"),
                                             ("/srv/app/package-lock.json", "file:///srv/app/package-lock.json")])
def test_sarif_names_a_relative_file_as_given_and_an_absolute_one_by_its_file_uri(given, uri):
    assert artifact_uri(given) == uri


def test_markdown_is_a_table_of_what_fails_for_a_pr_comment(requirements):
    code, out = gate(requirements, "--format", "markdown")
    assert code == 1
    assert out.startswith(f"### :x: RepoHealth: `{requirements}`\n")
    rows = [line for line in out.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert rows == ["| 3 | `stacky@1.0 (pypi)` | acme/stacky | its repository acme/stacky is archived |",
                    "| 4 | `said@0.9 (pypi)` | acme/said | its repository acme/said is deprecated "
                    "(marked deprecated: 'use pallets/flask') |",
                    "| 5 | `gone@2.0 (pypi)` | nobody/gone | its repository nobody/gone is not found on GitHub "
                    "(deleted, private or never existed) |"]


def test_output_writes_the_report_to_a_file_and_nothing_to_stdout(requirements, tmp_path):
    code, out = gate(requirements, "--format", "json", "--output", str(tmp_path / "gate.json"))
    assert (code, out) == (1, "")
    assert json.loads((tmp_path / "gate.json").read_text())["passed"] is False


# --- wrong arguments and failures: exit code 2 ----------------------------------------------------------
@pytest.mark.parametrize(("args", "named"), [
    (("--fail-on", "archived,abandoned"), "unknown condition abandoned"),
    (("--fail-on", ","), "name at least one of"),
    (("--fix",), "--fix rewrites lists of links"),
])
def test_wrong_arguments_for_a_lockfile_exit_2_naming_what_is_wrong(requirements, args, named):
    code, message = gate(requirements, *args)
    assert code == 2
    assert named in message


@pytest.mark.parametrize(("args", "named"), [(("--format", "sarif"), "sarif"),
                                             (("--fail-on", "archived"), "--fail-on")])
def test_gate_options_on_a_list_of_links_exit_2(fakes, tmp_path, args, named):
    code, message = gate(write(tmp_path, "README.md", "- [Flask](https://github.com/pallets/flask)\n"), *args)
    assert code == 2
    assert named in message


def test_an_unknown_condition_exits_2_from_the_command_line(app_env, requirements):
    done = runscan(app_env, "--file", "requirements.txt", "--check", "--fail-on", "archived,stale",
                   cwd=requirements.parent)
    assert done.returncode == 2
    assert "--fail-on: unknown condition stale" in done.stderr


def test_a_failed_scan_exits_2(app_env, requirements, fake_github):
    fake_github.configure(tokens="the-right-one")
    done = subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), "runscan", "--file", "requirements.txt",
                           "--check"], cwd=requirements.parent, capture_output=True, text=True, timeout=180,
                          env=app_env(GITHUB_TOKEN="a-wrong-one", DEPSDEV_API_URL=settings.DEPSDEV_API_URL))
    assert done.returncode == 2, done.stderr
    assert "failed" in done.stderr


# --- README.md's CI job -----------------------------------------------------------------------------------
def ci_job_command() -> str:
    """The runscan line of README.md's CI gate job, exactly as written there."""
    job = README.read_text().split("<!-- ci-gate -->", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    return next(line.split("- run: ", 1)[1] for line in job.splitlines() if "manage.py runscan" in line)


def test_the_readme_ci_job_fails_the_build_with_a_sarif_result_per_match(app_env, requirements):
    command = ci_job_command()
    assert command.startswith("../repohealth/.venv/bin/python ../repohealth/manage.py runscan --file requirements.txt")
    command = command.replace("../repohealth/.venv/bin/python", shlex.quote(sys.executable), 1)
    command = command.replace("../repohealth/manage.py", shlex.quote(str(BASE_DIR / "manage.py")), 1)
    done = subprocess.run(command, shell=True, cwd=requirements.parent, capture_output=True, text=True, timeout=180,
                          env=app_env(DEPSDEV_API_URL=settings.DEPSDEV_API_URL))
    assert done.returncode == 1, done.stderr
    results = json.loads((requirements.parent / "dependencies.sarif").read_text())["runs"][0]["results"]
    assert sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results) == [
        ("archived", 3), ("deprecated", 4), ("not_found", 5)]
    assert "Gate failed: 3 packages" in done.stderr
