"""The fix of a kept document (`Source`): its text with every repository link corrected from
what the catalog now knows, the unified diff, and the list of changes.

    fix = source_fix(source=source, archived="mark", dead="mark")
    fix.text      # the corrected document
    fix.diff      # a unified diff from the document as imported to fix.text
    fix.changes   # [Change(line, kind, old, new)], kind in moved / archived / dead / name_reused

- **moved**: the link is rewritten to the repository's current name in the form it was written
  (scheme, `www.`, trailing slash, `.git`, `#anchor`, `/tree/...` kept), and a Markdown link text
  that is the old owner/name too;
- **archived** (`ARCHIVED`): leave, mark (`marker` appended after the link), or move its list item
  line to an "Archived" section at the end;
- **dead** (not found or blocked, and confirmed: not `suspected`; or, for a one-shot run, the ids
  it confirmed itself, `dead_ids`): leave, mark, or delete its list item line;
- **name_reused**: a name the link uses now belongs to another repository. A link to an old name
  is rewritten to the current name (the project the curator meant), never the other way; a link
  to a current name that was taken over is reported, and left as it is.

Nothing else changes: every character outside the edited spans stays as it was (line ends, BOM,
links inside Markdown code). Marking and moving apply to Markdown (and a `# archived` comment in
a text list); only renames apply to CSV and JSON lists. A line is deleted or moved only when it
is a Markdown list item that holds no other link and has no nested lines under it; otherwise it
is marked.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from repositories.models import Repository, Source, SourceEntry
from repositories.names import InvalidEntry, normalize
from repositories.spans import line_starts

Health = Repository.Health

ARCHIVED_POLICIES = ("leave", "mark", "move")
DEAD_POLICIES = ("leave", "mark", "delete")
KINDS = ("moved", "archived", "dead", "name_reused")
ARCHIVED_MARKER = " (archived)"
DEAD_MARKER = " (dead)"
ARCHIVED_HEADING = "## Archived"
DEAD = (Health.NOT_FOUND, Health.BLOCKED)

_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_OTHER_LINK = re.compile(r"\]\(|https?://|<a\s|(?<![\w.-])(?:www\.)?github\.com/", re.I)


class BadPolicy(ValueError):
    """A policy value that is not one of the choices; `.parameter` names it."""

    def __init__(self, parameter: str, choices: Iterable[str]) -> None:
        super().__init__(f"{parameter} must be one of: {', '.join(choices)}")
        self.parameter = parameter


@dataclass(frozen=True)
class Change:
    line: int
    kind: str
    old: str
    new: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Fix:
    text: str
    diff: str
    changes: list[Change] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted = dict.fromkeys(KINDS, 0)
        for change in self.changes:
            counted[change.kind] += 1
        return counted

    def as_dict(self) -> dict:
        return {"text": self.text, "diff": self.diff, "changes": [c.as_dict() for c in self.changes]}


def check_policies(archived: str, dead: str) -> None:
    if archived not in ARCHIVED_POLICIES:
        raise BadPolicy("archived", ARCHIVED_POLICIES)
    if dead not in DEAD_POLICIES:
        raise BadPolicy("dead", DEAD_POLICIES)


def is_dead(repo: Repository, dead_ids: set[int] | None = None) -> bool:
    """Dead for the fix: not found or blocked, and confirmed (watch: not `suspected`), or among
    the `dead_ids` a one-shot run confirmed by checking twice."""
    if repo.health not in DEAD:
        return False
    return repo.id in dead_ids if dead_ids is not None else not repo.suspected


def renamed_url(url: str, owner: str, name: str, new_full_name: str) -> str | None:
    """`url` with its owner/name replaced by `new_full_name`, the rest kept as written; None
    when the name cannot be found in it."""
    new_owner, _, new_name = new_full_name.partition("/")
    pattern = re.compile(rf"(^|[/:])({re.escape(owner)})/({re.escape(name)})(?=$|[/?#]|\.git\b)", re.I)
    m = pattern.search(url)
    if m is None:
        return None
    return url[:m.start(2)] + new_owner + "/" + new_name + url[m.end(3):]


def _protected(text: str) -> list[tuple[int, int]]:
    """Character ranges of Markdown code (fenced blocks and inline code spans): never edited."""
    ranges, fence, fence_start = [], None, 0
    starts = line_starts(text)
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        line = text[start:end]
        m = _FENCE.match(line.lstrip("\ufeff"))
        if fence is None and m:
            fence, fence_start = m.group(1), start
            continue
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):]:
                ranges.append((fence_start, end))
                fence = None
            continue
        for code in re.finditer(r"(`+)(?!`).+?(?<!`)\1(?!`)", line):
            ranges.append((start + code.start(), start + code.end()))
    if fence is not None:
        ranges.append((fence_start, len(text)))
    return ranges


def _inside(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in ranges)


def _mark_at(line: str, start: int, end: int) -> int | None:
    """Where a marker goes for the link at [start, end) of this line: after the Markdown link or
    autolink that holds it, or after the bare URL; None for reference definitions and HTML."""
    if re.match(r"\ufeff? {0,3}\[[^\]]+\]:", line):
        return None
    before = line[:start]
    if before.endswith("]("):
        close = line.find(")", end)
        return close + 1 if close >= 0 else None
    if before.endswith("<") and line[end:end + 1] == ">":
        return end + 1
    if re.search(r"""(href|src)\s*=\s*["']?$""", before, re.I):
        close = line.lower().find("</a>", end)
        return close + 4 if close >= 0 else None
    return end


