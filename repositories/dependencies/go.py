"""Go: ``go.mod`` (``require`` lines and blocks; ``replace`` directives reported) and ``go.sum``
(one package per module and version with a source hash). Both read by hand, as no maintained
Python parser exists. A module's repository comes from its path (`github.go_module_repository`);
the module the go.mod itself declares is the project, not a dependency."""

from __future__ import annotations

import re

from .collect import Collector

_DIRECTIVE = re.compile(r"^(module|go|toolchain|godebug|require|replace|exclude|retract|tool|ignore)\b\s*(.*)$")
_REQUIREMENT = re.compile(r'^("?)([^\s"]+)\1\s+(v\S+)$')
_SUM = re.compile(r"^(\S+)\s+(v[^\s/]+)(/go\.mod)?\s+h1:\S+$")


def _strip_comment(line: str) -> str:
    at = line.find("//")
    return (line if at < 0 else line[:at]).strip()


def read_go_mod(text: str, col: Collector, doc=None) -> None:
    block = None
    for number, raw in enumerate(text.split("\n"), 1):
        line = _strip_comment(raw)
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
            else:
                _directive(block, line, number, raw, col)
            continue
        m = _DIRECTIVE.match(line)
        if m is None:
            col.reject(number, raw, "not a go.mod directive")
        elif m[2] == "(":
            block = m[1]
        else:
            _directive(m[1], m[2], number, raw, col)


def _directive(kind: str, rest: str, number: int, raw: str, col: Collector) -> None:
    if kind == "require":
        m = _REQUIREMENT.match(rest)
        if m is None:
            col.reject(number, raw, "expected 'MODULE VERSION'")
        else:
            col.package(location=number, ecosystem="golang", name=m[2], version=m[3], text=raw.strip())
    elif kind == "replace":
        col.problem(number, f"replace directive not applied: {rest[:200]}")


def read_go_sum(text: str, col: Collector, doc=None) -> None:
    """Modules whose go.mod only was hashed were consulted, not built: they are left out."""
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        m = _SUM.match(line)
        if m is None:
            col.reject(number, raw, "expected 'MODULE VERSION h1:HASH'")
        elif not m[3]:
            col.package(location=number, ecosystem="golang", name=m[1], version=m[2], text=line)
