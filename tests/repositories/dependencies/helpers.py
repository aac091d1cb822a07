"""Shared by the dependency-reader tests: the real files under tests/data/dependencies/ and
short ways to look at a result."""

from pathlib import Path

import pytest

from repositories.dependencies import DependencyResult, ImportRefused, parse

DATA = Path(__file__).resolve().parents[2] / "data" / "dependencies"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def rows(result: DependencyResult) -> list[tuple]:
    """(name, version, repository, provenance) per package, in file order."""
    return [(p.name, p.version, p.repository, p.provenance) for p in result.packages]


def refusal(data, **kwargs) -> ImportRefused:
    with pytest.raises(ImportRefused) as info:
        parse(data, **kwargs)
    return info.value