class _Line:
    __slots__ = ("number", "content", "ending", "edits", "action", "marks")

    def __init__(self, number: int, content: str, ending: str) -> None:
        self.number, self.content, self.ending = number, content, ending
        self.edits: list[tuple[int, int, str]] = []  # (start, end, replacement) within content
        self.action = ""  # "", "delete" or "move"
        self.marks: dict[int, str] = {}  # column -> marker inserted there

    def result(self) -> str:
        content = self.content
        inserts = [(col, col, text) for col, text in self.marks.items()]
        for start, end, text in sorted(self.edits + inserts, key=lambda e: (e[0], e[1]), reverse=True):
            content = content[:start] + text + content[end:]
        return content


def _split(text: str) -> list[_Line]:
    starts = line_starts(text)
    lines = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        raw = text[start:end]
        body = raw.rstrip("\r\n")
        lines.append(_Line(index + 1, body, raw[len(body):]))
    return lines


def _removable(lines: list[_Line], index: int, column: int, span_end: int) -> bool:
    """A Markdown list item line holding no other link and no nested lines below it."""
    line = lines[index]
    content = line.content.lstrip("\ufeff")
    if not _LIST_ITEM.match(content):
        return False
    rest = line.content[:column].removesuffix("](") + line.content[span_end:]
    if _OTHER_LINK.search(rest):
        return False
    if index + 1 < len(lines):
        below = lines[index + 1].content
        indent = len(content) - len(content.lstrip())
        if below.strip() and len(below) - len(below.lstrip()) > indent:
            return False
    return True


def fix_text(*, text: str, format: str, entries: Iterable[SourceEntry], archived: str = "mark", dead: str = "mark",
             marker: str = ARCHIVED_MARKER, dead_marker: str = DEAD_MARKER, dead_ids: set[int] | None = None,
             filename: str = "list") -> Fix:
    """The fix of `text` (see the module docstring); `entries` carry their repositories."""
    check_policies(archived, dead)
    markdown = format == "markdown"
    lines = _split(text)
    starts = line_starts(text)
    protected = _protected(text) if markdown else []
    changes: list[Change] = []
    by_line: dict[int, list[SourceEntry]] = {}
    for entry in entries:
        by_line.setdefault(entry.line, []).append(entry)
    for _, found in sorted(by_line.items()):
        for entry in found:
            _fix_entry(entry, lines, starts, protected, changes, markdown=markdown, archived=archived, dead=dead,
                       marker=marker, dead_marker=dead_marker, dead_ids=dead_ids, links_on_line=len(found))
    fixed = _assemble(lines, text)
    changes.sort(key=lambda c: (c.line, KINDS.index(c.kind)))
    return Fix(text=fixed, diff=unified_diff(text, fixed, filename), changes=changes)


