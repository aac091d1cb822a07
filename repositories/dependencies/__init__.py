"""Read dependency documents (SBOMs, lockfiles, manifests) into packages, each with the GitHub
repository the document itself declares, where it does.

Pure Python, no Django: the import service calls `parse` and saves what it returns.

    result = parse(uploaded_bytes, filename="package-lock.json")    # or format="package-lock"
    result.format      # a key of FORMATS: "cyclonedx-json", "spdx-json", "go-mod", ...
    result.packages    # [Package(ecosystem, name, version, purl, repository, provenance, location)]
    result.invalid     # [Invalid(location, text, reason)]: entries that could not be used
    result.problems    # [Problem(location, reason)]: the standard's validator's findings
    result.duplicates  # repeats merged (same ecosystem, name and version)

`parse` raises only `ImportRefused` (nothing may be saved; ``.reason`` is "binary",
"too_large", "too_many_entries", "encoding" or "format"): a file over the size or entry limit,
one that cannot be read at all (invalid JSON/TOML/YAML/XML, nesting too deep, an XML DTD or
entity declaration), or one in no format RepoHealth reads. Everything else is reported per
entry: one bad entry never costs the good ones.

Format: ``format=`` wins, then the file name (``package-lock.json``, ``*.cdx.json``,
``requirements-dev.txt``...), then the content (`detect_format`). Locations are 1-based lines
or JSON pointers (see `model`). Repositories: `github` (``declared`` and ``module_path``).
"""

from __future__ import annotations

from ..decoding import ImportRefused, decode, size_of
from . import cyclonedx, go, npm, php, python, ruby, rust, spdx
from .collect import Collector
from .detect import FORMATS, detect_format, format_from_filename
from .model import DependencyResult, Invalid, Package, Problem

__all__ = [
    "FORMATS", "DependencyResult", "ImportRefused", "Invalid", "Package", "Problem",
    "detect_format", "format_from_filename", "parse",
]

READERS = {
    "cyclonedx-json": cyclonedx.read_json, "cyclonedx-xml": cyclonedx.read_xml,
    "spdx-json": spdx.read_json, "spdx-tag-value": spdx.read_tag_value, "spdx3-json": spdx.read_spdx3,
    "package-lock": npm.read_package_lock, "yarn-lock": npm.read_yarn_lock, "pnpm-lock": npm.read_pnpm_lock,
    "requirements": python.read_requirements, "poetry-lock": python.read_poetry_lock,
    "uv-lock": python.read_uv_lock, "pipfile-lock": python.read_pipfile_lock,
    "go-mod": go.read_go_mod, "go-sum": go.read_go_sum, "cargo-lock": rust.read_cargo_lock,
    "gemfile-lock": ruby.read_gemfile_lock, "composer-lock": php.read_composer_lock,
}


def _text_of(data: bytes | str, max_bytes: int) -> str:
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    size = size_of(data)
    if size > max_bytes:
        raise ImportRefused(f"The file is too large: {size / 1e6:.1f} MB ({size:,} bytes); "
                            f"the limit is {max_bytes / 1e6:g} MB.", "too_large")
    text = decode(data) if isinstance(data, bytes) else data.encode("utf-8", "replace").decode("utf-8")
    text = text[1:] if text.startswith("\ufeff") else text
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def parse(data: bytes | str, *, format: str | None = None, filename: str | None = None,
          max_bytes: int = 20_000_000, max_entries: int = 200_000) -> DependencyResult:
    """Read one dependency document. Raises only `ImportRefused`."""
    fmt = None
    if format is not None:
        fmt = str(format).strip().lower()
        if fmt not in FORMATS:
            raise ImportRefused(f"Unknown format '{str(format)[:40]}'; expected one of: {', '.join(FORMATS)}",
                                "format")
    text = _text_of(data, max_bytes)
    doc = None
    if fmt is None:
        fmt, doc = detect_format(text, filename)
    if fmt is None:
        raise ImportRefused("This is not a dependency document RepoHealth reads; name the format "
                            f"(one of: {', '.join(FORMATS)}) or give the file its usual name", "format")
    col = Collector(fmt, max_entries)
    try:
        READERS[fmt](text, col, doc)
    except RecursionError:
        raise ImportRefused(f"This {FORMATS[fmt]} is nested too deeply to read", "format") from None
    return col.result
