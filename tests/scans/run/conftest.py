"""Fixtures of the engine and writer tests: scans cut into small chunks (tests/scans/scanning.py)."""

from tests.scans.scanning import small_chunks  # noqa: F401 - fixture
