"""Word lists and weighted tables used by the catalog generator.

Kept apart from ``catalog.py`` so the generator reads as logic, not data.
"""

from __future__ import annotations

from random import Random
from typing import Any, Sequence

OWNER_PREFIXES: tuple[str, ...] = (
    "acme", "blue", "bright", "cobalt", "coral", "crimson", "deep", "delta", "ember",
    "falcon", "forge", "granite", "harbor", "iron", "jade", "keystone", "lumen", "maple",
    "meadow", "nimbus", "north", "onyx", "orbit", "pine", "pixel", "quartz", "raven",
    "red", "river", "silver", "solar", "spruce", "stone", "summit", "swift", "tidal",
    "ultra", "vector", "violet", "willow", "zen", "amber", "arctic", "cedar", "copper",
)

OWNER_SUFFIXES: tuple[str, ...] = (
    "labs", "dev", "hq", "works", "io", "tech", "systems", "software", "collective",
    "studio", "org", "group", "foundation", "project", "team", "oss", "code", "cloud",
)

PERSON_FIRST: tuple[str, ...] = (
    "alex", "anna", "ben", "carla", "dan", "elena", "felix", "grace", "hugo", "iris",
    "jan", "kim", "leo", "maya", "nico", "olga", "paul", "quinn", "rosa", "sam",
    "tara", "uma", "viktor", "wen", "yuki", "zoe", "omar", "priya", "lars", "ines",
)

PERSON_LAST: tuple[str, ...] = (
    "smith", "novak", "garcia", "kowalski", "tanaka", "muller", "rossi", "dubois",
    "silva", "jensen", "ivanov", "chen", "kaur", "okafor", "nguyen", "larsen", "weber",
)

REPO_ADJECTIVES: tuple[str, ...] = (
    "fast", "tiny", "simple", "async", "lazy", "smart", "micro", "super", "easy",
    "strict", "quick", "safe", "open", "light", "mini", "hyper", "modern", "clean",
    "rapid", "neat", "bare", "pure", "zero", "auto", "secure", "static", "typed",
)

REPO_NOUNS: tuple[str, ...] = (
    "json", "http", "cache", "router", "parser", "logger", "config", "queue", "cli",
    "orm", "toolkit", "scheduler", "crawler", "proxy", "validator", "mailer", "auth",
    "storage", "metrics", "tracer", "template", "builder", "client", "server", "sdk",
    "runner", "linter", "formatter", "bundler", "graph", "search", "sync", "diff",
    "crypto", "markdown", "yaml", "csv", "image", "video", "socket", "worker", "hooks",
)

REPO_SUFFIXES: tuple[str, ...] = (
    "", "", "", "", "js", "py", "rs", "go", "kit", "lib", "core", "utils", "plus", "ng",
)

# (language, weight); None is a repository GitHub could not classify.
LANGUAGES: tuple[tuple[str | None, int], ...] = (
    ("Python", 22), ("JavaScript", 16), ("TypeScript", 14), ("Go", 10), ("Rust", 8),
    ("Java", 7), ("C++", 4), ("C", 4), ("Ruby", 4), ("PHP", 3), ("Shell", 3),
    ("Kotlin", 2), ("Swift", 2), ("C#", 2), (None, 5),
)

# (spdx id, weight); None is a repository without a detected license.
LICENSES: tuple[tuple[str | None, int], ...] = (
    ("MIT", 40), ("Apache-2.0", 20), ("BSD-3-Clause", 7), ("GPL-3.0", 6), ("BSD-2-Clause", 3),
    ("MPL-2.0", 3), ("LGPL-3.0", 2), ("AGPL-3.0", 2), ("ISC", 3), ("Unlicense", 1),
    ("NOASSERTION", 2), (None, 14),
)

TOPICS: tuple[str, ...] = (
    "python", "javascript", "typescript", "golang", "rust", "cli", "api", "http",
    "json", "database", "devtools", "testing", "web", "framework", "library",
    "async", "performance", "security", "machine-learning", "docker", "kubernetes",
    "monitoring", "parser", "automation", "hacktoberfest", "open-source", "react",
)

DESCRIPTION_TEMPLATES: tuple[str, ...] = (
    "A {adj} {noun} library",
    "{Adj} and dependable {noun} for everyday projects",
    "The {adj} {noun} toolkit",
    "Yet another {noun}, but {adj}",
    "{Adj} {noun} with zero dependencies",
)

# Descriptions of a project that names its successor ({successor} is "owner/name"); each matches
# the scanner's declaring words and its successor patterns (repositories/maintenance.py).
SUCCESSOR_DESCRIPTIONS: tuple[str, ...] = (
    "DEPRECATED: use {successor} instead",
    "Moved to https://github.com/{successor}",
    "Superseded by {successor}",
    "This project is no longer maintained; use {successor} instead.",
)

# Descriptions of a project declared over without a successor ({description}: its own words).
ABANDONED_DESCRIPTIONS: tuple[str, ...] = (
    "{description} (no longer maintained)",
    "[DEPRECATED] {description}",
    "Unmaintained: {description}",
    "{description}. This project is not maintained anymore.",
)


def weighted(rng: Random, table: Sequence[tuple[Any, int]]) -> Any:
    """One value of a ``(value, weight)`` table."""
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights)[0]
