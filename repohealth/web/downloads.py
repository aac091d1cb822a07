"""Files people download: a name a file system can hold, and the `Content-Disposition` that
gives it (every download answers through `attachment`)."""

from __future__ import annotations

import re
import unicodedata
from typing import TypeVar

from django.http import HttpResponseBase
from django.utils.http import content_disposition_header

FILENAME_BYTES = 255  # the longest name common file systems hold, in bytes
EXTENSION = re.compile(r"(\.[A-Za-z0-9]{1,10}){1,2}$")  # `.md`, `.md.patch`, `.tar.gz`
Response = TypeVar("Response", bound=HttpResponseBase)


def fit_filename(name: str, limit: int = FILENAME_BYTES) -> str:
    """`name`, cut to at most `limit` bytes of UTF-8 when longer: the end of its stem goes, its
    extension stays, and no character is split."""
    if len(name.encode()) <= limit:
        return name
    match = EXTENSION.search(name)
    extension = match.group() if match else ""
    stem = name[:len(name) - len(extension)].encode()[:limit - len(extension.encode())]
    return stem.decode(errors="ignore") + extension


def ascii_filename(name: str) -> str:
    """`name` in printable ASCII: accents dropped (ü: u), any other character an `_`."""
    letters = unicodedata.normalize("NFKD", name)
    return "".join(c if " " <= c <= "~" else "_" for c in letters if not unicodedata.combining(c))


def attachment(response: Response, filename: str) -> Response:
    """`response` as a download named `filename` (fitted): Django's RFC 6266 header, a quoted
    `filename` or, for a name plain ASCII cannot carry, `filename*=utf-8''<percent-encoded>`, then
    preceded by an ASCII `filename` for clients that read only that (RFC 6266, appendix D)."""
    name = fit_filename(filename)
    header = content_disposition_header(True, name)
    if "filename*=" in header:
        fallback = content_disposition_header(True, ascii_filename(name))
        header = f"{fallback}; {header.removeprefix('attachment; ')}"
    response["Content-Disposition"] = header
    return response
