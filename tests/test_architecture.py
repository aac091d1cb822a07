"""The structure the code promises (docs/architecture.md): dependencies point one way
(watch -> scans -> repositories -> repohealth), nothing deployed imports the tooling that never is,
the GitHub and fetch rooms of scans know nothing of Django, and every path the architecture page
names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
APPS = ("repohealth", "repositories", "scans", "watch")
# Never deployed: our fake GitHub and deps.dev, `make run`'s supervisor and process helpers, the bench, the tests.
TOOLING = ("fakegithub", "fakedepsdev", "devserver", "bench", "tests")
PROJECT = (*APPS, *TOOLING)
# What each package may import of the project's own packages.
ALLOWED = {
    "repohealth": set(),
    "repositories": {"repohealth"},
    "scans": {"repohealth", "repositories"},
    "watch": {"repohealth", "repositories", "scans"},
    "fakegithub": set(),
    "fakedepsdev": set(),
    "devserver": {"repohealth", "fakegithub"},
}
# Rooms that speak to GitHub, and the readers of dependency documents beside the list importers they
# share helpers with: plain Python, no Django, nothing of the project beyond their room (but the
# project's plain-Python reading of timestamps and its HTTP proxy and CA settings).
TIMES = "repohealth.runtime.times"
HTTP = "repohealth.runtime.http"
NO_DJANGO = {"scans/github": {"scans.github", TIMES, HTTP},
             "scans/fetch": {"scans.github", "scans.fetch", TIMES, HTTP},
             "repositories/dependencies": {"repositories.dependencies", "repositories.decoding",
                                           "repositories.names", "repositories.jsonlists"}}
DJANGO = ("django", "rest_framework", "django_rq", "django_filters", "drf_spectacular")


def _modules(folder: str):
    return sorted(p for p in (BASE_DIR / folder).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports by absolute name, inside functions too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _imported_packages(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imports(path)} & set(PROJECT)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_sits_below_it(package):
    wrong = {}
    for path in _modules(package):
        if bad := _imported_packages(path) - ALLOWED[package] - {package}:
            wrong[str(path.relative_to(BASE_DIR))] = sorted(bad)
    assert wrong == {}


@pytest.mark.parametrize("room", sorted(NO_DJANGO))
def test_the_plain_python_rooms_import_no_django_and_nothing_outside_their_room(room):
    wrong = {}
    for path in _modules(room):
        bad = {name for name in _imports(path) if name.split(".")[0] in DJANGO}
        bad |= {name for name in _imports(path) if name.split(".")[0] in PROJECT
                and not name.startswith(tuple(NO_DJANGO[room]))}
        if bad:
            wrong[str(path.relative_to(BASE_DIR))] = sorted(bad)
    assert wrong == {}


def test_the_times_module_the_github_rooms_share_is_plain_python():
    path = BASE_DIR / (TIMES.replace(".", "/") + ".py")
    assert path.exists()
    assert {name for name in _imports(path) if name.split(".")[0] in (*DJANGO, *PROJECT)} == set()


def test_no_repositories_template_loads_a_scans_tag_library_or_includes_a_scans_template():
    templates = sorted((BASE_DIR / "templates" / "repositories").rglob("*.html"))
    assert templates, "templates/repositories/ holds the catalog's own pages"
    offenders = [str(p.relative_to(BASE_DIR)) for p in templates
                 if "scans/" in p.read_text() or "{% load scan" in p.read_text()]
    assert offenders == []


# A path the page names, written from the repository root (a word with a slash), and a module it
# names by its file name alone, inside the room its paragraph is about.
PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]*)`")
FILE = re.compile(r"`([\w-]+\.(?:py|md|html|toml|txt|ini))`")


def test_every_path_the_architecture_page_names_exists():
    text = (BASE_DIR / "docs" / "architecture.md").read_text()
    paths = set(PATH.findall(text))
    assert len(paths) > 30
    assert sorted(path for path in paths if not (BASE_DIR / path).exists()) == []
    files = set(FILE.findall(text))
    missing = [name for name in files if not (BASE_DIR / name).exists() and not any(BASE_DIR.glob(f"*/**/{name}"))]
    assert sorted(missing) == []


def test_the_checker_sees_an_import_that_points_the_wrong_way(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from scans.models import ScanJob\nimport repohealth.runtime.times\n"
                      "def f():\n    from django.conf import settings\n")
    assert _imported_packages(module) == {"scans", "repohealth"}
    assert "django.conf" in _imports(module)
