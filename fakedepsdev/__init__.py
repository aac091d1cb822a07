"""A fake deps.dev API (v3) for tests, the demo and the bench (standard library only).

``FakeDepsDev`` serves, on 127.0.0.1, the two answers RepoHealth asks deps.dev for: a package's
versions and one version's related projects. See ``fakedepsdev/README.md``.
"""

from __future__ import annotations

from .server import FakeDepsDev

__all__ = ["FakeDepsDev"]
