"""The fix of a kept document (`Source`): its text with every repository link corrected from
what the catalog now knows, the unified diff, and the list of changes.

    fix = source_fix(source=source, archived="mark", dead="mark", inactive="leave")
    fix.text      # the corrected document
    fix.diff      # a unified diff from the document as imported to fix.text
    fix.changes   # [Change(line, kind, old, new)], kind in KINDS

- **moved**: the link is rewritten to the repository's current name in the form it was written
  (scheme, `www.`, trailing slash, `.git`, `#anchor`, `/tree/...` kept), and a Markdown link text
  that is the old owner/name too;
- **archived** (`ARCHIVED`): leave, mark (its marker from `MARKERS` after the link), move its
  list item line to an "Archived" section at the end, or replace: an archived or deprecated
  repository (its maintenance verdict) with a `successor` has its link rewritten to the successor
  as a moved link is (kind **successor**, no marker); one without a successor is marked;
- **inactive** (its maintenance verdict): leave, or mark;
- **dead** (not found or blocked, and rechecked: not `suspected`; or, for a one-shot run, the ids
  it rechecked itself, `dead_ids`): leave, mark, or delete its list item line;
- **name_reused**: a name the link uses now belongs to another repository. A link to an old name
  is rewritten to the current name (the project the curator meant), never the other way; a link
  to a current name that was taken over is reported, and left as it is.

A marker goes once per line (a table row: once per cell) and repository, right after the first
link to it that is neither an image nor inside another link's text (a badge `[![ci](img)](link)`
only when nothing else links there), and never inside `[...]`, `(...)` or an HTML tag. The fix is
idempotent: a link already followed by its marker is left as it is (one followed by another
verdict's marker gets the new one instead), and a line already under the "Archived" heading is
not moved again, so fixing a fixed list changes nothing.

Nothing else changes: every character outside the edited spans stays as it was (line ends, BOM,
links inside Markdown code). Marking and moving apply to Markdown (and a `# archived` comment in
a text list); only renames apply to CSV and JSON lists. A line is deleted or moved only when it
is a Markdown list item that holds no other link and has no nested lines under it (but for lines
the fix removes too); otherwise it is marked.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from repositories.health import DEAD
from repositories.marking import cell, constructs, mark_place, table_rows
from repositories.models import Repository, Source, SourceEntry
from repositories.names import InvalidEntry, normalize
from repositories.spans import line_starts

Health = Repository.Health

ARCHIVED_POLICIES = ("leave", "mark", "move", "replace")
DEAD_POLICIES = ("leave", "mark", "delete")
INACTIVE_POLICIES = ("leave", "mark")
KINDS = ("moved", "successor", "archived", "dead", "inactive", "name_reused")
MARKERS = {"archived": " (archived)", "dead": " (dead)", "inactive": " (inactive)"}  # verdict -> its marker
ARCHIVED_HEADING = "## Archived"

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


POLICIES = {"archived": ARCHIVED_POLICIES, "dead": DEAD_POLICIES, "inactive": INACTIVE_POLICIES}


def check_policies(archived: str, dead: str, inactive: str = "leave") -> None:
    for name, value in (("archived", archived), ("dead", dead), ("inactive", inactive)):
        if value not in POLICIES[name]:
            raise BadPolicy(name, POLICIES[name])


def successor_of(repo: Repository, archived: str) -> str | None:
    """The name an archived or deprecated repository's links are rewritten to under `replace`."""
    if archived != "replace" or not repo.successor:
        return None
    if repo.health == Health.ARCHIVED or repo.archived or repo.maintenance == Repository.Maintenance.DEPRECATED:
        return repo.successor
    return None


def is_dead(repo: Repository, dead_ids: set[int] | None = None) -> bool:
    """Dead for the fix: not found or blocked, and rechecked (watch: not `suspected`), or among
    the `dead_ids` a one-shot run rechecked itself."""
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


