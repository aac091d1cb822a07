"""What reading a dependency document gives: `Package`, `Invalid`, `Problem` and the result.

A `location` says where in the file something stands: a 1-based line number (line-oriented
formats: requirements.txt, yarn.lock, go.mod, go.sum, Gemfile.lock, SPDX tag-value) or a JSON
pointer (RFC 6901) into the parsed document (JSON, YAML, TOML and XML formats; for XML the
pointer names elements by tag and 0-based index, e.g. ``/components/component/3``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Provenance = Literal["declared", "module_path"]
Location = int | str
TEXT_LIMIT = 300


@dataclass(frozen=True)
class Package:
    """One package the document names.

    ``ecosystem`` is the package-URL type (``npm``, ``pypi``, ``golang``, ``cargo``, ``gem``,
    ``composer``, ``maven``...) or None where the document does not say (an SBOM component
    without a purl). ``name`` is spelled as the file spells it (``@scope/name`` for npm);
    ``version`` is None for an unpinned requirement. ``repository`` is ``"owner/name"`` when the
    file itself tells the GitHub repository (``provenance`` ``"declared"``) or a Go module path
    names it (``"module_path"``); otherwise both are None and a resolver may be asked."""

    ecosystem: str | None
    name: str
    version: str | None
    purl: str | None
    repository: str | None = None
    provenance: Provenance | None = None
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Invalid:
    """An entry that could not be used (nothing of it was kept), and why."""

    location: Location
    text: str
    reason: str

    def as_dict(self) -> dict:
        return {"location": self.location, "text": self.text, "reason": self.reason}


@dataclass(frozen=True)
class Problem:
    """A fault the standard's validator finds with a document that was read all the same
    (a missing relationship, an unknown field); ``location`` is None where it has none."""

    location: Location | None
    reason: str

    def as_dict(self) -> dict:
        return {"location": self.location, "reason": self.reason}


@dataclass
class DependencyResult:
    """``packages``: unique by (ecosystem, name, version) in file order (repeats counted in
    ``duplicates``); ``invalid``: entries not used; ``problems``: the validator's findings."""

    format: str
    packages: list[Package] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates: int = 0


def clip(text: str) -> str:
    text = text.replace("\x00", "\ufffd")
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def pointer(*parts: object) -> str:
    """A JSON pointer from keys and indexes (``~`` and ``/`` escaped as RFC 6901 asks)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
