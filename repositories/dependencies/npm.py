"""npm's lockfiles: ``package-lock.json`` / ``npm-shrinkwrap.json`` (v1 nested ``dependencies``,
v2/v3 ``packages``), ``yarn.lock`` v1 (read by hand: no maintained Python parser exists) and
``pnpm-lock.yaml`` (v5 to v9, PyYAML). Names are spelled as the lockfile spells them
(``@scope/name``); the project itself, workspace folders and links are not packages."""

from __future__ import annotations

import re

from .collect import Collector
from .loaders import load_json, load_yaml
from .model import pointer

_NODE_MODULES = "node_modules/"


def _npm_name(spec: str) -> str:
    """``@scope/name@^1`` -> ``@scope/name``; ``name@npm:other@1`` -> ``name``."""
    at = spec.find("@", 1)
    return spec if at < 0 else spec[:at]


# ----------------------------------------------------------------------------- package-lock.json

def read_package_lock(text: str, col: Collector, doc=None) -> None:
    doc = load_json(text) if doc is None else doc
    if not isinstance(doc, dict):
        col.reject("", "", "a package-lock.json is an object")
        return
    packages = doc.get("packages")
    if isinstance(packages, dict):
        _read_packages(packages, col)
    elif isinstance(doc.get("dependencies"), dict):
        _read_v1(doc["dependencies"], col)
    else:
        col.problem("", "no 'packages' (lockfile v2/v3) or 'dependencies' (v1) object: nothing to read")


def _read_packages(packages: dict, col: Collector) -> None:
    for key, entry in packages.items():
        where = pointer("packages", key)
        if key == "" or (_NODE_MODULES not in key and not key.startswith("node_modules")):
            continue  # the project itself, or a workspace folder of it
        if not isinstance(entry, dict):
            col.reject(where, key, "expected an object")
            continue
        if entry.get("link"):
            continue  # a link to a workspace folder, read under its own key
        name = entry.get("name") if isinstance(entry.get("name"), str) else key.rpartition(_NODE_MODULES)[2]
        col.package(location=where, ecosystem="npm", name=name, version=entry.get("version"),
                    urls=_sources(entry), text=key)


def _sources(entry: dict) -> tuple:
    resolved = entry.get("resolved")
    registry = isinstance(resolved, str) and resolved.startswith(("https://registry.", "http://registry."))
    return (resolved,) if isinstance(resolved, str) and not registry else ()


def _read_v1(dependencies: dict, col: Collector) -> None:
    stack = [(("dependencies",), dependencies)]
    while stack:
        path, deps = stack.pop()
        for name, entry in deps.items():
            where = pointer(*path, name)
            if not isinstance(entry, dict):
                col.reject(where, name, "expected an object")
                continue
            version = entry.get("version")
            urls = _sources(entry)
            if isinstance(version, str) and not version[:1].isdigit():
                urls, version = urls + (version,), None  # v1 writes a git dependency's URL as its version
            col.package(location=where, ecosystem="npm", name=name, version=version, urls=urls, text=name)
            if isinstance(entry.get("dependencies"), dict):
                stack.append(((*path, name, "dependencies"), entry["dependencies"]))


# ----------------------------------------------------------------------------- yarn.lock v1

_YARN_FIELD = re.compile(r'^  ("?)([\w-]+)\1 +"?([^"]*)"?$')


