"""Python's dependency files: ``requirements.txt`` (pinned and unpinned; ``-r``/``-c`` lines
reported, not followed), ``poetry.lock``, ``uv.lock`` (tomllib) and ``Pipfile.lock`` (JSON).
Requirement lines are read with `packaging`; names are kept as written (the purl carries the
PEP 503 form, and repeats are merged by it)."""

from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement

from .collect import Collector
from .loaders import load_json, load_toml
from .model import pointer

_COMMENT = re.compile(r"(^|\s)#.*$")
_OPTION_WITH_VALUE = re.compile(r"\s--?(?:hash|config-settings|global-option|install-option)[=\s]\S+")
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)")
_EDITABLE = re.compile(r"^(-e|--editable)(?:\s+|=)(\S+)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def _logical_lines(text: str):
    """(first line number, line) with comments dropped and backslash continuations joined."""
    start, parts = None, []
    for number, raw in enumerate(text.split("\n"), 1):
        line = _COMMENT.sub("", raw) if "#" in raw else raw
        if start is None:
            start = number
        if line.rstrip().endswith("\\"):
            parts.append(line.rstrip()[:-1])
            continue
        parts.append(line)
        joined = " ".join(p.strip() for p in parts).strip()
        if joined:
            yield start, joined
        start, parts = None, []
    if parts and (joined := " ".join(p.strip() for p in parts).strip()):
        yield start, joined


def _pinned(requirement: Requirement) -> str | None:
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def read_requirements(text: str, col: Collector, doc=None) -> None:
    for number, line in _logical_lines(text):
        if m := _INCLUDE.match(line):
            kind = "requirements" if m[1] in ("-r", "--requirement") else "constraints"
            col.reject(number, line, f"refers to another {kind} file ({m[2]}), which is not read: import it too")
            continue
        if m := _EDITABLE.match(line):
            egg = _EGG.search(m[2])
            if egg is None:
                col.reject(number, line, "an editable install without #egg=NAME names no package")
            else:
                col.package(location=number, ecosystem="pypi", name=egg[1], urls=(m[2],), text=line)
            continue
        if line.startswith("-"):
            continue  # --index-url, --find-links, --pre...: options, not packages
        line = _OPTION_WITH_VALUE.sub("", " " + line).strip()
        try:
            requirement = Requirement(line)
        except InvalidRequirement as e:
            col.reject(number, line, f"not a requirement: {str(e).splitlines()[0]}")
            continue
        col.package(location=number, ecosystem="pypi", name=requirement.name, version=_pinned(requirement),
                    urls=(requirement.url,) if requirement.url else (), text=line)


def _toml_packages(doc: dict, col: Collector, what: str) -> list:
    packages = doc.get("package")
    if not isinstance(packages, list):
        col.problem("/package", f"no [[package]] tables in this {what}: nothing to read")
        return []
    return packages


def read_poetry_lock(text: str, col: Collector, doc=None) -> None:
    doc = load_toml(text, "poetry.lock") if doc is None else doc
    for index, entry in enumerate(_toml_packages(doc, col, "poetry.lock")):
        where = pointer("package", index)
        if not isinstance(entry, dict):
            col.reject(where, str(entry), "expected a table")
            continue
        source = entry.get("source") if isinstance(entry.get("source"), dict) else {}
        if source.get("type") in ("directory", "file"):
            continue  # a local path: the project's own code
        urls = (source.get("url"),) if source.get("type") == "git" else ()
        col.package(location=where, ecosystem="pypi", name=entry.get("name"), version=entry.get("version"),
                    urls=urls, text=str(entry.get("name", "")))


def read_uv_lock(text: str, col: Collector, doc=None) -> None:
    doc = load_toml(text, "uv.lock") if doc is None else doc
    for index, entry in enumerate(_toml_packages(doc, col, "uv.lock")):
        where = pointer("package", index)
        if not isinstance(entry, dict):
            col.reject(where, str(entry), "expected a table")
            continue
        source = entry.get("source") if isinstance(entry.get("source"), dict) else {}
        if {"editable", "virtual", "directory", "path"} & source.keys():
            continue  # the project itself or a local folder
        urls = tuple(source[k] for k in ("git", "url") if isinstance(source.get(k), str))
        col.package(location=where, ecosystem="pypi", name=entry.get("name"), version=entry.get("version"),
                    urls=urls, text=str(entry.get("name", "")))


def read_pipfile_lock(text: str, col: Collector, doc=None) -> None:
    doc = load_json(text) if doc is None else doc
    sections = [k for k in ("default", "develop") if isinstance(doc, dict) and isinstance(doc.get(k), dict)]
    if not sections:
        col.problem("", "no 'default' or 'develop' object in this Pipfile.lock: nothing to read")
    for section in sections:
        for name, entry in doc[section].items():
            where = pointer(section, name)
            if not isinstance(entry, dict):
                col.reject(where, name, "expected an object")
                continue
            if "path" in entry:
                continue  # a local path
            version = entry.get("version")
            version = version[2:] if isinstance(version, str) and version.startswith("==") else None
            col.package(location=where, ecosystem="pypi", name=name, version=version,
                        urls=(entry["git"],) if isinstance(entry.get("git"), str) else (), text=name)