def _fix_entry(entry: SourceEntry, lines: list[_Line], starts: list[int], protected, changes: list[Change], *,
               markdown: bool, archived: str, dead: str, marker: str, dead_marker: str, dead_ids, links_on_line: int):
    repo = entry.repository
    if repo is None or entry.column is None or entry.line > len(lines):
        return
    line = lines[entry.line - 1]
    start, end = entry.column, entry.end_column
    if line.content[start:end] != entry.url:
        return  # not where the import saw it (should not happen): never edit blindly
    if _inside(protected, starts[entry.line - 1] + start, starts[entry.line - 1] + end):
        return
    try:
        owner, name = normalize(entry.url)
    except InvalidEntry:
        return
    written = f"{owner}/{name}"
    current = written
    if written.lower() != repo.full_name.lower():
        new_url = renamed_url(entry.url, owner, name, repo.full_name)
        if new_url is not None:
            kind = "name_reused" if repo.name_reused else "moved"
            line.edits.append((start, end, new_url))
            changes.append(Change(entry.line, kind, entry.url, new_url))
            current = repo.full_name
            label = line.content.rfind("[", 0, start)
            if markdown and line.content[:start].endswith("](") and label >= 0 \
                    and line.content[label + 1:start - 2].lower() == written.lower():
                line.edits.append((label + 1, start - 2, repo.full_name))
    elif repo.name_reused:
        changes.append(Change(entry.line, "name_reused", entry.url, entry.url))  # reported, never rewritten
    if repo.health == Health.ARCHIVED and archived != "leave":
        _line_policy(line, lines, entry, changes, "archived", archived, marker, markdown, links_on_line, current)
    elif is_dead(repo, dead_ids) and dead != "leave":
        _line_policy(line, lines, entry, changes, "dead", dead, dead_marker, markdown, links_on_line, current)


def _line_policy(line: _Line, lines: list[_Line], entry: SourceEntry, changes: list[Change], kind: str, policy: str,
                 marker: str, markdown: bool, links_on_line: int, current: str) -> None:
    if not markdown:
        if entry.end_column == len(line.content.rstrip()) and policy == "mark":  # a text list: a comment
            line.marks[len(line.content.rstrip())] = f" # {kind}"
            changes.append(Change(entry.line, kind, line.content, line.result()))
        return
    before = line.result()
    if policy in ("move", "delete") and links_on_line == 1 and line.action == "" \
            and _removable(lines, entry.line - 1, entry.column, entry.end_column):
        line.action = policy
        changes.append(Change(entry.line, kind, before, "" if policy == "delete" else before.lstrip(" \t\ufeff")))
        return
    at = _mark_at(line.content, entry.column, entry.end_column)
    if at is None or at in line.marks:
        return
    line.marks[at] = marker
    changes.append(Change(entry.line, kind, before, line.result()))


def _assemble(lines: list[_Line], text: str) -> str:
    out: list[str] = []
    moved: list[str] = []
    for line in lines:
        if line.action == "delete" or line.action == "move":
            if line.action == "move":
                moved.append(line.result().lstrip(" \t\ufeff"))
            if not line.ending and out:  # the last line: take the line end before it instead
                last = out.pop()
                out.append(last.rstrip("\r\n"))
            if line.number == 1 and text.startswith("\ufeff"):
                out.append("\ufeff")
            continue
        out.append(line.result() + line.ending)
    if moved:
        newline = "\r\n" if "\r\n" in text else "\n"
        body = "".join(out)
        if body and not body.endswith(("\n", "\r")):
            body += newline
        if not re.search(rf"^{re.escape(ARCHIVED_HEADING)}[ \t]*\r?$", body, re.M):
            body += (newline if body.strip() else "") + ARCHIVED_HEADING + newline + newline
        return body + "".join(item + newline for item in moved)
    return "".join(out)


def unified_diff(old: str, new: str, filename: str) -> str:
    """A unified diff (git's `a/` and `b/` names); lines end as they do in the texts."""
    if old == new:
        return ""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out = []
    for row in difflib.unified_diff(a, b, f"a/{filename}", f"b/{filename}", n=3):
        if row.startswith(("---", "+++", "@@")):
            out.append(row if row.endswith("\n") else row + "\n")
        elif not row.endswith(("\n", "\r")):
            out.append(row + "\n\\ No newline at end of file\n")
        else:
            out.append(row)
    return "".join(out)


def source_fix(*, source: Source, archived: str = "mark", dead: str = "mark", marker: str = ARCHIVED_MARKER,
               dead_ids: set[int] | None = None) -> Fix:
    """The fix of a kept source from what the catalog knows now."""
    check_policies(archived, dead)
    entries = source.entries.select_related("repository").order_by("id")
    return fix_text(text=source.text, format=source.format, entries=entries, archived=archived, dead=dead,
                    marker=marker, dead_ids=dead_ids, filename=source.filename or "list.txt")
