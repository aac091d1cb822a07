"""The line a package's JSON pointer stands on, for reports that point at the file (SARIF's
`region.startLine`): the readers keep a line for line-oriented formats and a JSON pointer for
the others (`model`), and the pointer is turned into a line here, only when a report asks.

- JSON (CycloneDX, SPDX, package-lock.json, composer.lock, Pipfile.lock): the line of the entry's
  key, or of its value within an array, found by one pass over the text's tokens;
- TOML (poetry.lock, uv.lock, Cargo.lock): ``/package/N`` is the N+1th ``[[package]]`` header;
- YAML (pnpm-lock.yaml): the line of the key, from PyYAML's node tree (its positions);
- XML: none (the report names the file without a line).

A pointer it cannot place is left out: a report then names the file without a line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from ..spans import line_and_column, line_starts

JSON_FORMATS = frozenset({"cyclonedx-json", "spdx-json", "spdx3-json", "package-lock", "composer-lock",
                          "pipfile-lock"})
TOML_FORMATS = frozenset({"poetry-lock", "uv-lock", "cargo-lock"})
YAML_FORMATS = frozenset({"pnpm-lock"})

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
_TOML_PACKAGE = re.compile(r"^[ \t]*\[\[[ \t]*package[ \t]*\]\]", re.M)


def segments(pointer: str) -> tuple[str, ...]:
    """RFC 6901: "/packages/node_modules~1a" -> ("packages", "node_modules/a")."""
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:])


def pointer_lines(text: str, fmt: str, pointers: Iterable[str]) -> dict[str, int]:
    """pointer -> 1-based line, for the pointers of `text` (a document of format `fmt`) it can place."""
    wanted = {segments(p): p for p in pointers if p.startswith("/")}
    if not wanted:
        return {}
    if fmt in JSON_FORMATS:
        found = _JsonPlaces(text, set(wanted)).lines
    elif fmt in TOML_FORMATS:
        found = _toml_lines(text, set(wanted))
    elif fmt in YAML_FORMATS:
        found = _yaml_lines(text, set(wanted))
    else:
        found = {}
    return {wanted[path]: line for path, line in found.items()}


class _JsonPlaces:
    """One pass over a JSON text (already known to be valid) that notes where each wanted path
    stands. Each open container is a frame: [path, is_object, next index or key, key offset, expecting a key]."""

    def __init__(self, text: str, wanted: set[tuple[str, ...]]) -> None:
        self.wanted, self.depth = wanted, max(len(path) for path in wanted)
        self.starts = line_starts(text)
        self.lines: dict[tuple[str, ...], int] = {}
        self.frames: list[list] = []
        for match in _TOKEN.finditer(text):
            self._token(match.group(), match.start())

    def _token(self, token: str, offset: int) -> None:
        first = token[0]
        top = self.frames[-1] if self.frames else None
        if first in "}]":
            self.frames.pop()
        elif first == ",":
            top[4] = top[1]  # an object expects its next key
        elif first == ":":
            return
        elif first == '"' and top is not None and top[4]:
            top[2] = json.loads(token) if "\\" in token else token[1:-1]
            top[3], top[4] = offset, False
        else:
            self._value(top, offset, container=first in "{[", is_object=first == "{")

    def _value(self, top: list | None, offset: int, *, container: bool, is_object: bool) -> None:
        if top is None:
            path = ()
        elif top[1]:
            path, offset = (*top[0], top[2]), top[3]
        else:
            path = (*top[0], str(top[2]))
            top[2] += 1
        if path in self.wanted:
            self.lines[path] = line_and_column(self.starts, offset)[0]
        if container:
            self.frames.append([path, is_object, None if is_object else 0, None, is_object])


def _toml_lines(text: str, wanted: set[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    """``/package/N``: the lockfiles write their packages as ``[[package]]`` tables, in order."""
    starts = line_starts(text)
    headers = [line_and_column(starts, m.start())[0] for m in _TOML_PACKAGE.finditer(text)]
    found = {}
    for path in wanted:
        if len(path) == 2 and path[0] == "package" and path[1].isdigit() and int(path[1]) < len(headers):
            found[path] = headers[int(path[1])]
    return found


def _yaml_lines(text: str, wanted: set[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    import yaml

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError):
        return {}
    found: dict[tuple[str, ...], int] = {}
    _yaml_walk(root, (), max(len(path) for path in wanted), wanted, found)
    return found


def _yaml_walk(node, path: tuple[str, ...], depth: int, wanted: set, found: dict) -> None:
    """Note the line of each wanted path under `node` (at `path`), no deeper than `depth`."""
    import yaml

    if len(path) >= depth:
        return
    if isinstance(node, yaml.MappingNode):
        children = [(key.value, value, key.start_mark.line + 1) for key, value in node.value
                    if isinstance(key, yaml.ScalarNode)]
    elif isinstance(node, yaml.SequenceNode):
        children = [(str(index), item, item.start_mark.line + 1) for index, item in enumerate(node.value)]
    else:
        return
    for name, child, line in children:
        here = (*path, name)
        if here in wanted:
            found[here] = line
        _yaml_walk(child, here, depth, wanted, found)
