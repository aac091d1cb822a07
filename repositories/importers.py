"""Parse an uploaded list of GitHub repositories: plain text, CSV, TSV, JSON or markdown.

Pure Python (standard library only, no Django): the service layer calls `parse` and saves
``result.entries``; nothing here touches the database.

    result = parse(uploaded_bytes, filename="stars.csv")
    result.format      # "text" | "csv" | "tsv" | "json" | "markdown"
    result.entries     # [Entry(line, text, owner, name)], unique case-insensitively, file order
    result.duplicates  # entries merged because they repeated inside the file
    result.skipped     # markdown links to GitHub pages that are not repositories (/topics, gists...)
    result.skipped_entries  # [Invalid(line, text, reason)]: each of those links and why it was skipped
    result.invalid     # [Invalid(line, text, reason)]
    result.text        # the decoded document exactly as written (BOM, CR/CRLF line ends kept)
    result.links       # every accepted reference, repeats included, in file order, each with
                       # `start`/`end`: its span in `result.text` (None where it cannot be found)

`parse` raises only `ImportRefused` (whole file refused; nothing may be saved; ``.reason`` is
"binary", "too_large", "too_many_entries", "encoding" or "format"). Everything else is reported
per line in ``result.invalid``.

Line numbers are 1-based physical lines of the file (CRLF, LF and CR all end a line; a CSV
row with a multi-line quoted cell is reported at the line it starts on). For JSON, ``line`` is
the 1-based index of the item in the list ("item N"), since JSON documents are often one line.
``Invalid.text`` is cut to 300 characters.

Format: ``format=`` wins, then the filename extension (.txt .csv .tsv .json .md .markdown),
then the content (see `detect_format`). Encoding: UTF-8 with or without BOM, UTF-16/UTF-32 with
BOM. Bytes that are not UTF-8 are decoded with U+FFFD replacements unless they look binary.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field

from .decoding import ImportRefused, bom_encoding, decode, size_of, too_many_entries
from .jsonlists import json_items, load_json, parse_json
from .names import InvalidEntry, NotARepository, NotGitHub, is_valid_name, is_valid_owner, normalize
from .spans import OffsetMap, line_starts

__all__ = [
    "FORMATS", "Entry", "ImportRefused", "Invalid", "InvalidEntry", "ParseResult",
    "detect_format", "is_valid_name", "is_valid_owner", "normalize", "parse",
]

FORMATS = ("text", "csv", "tsv", "json", "markdown")
EXTENSIONS = {".txt": "text", ".csv": "csv", ".tsv": "tsv", ".json": "json",
              ".md": "markdown", ".markdown": "markdown"}
CSV_COLUMNS = ("url", "repository", "repo", "full_name", "html_url")  # priority order
TEXT_LIMIT = 300

_TRAILING_COMMENT = re.compile(r"\s#")
_SURROGATE = re.compile("[\ud800-\udfff]")
# (character classes exclude the opening bracket so that no regex here can go quadratic)
_MD_LINK = re.compile(r"\[[^\[\]\n]*\]\([^()\n]*\)|^ {0,3}\[[^\[\]\n]+\]:[ \t]*\S"
                      r"|<https?://[^<>\s]+>", re.M)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.M)
# A URL in markdown/HTML (http(s), ssh, git, git+https schemes): stops at whitespace, quotes,
# brackets, parentheses, `*`, `|`, backticks and non-ASCII characters; scheme-less
# github.com/o/r and git@github.com:o/r are found too. The lookahead makes the scan fast.
_MD_URL = re.compile(r"(?=[hgsw])(?:\b(?:https?|ssh|git(?:\+https?|\+ssh)?)://"
                     r"|(?<![\w.@/:-])(?:www\.)?github\.com/|\bgit@github\.com:)"
                     r"[A-Za-z0-9\-._~:/?#@!$&+,;=%]*", re.I)
_URL_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|www\.|git@|[^/\s]{1,253}\.[A-Za-z]{2,63}/")


@dataclass(frozen=True, slots=True)
class Entry:
    line: int   # physical line (JSON: item index)
    text: str   # the reference as written in the file
    owner: str  # case kept as written
    name: str
    # The reference's span in ParseResult.text (the document as written), or None (a CSV cell
    # or JSON string written with escapes). Not part of equality: what an entry *is* stays the same.
    start: int | None = field(default=None, compare=False)
    end: int | None = field(default=None, compare=False)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class Invalid:
    line: int   # physical line (JSON: item index)
    text: str
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "text": self.text, "reason": self.reason}


@dataclass
class ParseResult:
    format: str
    entries: list[Entry] = field(default_factory=list)
    duplicates: int = 0
    skipped_entries: list[Invalid] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)
    links: list[Entry] = field(default_factory=list)
    text: str = ""

    @property
    def skipped(self) -> int:
        return len(self.skipped_entries)



def _clean(text: str) -> str:
    """No NUL characters in anything handed back (databases refuse them in text columns)."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _clip(text: str) -> str:
    return _clean(text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…")


class _Collector:
    """Counts candidates against the limit, normalises, merges duplicates, records problems."""

    def __init__(self, fmt: str, max_entries: int, markdown: bool = False):
        self.result = ParseResult(fmt)
        self.seen: set[tuple[str, str]] = set()
        self.count = 0
        self.max_entries = max_entries
        self.markdown = markdown

    def _candidate(self) -> None:
        self.count += 1
        if self.count > self.max_entries:
            raise too_many_entries(self.max_entries)

    def reject(self, line: int, text: str, reason: str) -> None:
        self._candidate()
        self.result.invalid.append(Invalid(line, _clip(text), _clean(reason)))

    def add(self, line: int, text: str, start: int | None = None) -> None:
        """`start`: where `text` begins in the normalised document (LF line ends, no BOM)."""
        self._candidate()
        try:
            owner, name = normalize(text)
        except InvalidEntry as e:
            if self.markdown and isinstance(e, NotGitHub):
                self.count -= 1  # other hosts are not repositories and not errors in markdown
            elif self.markdown and isinstance(e, NotARepository):
                self.result.skipped_entries.append(Invalid(line, _clip(text), _clean(e.reason)))
            else:
                self.result.invalid.append(Invalid(line, _clip(text), _clean(e.reason)))
            return
        key = (owner.lower(), name.lower())
        entry = Entry(line, _clean(text), owner, name, start, None if start is None else start + len(text))
        self.result.links.append(entry)
        if key in self.seen:
            self.result.duplicates += 1
        else:
            self.seen.add(key)
            self.result.entries.append(entry)


# ----------------------------------------------------------------------------- detection

def _header_format(line: str) -> str | None:
    for delim, fmt in (("\t", "tsv"), (",", "csv")):
        if delim in line:
            cells = next(csv.reader([line], delimiter=delim), [])
            if any(c.strip().lower() in CSV_COLUMNS for c in cells):
                return fmt
    return "csv" if line.strip().lower() in CSV_COLUMNS else None


def _strip_comment(line: str) -> str:
    m = _TRAILING_COMMENT.search(line) if "#" in line else None
    return line[: m.start()].rstrip() if m else line


def _is_entry_line(line: str) -> bool:
    try:
        normalize(_strip_comment(line))
    except InvalidEntry:
        return False
    return True


def detect_format(text: str) -> tuple[str, object]:
    """Guess the format of decoded text; returns (format, parsed JSON document or None).

    JSON if it parses as a list, or an object holding a "repositories"/"items" list; CSV/TSV if
    the first line is a header naming a known column; markdown if it has markdown links or
    autolinks, or headings over mostly non-entry lines; CSV/TSV if the first lines all have the
    same number (>1) of tab- or comma-separated fields; text otherwise."""
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):
        try:
            doc = json.loads(stripped)
        except (ValueError, RecursionError):
            doc = None
        if json_items(doc) is not None:
            return "json", doc
    head = text[:65536]
    lines = [s for s in (raw.strip() for raw in head.split("\n")[:200]) if s]
    if not lines:
        return "text", None
    fmt = _header_format(lines[0])
    if fmt:
        return fmt, None
    if _MD_LINK.search(head):
        return "markdown", None
    body = [s for s in lines if s[0] != "#"]
    # "# ..." is a comment in a text list, a heading in markdown: markdown if mostly prose
    if (len(body) < len(lines) and _MD_HEADING.search(head)
            and 2 * sum(1 for s in body if " " in _strip_comment(s)) > len(body)):
        return "markdown", None
    return _delimited_format(body[:50]) or "text", None


