"""PHP: ``composer.lock`` (JSON). ``packages`` and ``packages-dev``; each package's ``source``
URL (or, without one, its ``dist`` archive's) is where Composer fetches it from, so a GitHub
one is declared."""

from __future__ import annotations

from .collect import Collector
from .loaders import load_json
from .model import pointer


def read_composer_lock(text: str, col: Collector, doc=None) -> None:
    doc = load_json(text) if doc is None else doc
    sections = [k for k in ("packages", "packages-dev") if isinstance(doc, dict) and isinstance(doc.get(k), list)]
    if not sections:
        col.problem("", "no 'packages' list in this composer.lock: nothing to read")
    for section in sections:
        for index, entry in enumerate(doc[section]):
            where = pointer(section, index)
            if not isinstance(entry, dict):
                col.reject(where, str(entry)[:100], "expected an object")
                continue
            source, dist = (entry.get(k) if isinstance(entry.get(k), dict) else {} for k in ("source", "dist"))
            if dist.get("type") == "path":
                continue  # a local path repository
            col.package(location=where, ecosystem="composer", name=entry.get("name"), version=entry.get("version"),
                        urls=(source.get("url"), dist.get("url")), text=str(entry.get("name", "")))