def _unquote(s: str) -> str:
    s = s.strip()
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def read_yarn_lock(text: str, col: Collector, doc=None) -> None:
    """Blocks of ``"spec", spec:`` headers at column 0 and two-space fields under them; a
    lockfile of Yarn 2 and later (``__metadata:``) is YAML and read as such."""
    if re.search(r"^__metadata:", text[:4096], re.M):
        _read_yarn_berry(text, col)
        return
    header = None  # (line, text) of the block being read
    fields: dict[str, str] = {}

    def finish() -> None:
        if header is None:
            return
        line, head = header
        specs = [_unquote(s) for s in head.rstrip(":").split(",") if s.strip()]
        names = {_npm_name(s) for s in specs}
        if len(names) != 1 or not specs:
            col.reject(line, head, "a yarn.lock entry names more than one package" if names else "no package name")
            return
        spec = specs[0]
        urls = tuple(u for u in (fields.get("resolved"), spec[len(_npm_name(spec)) + 1:]) if u)
        if "version" not in fields:
            col.reject(line, head, "no version")
            return
        col.package(location=line, ecosystem="npm", name=names.pop(), version=fields["version"],
                    urls=tuple(u for u in urls if "github" in u), text=head)

    for number, raw in enumerate(text.split("\n"), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw.startswith(" "):
            finish()
            fields = {}
            if raw.rstrip().endswith(":"):
                header = (number, raw.rstrip())
            else:
                header = None
                col.reject(number, raw, "expected an entry header ending in ':'")
        elif header is not None and (m := _YARN_FIELD.match(raw.rstrip())):
            fields.setdefault(m[2], m[3])
    finish()


def _read_yarn_berry(text: str, col: Collector) -> None:
    doc = load_yaml(text, "yarn.lock")
    for key, entry in doc.items() if isinstance(doc, dict) else ():
        if key == "__metadata":
            continue
        where = pointer(key)
        resolution = entry.get("resolution") if isinstance(entry, dict) else None
        if not isinstance(resolution, str):
            col.reject(where, str(key), "no resolution")
            continue
        if "@workspace:" in resolution or entry.get("linkType") == "soft":
            continue  # the project itself or a workspace of it
        name = _npm_name(resolution)
        source = resolution[len(name) + 1:]
        col.package(location=where, ecosystem="npm", name=name, version=entry.get("version"),
                    urls=(source,) if "github" in source else (), text=str(key))


# ----------------------------------------------------------------------------- pnpm-lock.yaml

_PEERS = re.compile(r"\(.*\)$|_[^/]*$")


def _pnpm_key(key: str, v5: bool) -> tuple[str, str | None]:
    """``/@s/a/1.0.0_peer@2`` (v5), ``/@s/a@1.0.0(peer@2)`` (v6), ``@s/a@1.0.0`` (v9) -> name, version."""
    key = key.lstrip("/")
    if v5:
        key = _PEERS.sub("", key) if "(" in key else key.split("_", 1)[0]
        name, _, version = key.rpartition("/")
        return (name, version) if name else (key, None)
    key = key.split("(", 1)[0]
    at = key.find("@", 1)
    return (key, None) if at < 0 else (key[:at], key[at + 1:])


def read_pnpm_lock(text: str, col: Collector, doc=None) -> None:
    doc = load_yaml(text, "pnpm-lock.yaml") if doc is None else doc
    if not isinstance(doc, dict):
        col.reject("", "", "a pnpm-lock.yaml is a mapping")
        return
    version = str(doc.get("lockfileVersion", ""))
    v5 = version.startswith("5")
    packages = doc.get("packages")
    if not isinstance(packages, dict):
        col.problem("/packages", "no 'packages' mapping: nothing to read")
        return
    for key, entry in packages.items():
        where = pointer("packages", key)
        if not isinstance(key, str):
            col.reject(where, str(key), "expected a package key")
            continue
        entry = entry if isinstance(entry, dict) else {}
        name, version = _pnpm_key(key, v5)
        name = entry.get("name") if isinstance(entry.get("name"), str) else name
        version = entry.get("version") if isinstance(entry.get("version"), str) else version
        resolution = entry.get("resolution") if isinstance(entry.get("resolution"), dict) else {}
        urls = tuple(u for u in (resolution.get("repo"), resolution.get("tarball")) if isinstance(u, str))
        if version and not version[:1].isdigit():
            urls, version = urls + (version,), None  # a git or URL dependency's key holds its source
        col.package(location=where, ecosystem="npm", name=name, version=version,
                    urls=tuple(u for u in urls if "github" in u), text=key)