def _delimited_format(sample: list[str]) -> str | None:
    """"tsv" or "csv" when at least two lines all have the same number (>1) of fields."""
    if len(sample) < 2:
        return None
    for delim, fmt in (("\t", "tsv"), (",", "csv")):
        if all(delim in s for s in sample):
            try:
                widths = {len(row) for row in csv.reader(sample, delimiter=delim)}
            except csv.Error:
                continue
            if len(widths) == 1:
                return fmt
    return None


# ----------------------------------------------------------------------------- formats

def _parse_text(text: str, col: _Collector) -> None:
    add = col.add
    at = 0
    for number, raw in enumerate(text.split("\n"), 1):
        s = raw.strip()
        start, at = at, at + len(raw) + 1
        if not s or s[0] == "#":
            continue
        if "#" in s:
            s = _strip_comment(s)
        add(number, s, start + len(raw) - len(raw.lstrip()))


def _parse_csv(text: str, delimiter: str, col: _Collector) -> None:
    starts = line_starts(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    column = None
    previous = 0  # reader.line_num after the previous row: the next row starts on previous + 1
    while True:
        line = previous + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            col.reject(line, "", f"unreadable {col.result.format.upper()} row: {e}")
            if reader.line_num == previous:
                return
            previous = reader.line_num
            continue
        previous = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if column is None:
            lowered = [cell.strip().lower() for cell in row]
            column = next((lowered.index(c) for c in CSV_COLUMNS if c in lowered), None)
            if column is not None:
                continue  # header row
            column = 0
            first = row[0].strip()
            if first and not _URL_LIKE.match(first) and not _is_entry_line(first):
                continue  # a header without a known column name, e.g. "name,stars"
        cell = row[column].strip() if column < len(row) else ""
        if cell:
            # the cell as written, within its row (a quoted cell with escapes has no span)
            row_start = starts[line - 1] if line <= len(starts) else len(text)
            row_end = starts[previous] if previous < len(starts) else len(text)
            found = text.find(cell, row_start, row_end)
            col.add(line, cell, found if found >= 0 else None)


def _parse_markdown(text: str, col: _Collector) -> None:
    add = col.add
    at = 0
    for number, line in enumerate(text.split("\n"), 1):
        start, at = at, at + len(line) + 1
        if "github" not in line and "github" not in line.lower():
            continue
        for m in _MD_URL.finditer(line):
            url = m.group().rstrip(".,;:!?")
            if "github" in url.lower():
                add(number, url, start + m.start())


# ----------------------------------------------------------------------------- entry point

def parse(data: bytes | str, *, format: str | None = None, filename: str | None = None,
          max_bytes: int = 20_000_000, max_entries: int = 200_000) -> ParseResult:
    """Parse an uploaded list of repositories. Raises only `ImportRefused`."""
    fmt = _named_format(format)
    text, original, lead = _decoded(data, max_bytes=max_bytes)
    if fmt is None and filename:
        fmt = EXTENSIONS.get(os.path.splitext(str(filename))[1].lower())
    doc = None
    if fmt is None:
        fmt, doc = detect_format(text)
    col = _Collector(fmt, max_entries, markdown=fmt == "markdown")
    _parse_as(fmt, text, doc, col, told=format is not None)
    result = col.result
    result.text = original
    to_original = OffsetMap(text, original, lead)
    if not to_original.identity:  # move every span onto the text as written
        moved = {id(e): Entry(e.line, e.text, e.owner, e.name, to_original(e.start), to_original(e.start) + len(e.text))
                 for e in result.links if e.start is not None}
        result.links = [moved.get(id(e), e) for e in result.links]
        result.entries = [moved.get(id(e), e) for e in result.entries]
    return result


def _named_format(format: str | None) -> str | None:
    """The format the caller named, if any; ImportRefused for one we do not read."""
    if format is None:
        return None
    fmt = str(format).strip().lower()
    if fmt not in FORMATS:
        raise ImportRefused(f"Unknown format '{format}'; expected one of: "
                            f"{', '.join(FORMATS)}", "format")
    return fmt


def _decoded(data: bytes | str, *, max_bytes: int) -> tuple[str, str, int]:
    """(the text to parse, the text as written, how much of it comes before line 1): decoded,
    without its byte-order mark, with "\n" line ends. ImportRefused when it is too large."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    size = size_of(data)
    if size > max_bytes:
        raise ImportRefused(f"The file is too large: {size / 1e6:.1f} MB ({size:,} bytes); "
                            f"the limit is {max_bytes / 1e6:g} MB.", "too_large")
    # Lone surrogates cannot be stored or encoded.
    text = _SURROGATE.sub("\ufffd", data) if isinstance(data, str) else decode(data)
    # the text as written keeps its byte-order mark (ParseResult.text); `lead`: what is cut before line 1
    original = "\ufeff" + text if isinstance(data, bytes) and bom_encoding(data) else text
    lead = len(original) - len(text)
    if text.startswith("\ufeff"):
        text, lead = text[1:], lead + 1
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, original, lead


def _parse_as(fmt: str, text: str, doc, col: _Collector, *, told: bool) -> None:
    """Read the entries of `text` in format `fmt` into `col` (`told`: the caller named the format)."""
    if fmt == "text":
        _parse_text(text, col)
    elif fmt in ("csv", "tsv"):
        delimiter = "," if fmt == "csv" else "\t"
        _parse_csv(text, delimiter, col)
        if told and col.result.invalid and not col.result.entries and delimiter not in text:
            # Told it is CSV (format=csv), but no line has a single delimiter: say so, not "0 new".
            named = "a comma" if fmt == "csv" else "a tab"
            raise ImportRefused(f"This is not {fmt.upper()}: no line holds {named}. Choose another format "
                                "(or none, to let RepoHealth tell).", "format")
    elif fmt == "json":
        parse_json(doc if doc is not None else load_json(text), col, text)
    else:
        _parse_markdown(text, col)
