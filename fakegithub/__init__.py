"""A fake GitHub API server for tests and benchmarks (standard library only).

``FakeGitHub`` serves a repository catalog on 127.0.0.1 with GitHub's REST and GraphQL
answers, rate limits and failures; ``generate_catalog`` builds a realistic catalog.
See ``fakegithub/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalog import generate_catalog
    from .server import FakeGitHub

__all__ = ["FakeGitHub", "generate_catalog"]


def __getattr__(name: str) -> Any:
    """Import lazily, so ``python -m fakegithub.catalog`` runs without a runpy warning."""
    if name == "FakeGitHub":
        from .server import FakeGitHub
        return FakeGitHub
    if name == "generate_catalog":
        from .catalog import generate_catalog
        return generate_catalog
    raise AttributeError(f"module 'fakegithub' has no attribute {name!r}")
