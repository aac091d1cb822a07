"""Rust: ``Cargo.lock`` (tomllib). Packages without a ``source`` are the workspace's own crates.
A registry source (``registry+https://github.com/rust-lang/crates.io-index``) is where the index
lives, not the crate's repository; a ``git+`` source is."""

from __future__ import annotations

from .collect import Collector
from .loaders import load_toml
from .model import pointer


def read_cargo_lock(text: str, col: Collector, doc=None) -> None:
    doc = load_toml(text, "Cargo.lock") if doc is None else doc
    packages = doc.get("package")
    if not isinstance(packages, list):
        col.problem("/package", "no [[package]] tables in this Cargo.lock: nothing to read")
        return
    for index, entry in enumerate(packages):
        where = pointer("package", index)
        if not isinstance(entry, dict):
            col.reject(where, str(entry), "expected a table")
            continue
        source = entry.get("source")
        if not isinstance(source, str):
            continue  # a crate of the workspace itself
        urls = (source[len("git+"):],) if source.startswith("git+") else ()
        col.package(location=where, ecosystem="cargo", name=entry.get("name"), version=entry.get("version"),
                    urls=urls, text=str(entry.get("name", "")))
