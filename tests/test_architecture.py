"""The structure the code promises (docs/architecture.md): dependencies point one way
(watch -> scans -> repositories -> repohealth) and no module grows past 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
APPS = ("repohealth", "repositories", "scans", "watch")
# What each package may import of the project's own packages.
ALLOWED = {
    "repohealth": set(),
    "repositories": {"repohealth"},
    "scans": {"repohealth", "repositories"},
    "watch": {"repohealth", "repositories", "scans"},
}


def _modules(package: str):
    return sorted(p for p in (BASE_DIR / package).rglob("*.py") if "migrations" not in p.parts)


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(APPS)


@pytest.mark.parametrize("package", APPS)
def test_a_package_imports_only_what_sits_below_it(package):
    wrong = {}
    for path in _modules(package):
        if bad := _imported_packages(path) - ALLOWED[package] - {package}:
            wrong[str(path.relative_to(BASE_DIR))] = sorted(bad)
    assert wrong == {}


def test_no_repositories_template_loads_a_scans_tag_library_or_includes_a_scans_template():
    offenders = [str(p.relative_to(BASE_DIR)) for p in (BASE_DIR / "templates" / "repositories").rglob("*.html")
                 if "scans/" in p.read_text() or "{% load scan" in p.read_text()]
    assert offenders == []


def test_no_module_is_longer_than_400_lines():
    long = {}
    for package in (*APPS, "fakegithub", "bench"):
        for path in _modules(package):
            if (lines := len(path.read_text().splitlines())) > 400:
                long[str(path.relative_to(BASE_DIR))] = lines
    assert long == {}


def test_the_checker_sees_an_import_that_points_the_wrong_way(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from scans.models import ScanJob\nimport repohealth.times\n")
    assert _imported_packages(module) == {"scans", "repohealth"}
