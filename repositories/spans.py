"""Offsets in a document as written: the importers read a normalised copy (no BOM, LF line
ends) and report where each reference stands in the original text, which keeps both."""

from __future__ import annotations

import re
from bisect import bisect_right

_LINE_END = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    """Where each line of `text` begins (CRLF, CR and LF each end a line)."""
    return [0, *(m.end() for m in _LINE_END.finditer(text))]


def line_and_column(starts: list[int], offset: int) -> tuple[int, int]:
    """The 1-based line and 0-based column of `offset`, given `line_starts` of its text."""
    line = bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line]


class OffsetMap:
    """Normalised offsets to original ones: a line's characters are the same in both texts, only
    where the line begins differs (a BOM before the first, two-character CRLF ends)."""

    def __init__(self, normalised: str, original: str, lead: int = 0) -> None:
        """`lead`: the characters cut from the start of `original` (byte-order marks)."""
        self.new_starts = line_starts(normalised)
        self.old_starts = line_starts(original)
        self.old_starts[0] = lead
        self.identity = self.new_starts == self.old_starts

    def __call__(self, offset: int) -> int:
        if self.identity:
            return offset
        line = bisect_right(self.new_starts, offset) - 1
        return offset + self.old_starts[line] - self.new_starts[line]
