"""The catalog's kept counts (repositories/counts.py) against the table.

`counts_hold`: after a test of a write path, what the write path kept is what a count of the
table finds. A test's own rows, written with the ORM behind the counts' back, are counted first
with `recounted()` (as `manage.py recount` would), so that what the test checks is the write path.
"""

from __future__ import annotations

import pytest

from repositories import counts


def recounted() -> None:
    """Count the rows a test wrote with the ORM (no write path keeps counts for them)."""
    counts.recount()


def assert_counts_hold() -> None:
    kept, counted = counts.kept(), counts.counted()
    wrong = {key: (kept[key], counted[key])
             for key in sorted(kept.keys() | counted.keys()) if kept[key] != counted[key]}
    assert not wrong, f"kept counts differ from the table's, as (kept, counted): {wrong}"


@pytest.fixture
def counts_hold():
    """Check the kept counts once the test is done."""
    yield
    assert_counts_hold()