def _within(ranges: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """The parts of `ranges` (offsets in the text) between `start` and `end`, as columns from `start`."""
    return [(max(a, start) - start, min(b, end) - start) for a, b in ranges if a < end and b > start]


class _Line:
    __slots__ = ("number", "content", "ending", "edits", "action", "marks", "code", "kept_below")

    def __init__(self, number: int, content: str, ending: str) -> None:
        self.number, self.content, self.ending = number, content, ending
        self.edits: list[tuple[int, int, str]] = []  # (start, end, replacement) within content
        self.action = ""  # "", "delete" or "move"
        self.kept_below = 0  # once removed: the index of the first line below it that stays
        self.marks: dict[int, str] = {}  # column -> marker inserted there
        self.code: list[tuple[int, int]] = []  # columns of Markdown code on this line

    def result(self) -> str:
        content = self.content
        inserts = [(col, col, text) for col, text in self.marks.items()]
        for start, end, text in sorted(self.edits + inserts, key=lambda e: (e[0], e[1]), reverse=True):
            content = content[:start] + text + content[end:]
        return content


@dataclass
class _Document:
    lines: list[_Line]
    format: str
    tables: set[int]  # indexes of table rows
    archived_from: int  # index of the first line after the "Archived" heading (len(lines) without one)


def _split(text: str, protected: list[tuple[int, int]]) -> list[_Line]:
    starts = line_starts(text)
    lines = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        raw = text[start:end]
        body = raw.rstrip("\r\n")
        lines.append(_Line(index + 1, body, raw[len(body):]))
        lines[-1].code = _within(protected, start, start + len(body))
    return lines


def _document(text: str, format: str, protected: list[tuple[int, int]]) -> _Document:
    lines = _split(text, protected)
    heading = next((i for i, line in enumerate(lines)
                    if re.fullmatch(rf"{re.escape(ARCHIVED_HEADING)}[ \t]*", line.content.lstrip("\ufeff"))), None)
    return _Document(lines, format, table_rows([line.content for line in lines]) if format == "markdown" else set(),
                     len(lines) if heading is None else heading + 1)


def _removable(lines: list[_Line], index: int, column: int, span_end: int) -> bool:
    """A Markdown list item line holding no other link and no nested lines below it (lines the fix
    removes do not count: the fix decides bottom-up, so a parent of removed lines goes too)."""
    line = lines[index]
    content = line.content.lstrip("\ufeff")
    if not _LIST_ITEM.match(content):
        return False
    rest = line.content[:column].removesuffix("](") + line.content[span_end:]
    if _OTHER_LINK.search(rest):
        return False
    below = _kept_below(lines, index)
    if below < len(lines):
        under = lines[below].content
        indent = len(content) - len(content.lstrip())
        if under.strip() and len(under) - len(under.lstrip()) > indent:
            return False
    return True


def _kept_below(lines: list[_Line], index: int) -> int:
    """The index of the first line after `index` that the fix keeps (so far)."""
    below = index + 1
    return lines[below].kept_below if below < len(lines) and lines[below].action else below


def fix_text(*, text: str, format: str, entries: Iterable[SourceEntry], archived: str = "mark", dead: str = "mark",
             inactive: str = "leave", dead_ids: set[int] | None = None, filename: str = "list") -> Fix:
    """The fix of `text` (see the module docstring); `entries` carry their repositories."""
    check_policies(archived, dead, inactive)
    # `replace` marks what it cannot replace (no successor)
    policies = {"archived": "mark" if archived == "replace" else archived, "dead": dead, "inactive": inactive}
    markdown = format == "markdown"
    protected = _protected(text) if markdown else []
    document = _document(text, format, protected)
    starts = line_starts(text)
    changes: list[Change] = []
    by_line: dict[int, list[SourceEntry]] = {}
    for entry in entries:
        by_line.setdefault(entry.line, []).append(entry)
    verdicts: dict[tuple[int, int], tuple[str, list[SourceEntry]]] = {}  # (line, repository) -> verdict, its links
    for number, found in sorted(by_line.items()):
        for entry in found:
            verdict = _fix_entry(entry, document.lines, starts, protected, changes, markdown=markdown,
                                 dead_ids=dead_ids, archived=archived)
            if verdict is not None and policies[verdict] != "leave":
                verdicts.setdefault((number, entry.repository.id), (verdict, []))[1].append(entry)
    for (number, _), (verdict, found) in sorted(verdicts.items(), reverse=True):  # bottom-up: see _removable
        _apply(document, found, changes, kind=verdict, policy=policies[verdict], links_on_line=len(by_line[number]))
    fixed = _assemble(document.lines, text)
    changes.sort(key=lambda c: (c.line, KINDS.index(c.kind)))
    return Fix(text=fixed, diff=unified_diff(text, fixed, filename), changes=changes)


def _fix_entry(entry: SourceEntry, lines: list[_Line], starts: list[int], protected, changes: list[Change], *,
               markdown: bool, dead_ids, archived: str) -> str | None:
    """Rewrite the link if its repository moved (or, under `replace`, has a successor); its verdict
    ("archived", "dead", "inactive") for the policies, None once it points at a successor."""
    repo = entry.repository
    if repo is None or entry.column is None or entry.line > len(lines):
        return None
    line = lines[entry.line - 1]
    start, end = entry.column, entry.end_column
    if line.content[start:end] != entry.url:
        return None  # not where the import saw it (should not happen): never edit blindly
    if _inside(protected, starts[entry.line - 1] + start, starts[entry.line - 1] + end):
        return None
    try:
        owner, name = normalize(entry.url)
    except InvalidEntry:
        return None
    written = f"{owner}/{name}"
    if (successor := successor_of(repo, archived)) and _rewrite(line, entry, (owner, name), successor, changes,
                                                               kind="successor", markdown=markdown):
        return None
    if written.lower() != repo.full_name.lower():  # a link to a reused old name: its kind is name_reused
        _rewrite(line, entry, (owner, name), repo.full_name, changes, markdown=markdown,
                 kind="name_reused" if repo.name_reused else "moved")
    # A link to the current name is right, though an old name of it was reused: no change. (A
    # repository gone whose own name now answers for another is dead, and marked or deleted so.)
    if repo.health == Health.ARCHIVED:
        return "archived"
    if is_dead(repo, dead_ids):
        return "dead"
    return "inactive" if repo.maintenance == Repository.Maintenance.INACTIVE else None


def _rewrite(line: _Line, entry: SourceEntry, written: tuple[str, str], new_name: str, changes: list[Change], *,
             kind: str, markdown: bool) -> bool:
    """The link to `new_name` in the form it was written, and a Markdown link text that was the
    written owner/name too; False when the name cannot be found in the URL."""
    start, end = entry.column, entry.end_column
    new_url = renamed_url(entry.url, *written, new_name)
    if new_url is None:
        return False
    line.edits.append((start, end, new_url))
    changes.append(Change(entry.line, kind, entry.url, new_url))
    label = line.content.rfind("[", 0, start)
    if markdown and line.content[:start].endswith("](") and label >= 0 \
            and line.content[label + 1:start - 2].lower() == "/".join(written).lower():
        line.edits.append((label + 1, start - 2, new_name))
    return True


def _apply(document: _Document, found: list[SourceEntry], changes: list[Change], *, kind: str, policy: str,
           links_on_line: int) -> None:
    """A verdict's policy for one repository's links on one line."""
    index = found[0].line - 1
    line = document.lines[index]
    if document.format != "markdown":
        if document.format == "text":
            _comment(line, found[0], kind, policy, changes)
        return
    first = found[0]
    if policy in ("move", "delete") and links_on_line == 1 and line.action == "" \
            and _removable(document.lines, index, first.column, first.end_column):
        if policy == "move" and index >= document.archived_from:
            return  # already in the Archived section
        before = line.result()
        line.action, line.kept_below = policy, _kept_below(document.lines, index)
        changes.append(Change(first.line, kind, before, "" if policy == "delete" else before.lstrip(" \t\ufeff")))
        return
    groups = constructs(line.content, line.code)
    places: dict[int, tuple[int, int]] = {}  # cell -> the best place in it
    for entry in found:
        place = mark_place(line.content, groups, entry.column, entry.end_column)
        where = cell(line.content, line.code, entry.column) if index in document.tables else 0
        if place is not None and (where not in places or place < places[where]):
            places[where] = place
    for _, at in places.values():
        _mark(line, at, kind, changes)


def _mark(line: _Line, at: int, kind: str, changes: list[Change]) -> None:
    """The verdict's marker at column `at`, unless it is there already (another verdict's is replaced)."""
    marker = MARKERS[kind]
    written = next((m for m in MARKERS.values() if line.content[at:at + len(m)].lower() == m.lower()), None)
    if at in line.marks or (written is not None and written == marker):
        return
    before = line.result()
    if written is not None:
        line.edits.append((at, at + len(written), marker))
    else:
        line.marks[at] = marker
    changes.append(Change(line.number, kind, before, line.result()))


def _comment(line: _Line, entry: SourceEntry, kind: str, policy: str, changes: list[Change]) -> None:
    """A text list's mark: a `# archived` comment after a link that ends its line."""
    end = len(line.content.rstrip())
    if policy == "mark" and entry.end_column == end and end not in line.marks:
        before = line.result()
        line.marks[end] = f" # {kind}"
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


def source_fix(*, source: Source, archived: str = "mark", dead: str = "mark", inactive: str = "leave",
               dead_ids: set[int] | None = None) -> Fix:
    """The fix of a kept source from what the catalog knows now."""
    check_policies(archived, dead, inactive)
    entries = source.entries.select_related("repository").order_by("id")
    return fix_text(text=source.text, format=source.format, entries=entries, archived=archived, dead=dead,
                    inactive=inactive, dead_ids=dead_ids, filename=source.filename or "list.txt")
