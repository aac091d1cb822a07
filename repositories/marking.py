"""Where a verdict's marker may go on a line of Markdown (`repositories.fixes`): the line's
constructs (brackets, parentheses, links, images, HTML tags and anchors), the place after a link
that splits none of them, and the cells of a table row.

A link is preferred to a badge (a link whose text is images only), and both to an image or a URL
inside another link's text; the marker goes past every construct around the link, so never
inside `[...]`, `(...)` or a tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REFERENCE = re.compile(r"\ufeff? {0,3}\[[^\]]+\]:")
_TAG = re.compile(r"<[A-Za-z/!][^<>]*>")
_ANCHOR = re.compile(r"<a\b[^<>]*>", re.I)
_IMG = re.compile(r"<img\b", re.I)
_DELIMITER_ROW = re.compile(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_PIPE = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True)
class Group:
    """A construct of a line that a marker must not split: brackets, parentheses or an HTML tag
    (kind ""), a Markdown or HTML link ("link") or image ("image"); `text` is a link's text span."""
    start: int
    end: int
    kind: str = ""
    text: tuple[int, int] | None = None


def constructs(content: str, code: list[tuple[int, int]]) -> list[Group]:
    """The constructs of one line, code spans (`code`) left out."""
    in_code = bytearray(len(content) + 1)
    for a, b in code:
        in_code[a:b] = b"\x01" * (b - a)
    return _bracketed(content, in_code) + _html(content, in_code)


def _bracketed(content: str, in_code: bytearray) -> list[Group]:
    """Links, images and bracketed or parenthesised text, matched as Markdown nests them."""
    groups: list[Group] = []
    brackets: list[int] = []
    parens: list[tuple[int, int | None, int]] = []  # (its "(", the link's "[" when a link's target, its "]")
    at = 0
    while at < len(content):
        char = content[at]
        if in_code[at] or char == "\\":
            at += 1 if in_code[at] else 2
            continue
        if char == "[":
            brackets.append(at)
        elif char == "]" and brackets:
            label = brackets.pop()
            groups.append(Group(label, at + 1))
            if content.startswith("(", at + 1):
                parens.append((at + 1, label, at))
                at += 1
        elif char == "(":
            parens.append((at, None, at))
        elif char == ")" and parens:
            groups.append(_closed(content, parens.pop(), at))
        at += 1
    return groups


def _closed(content: str, paren: tuple[int, int | None, int], at: int) -> Group:
    """What a ")" at `at` closes: plain parentheses, or a link's or an image's target."""
    opened, label, close = paren
    if label is None:
        return Group(opened, at + 1)
    image = content[label - 1:label] == "!"
    return Group(label - image, at + 1, "image" if image else "link", (label + 1, close))


def _html(content: str, in_code: bytearray) -> list[Group]:
    """HTML tags (an <img> is an image) and <a href> anchors, with their text."""
    groups: list[Group] = []
    for m in _TAG.finditer(content):
        if not in_code[m.start()]:
            groups.append(Group(m.start(), m.end(), "image" if _IMG.match(m.group()) else ""))
    for m in _ANCHOR.finditer(content):
        if not in_code[m.start()]:
            close = content.lower().find("</a>", m.end())
            end = close if close >= 0 else len(content) + 1  # closed on a later line: no place on this one
            groups.append(Group(m.start(), end + 4 if close >= 0 else end, "link", (m.end(), end)))
    return groups


def mark_place(content: str, groups: list[Group], start: int, end: int) -> tuple[int, int] | None:
    """(preference, column) of a marker for the link at [start, end): preference 0 for a link, 1 for
    a badge (a link whose text is images only), 2 for an image or a URL inside a link's text; the
    column is past every construct around it. None on a reference definition, or when the link's
    HTML anchor closes on a later line."""
    if _REFERENCE.match(content):
        return None
    around = [g for g in groups if g.start <= start and end <= g.end]
    links = [g for g in around if g.kind == "link"]
    if any(g.kind == "image" for g in around) or any(g.text[0] <= start and end <= g.text[1] for g in links):
        preference = 2
    else:
        innermost = min(links, key=lambda g: g.end - g.start, default=None)
        preference = 1 if innermost is not None and _images_only(content, groups, innermost.text) else 0
    at = end
    while (outer := next((g.end for g in groups if g.start < at < g.end), None)) is not None:
        at = outer
    return None if at > len(content) else (preference, at)


def _images_only(content: str, groups: list[Group], span: tuple[int, int]) -> bool:
    a, b = span
    covered = bytearray(b - a)
    for g in groups:
        if g.kind == "image" and a <= g.start and g.end <= b:
            covered[g.start - a:g.end - a] = b"\x01" * (g.end - g.start)
    return any(covered) and all(covered[i - a] or content[i].isspace() for i in range(a, b))


def table_rows(lines: list[str]) -> set[int]:
    """Indexes of the lines that are rows of a Markdown table (header, delimiter row, body)."""
    rows: set[int] = set()
    for index in range(1, len(lines)):
        if index in rows or "|" not in lines[index] or not _DELIMITER_ROW.fullmatch(lines[index]):
            continue
        row = index - 1
        while row < len(lines) and "|" in lines[row] and lines[row].strip():
            rows.add(row)
            row += 1
    return rows


def cell(content: str, code: list[tuple[int, int]], column: int) -> int:
    """Which cell of a table row `column` is in: the unescaped pipes before it, outside code."""
    return sum(1 for m in _PIPE.finditer(content, 0, column)
               if not any(a <= m.start() < b for a, b in code))
