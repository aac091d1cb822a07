"""Bytes to text for the importers: encodings by byte-order mark, binary files refused, and the
`ImportRefused` error that refuses a whole file."""

from __future__ import annotations

BINARY_MESSAGE = "This looks like a binary file, not a list of repositories"
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_MAGIC = (b"\x89PNG", b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"%PDF-", b"\x7fELF",
          b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BZh91AY", b"7z\xbc\xaf", b"\xfd7zXZ")
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


class ImportRefused(Exception):
    """The whole file is refused and nothing may be saved. ``str(e)`` is a message for the user;
    ``e.reason`` is "binary", "too_large", "too_many_entries", "encoding" or "format"."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason


def too_many_entries(limit: int) -> ImportRefused:
    """The refusal of a file with more than `limit` entries (lists and dependency documents alike)."""
    return ImportRefused(f"Too many entries: the file has more than {limit:,} entries; "
                         f"the limit is {limit:,} per import.", "too_many_entries")


def size_of(data: bytes | str) -> int:
    if isinstance(data, str):
        return len(data.encode("utf-8", "surrogatepass"))
    return len(data)


def _looks_like_bomless_utf16(data: bytes) -> bool:
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) >= 0.7 * half and min(even, odd) <= 0.1 * half


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark at the start of `data` names, if it has one."""
    return next((encoding for bom, encoding in _BOMS if data.startswith(bom)), None)


def decode(data: bytes) -> str:
    if data.startswith(_MAGIC):
        raise ImportRefused(BINARY_MESSAGE, "binary")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace")
    if b"\x00" in data:
        if _looks_like_bomless_utf16(data):
            raise ImportRefused("This file looks like UTF-16 without a byte-order mark; "
                                "save it as UTF-8 and try again", "encoding")
        raise ImportRefused(BINARY_MESSAGE, "binary")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    sample = data[:65536]
    if (len(sample) - len(sample.translate(None, _CONTROL))) * 20 > len(sample):  # >5% controls
        raise ImportRefused(BINARY_MESSAGE, "binary")
    return data.decode("utf-8", "replace")
