"""SPDX 2.3 (and 2.2) JSON and tag-value; SPDX 3.0 JSON-LD.

Every package is a package: ``name``, ``versionInfo``, the purl among its ``externalRefs``; its
repository from a ``pkg:github`` purl, then ``downloadLocation`` (``git+https://github.com/o/r@rev#sub``
or a plain URL), then ``homepage``. ``NOASSERTION`` and ``NONE`` are no location, not errors.

SPDX 2 documents are read leniently by walking them (spdx-tools refuses a whole document for one
fault) and then parsed and validated with spdx-tools: each message is a `Problem`. SPDX 3.0 has
no validator here yet: its ``software_Package`` elements are read as they stand."""

from __future__ import annotations

import re

from .collect import Collector
from .loaders import load_json
from .model import pointer

MAX_PROBLEMS = 50
_TAG = re.compile(r"^([A-Za-z][A-Za-z0-9_]*):\s?(.*)$")
_ENDS_PACKAGE = frozenset({"PackageName", "FileName", "SnippetSPDXID", "LicenseID"})


def _purl_of_refs(refs) -> str | None:
    for ref in refs if isinstance(refs, list) else ():
        if (isinstance(ref, dict) and ref.get("referenceType") == "purl"
                and isinstance(ref.get("referenceLocator"), str)):
            return ref["referenceLocator"]
    return None


# ----------------------------------------------------------------------------- SPDX 2 JSON

def read_json(text: str, col: Collector, doc=None) -> None:
    doc = load_json(text) if doc is None else doc
    if not isinstance(doc, dict):
        col.reject("", "", "an SPDX document is an object")
        return
    packages = doc.get("packages", [])
    if not isinstance(packages, list):
        col.problem("/packages", "'packages' is not a list")
        packages = []
    for index, package in enumerate(packages):
        where = pointer("packages", index)
        if not isinstance(package, dict):
            col.reject(where, str(package)[:100], "a package is an object")
            continue
        col.package(location=where, name=package.get("name"), version=package.get("versionInfo"),
                    purl=_purl_of_refs(package.get("externalRefs")),
                    urls=(package.get("downloadLocation"), package.get("homepage")),
                    text=str(package.get("name") or package.get("SPDXID") or ""))
    _validate(col, lambda: _json_document(doc))


def _json_document(doc: dict):
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser

    return JsonLikeDictParser().parse(doc)


# ----------------------------------------------------------------------------- SPDX 2 tag-value

def read_tag_value(text: str, col: Collector, doc=None) -> None:
    current: dict | None = None
    in_text = False

    def finish() -> None:
        if current is not None:
            col.package(location=current["line"], name=current.get("PackageName"),
                        version=current.get("PackageVersion"), purl=current.get("purl"),
                        urls=(current.get("PackageDownloadLocation"), current.get("PackageHomePage")),
                        text=current.get("PackageName", ""))

    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if in_text:
            in_text = "</text>" not in line
            continue
        if not line or line.startswith("#"):
            continue
        m = _TAG.match(line)
        if m is None:
            continue  # the validator below reports what is not a tag-value line
        tag, value = m[1], m[2].strip()
        if value.startswith("<text>") and "</text>" not in value:
            in_text = True
        if tag in _ENDS_PACKAGE:
            finish()
            current = {"line": number, "PackageName": value} if tag == "PackageName" else None
        elif current is not None and tag in ("PackageVersion", "PackageDownloadLocation", "PackageHomePage"):
            current.setdefault(tag, value)
        elif current is not None and tag == "ExternalRef":
            parts = value.split()
            if len(parts) >= 3 and parts[1] == "purl":
                current.setdefault("purl", parts[2])
    finish()
    _validate(col, lambda: _tag_value_document(text))


def _tag_value_document(text: str):
    from ply.yacc import NullLogger
    from spdx_tools.spdx.parser.tagvalue.parser import Parser

    # quiet, and no parser tables written into site-packages
    return Parser(errorlog=NullLogger(), write_tables=False, debug=False).parse(text)


# ----------------------------------------------------------------------------- validation

def _validate(col: Collector, parse) -> None:
    from spdx_tools.spdx.parser.error import SPDXParsingError
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    try:
        messages = [m.validation_message for m in validate_full_spdx_document(parse())]
    except SPDXParsingError as e:
        messages = list(e.get_messages())
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
        messages = [f"spdx-tools could not read this document: {type(e).__name__}: {e}"]
    for count, message in enumerate(messages):
        if count == MAX_PROBLEMS:
            col.problem(None, f"{len(messages) - MAX_PROBLEMS} more SPDX validation messages not listed")
            break
        col.problem(None, f"spdx: {message}")


# ----------------------------------------------------------------------------- SPDX 3.0 JSON-LD

def read_spdx3(text: str, col: Collector, doc=None) -> None:
    doc = load_json(text) if doc is None else doc
    graph = doc.get("@graph") if isinstance(doc, dict) else None
    if not isinstance(graph, list):
        col.reject("/@graph", "", "an SPDX 3 document has an '@graph' list")
        return
    for index, element in enumerate(graph):
        if not isinstance(element, dict) or element.get("type") not in ("software_Package", "Package"):
            continue
        purl = element.get("software_packageUrl")
        for ident in _list(element.get("externalIdentifier")):
            if not purl and isinstance(ident, dict) and ident.get("externalIdentifierType") == "packageUrl":
                purl = ident.get("identifier")
        vcs = [loc for ref in _list(element.get("externalRef")) if isinstance(ref, dict)
               and ref.get("externalRefType") in ("vcs", "sourceArtifact") for loc in _list(ref.get("locator"))]
        col.package(location=pointer("@graph", index), name=element.get("name"),
                    version=element.get("software_packageVersion"), purl=purl,
                    urls=(*vcs, element.get("software_downloadLocation"), element.get("software_homePage")),
                    text=str(element.get("name") or element.get("spdxId") or ""))


def _list(value) -> list:
    return value if isinstance(value, list) else []
