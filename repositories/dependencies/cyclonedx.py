"""CycloneDX 1.4 to 1.6 (and what cyclonedx-python-lib knows beyond), JSON and XML.

Every component, nested ones too, is a package: its ``name``, ``version`` and ``purl``; its
repository from ``pkg:github`` purls, then ``externalReferences`` of type ``vcs``, then
``website``. The document is read leniently by walking it (the library's models refuse a whole
document for one fault) and then checked against the standard's schema with
cyclonedx-python-lib's validators: each schema error is a `Problem`, nothing is dropped for it.
Locations are JSON pointers (``/components/4/components/0``), for XML too."""

from __future__ import annotations

import functools
import json
import re

from ..decoding import ImportRefused
from .collect import Collector
from .loaders import load_json, load_xml
from .model import pointer

MAX_PROBLEMS = 50
MAX_VALIDATED = 1000
MAX_DEPTH = 64  # components within components; real SBOMs nest a few levels
_URL_TYPES = ("vcs", "website")
_XML_NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}")


def _urls(references) -> tuple:
    if not isinstance(references, list):
        return ()
    by_type = {t: [] for t in _URL_TYPES}
    for ref in references:
        if isinstance(ref, dict) and ref.get("type") in by_type and isinstance(ref.get("url"), str):
            by_type[ref["type"]].append(ref["url"])
    return tuple(url for t in _URL_TYPES for url in by_type[t])


# ----------------------------------------------------------------------------- JSON

def read_json(text: str, col: Collector, doc=None) -> None:
    doc = load_json(text) if doc is None else doc
    if not isinstance(doc, dict):
        col.reject("", "", "a CycloneDX document is an object")
        return
    for where, component in _walk_json(doc.get("components"), col):
        col.package(location=pointer(*where), name=component.get("name"), version=component.get("version"),
                    purl=component.get("purl"), urls=_urls(component.get("externalReferences")),
                    text=str(component.get("name") or component.get("bom-ref") or ""))
    _validate(text, str(doc.get("specVersion", "")), "json", col, doc)


def _walk_json(components, col: Collector):
    """(path, component) in document order, nested components after their parent."""
    stack = [(("components",), components)]
    while stack:
        path, item = stack.pop()
        if path[-1] == "components":
            if isinstance(item, list):
                stack.extend(((*path, i), c) for i, c in reversed(list(enumerate(item))))
            elif item is not None:
                col.problem(pointer(*path), "'components' is not a list")
        elif not isinstance(item, dict):
            col.reject(pointer(*path), str(item)[:100], "a component is an object")
        else:
            _check_depth(path)
            yield path, item
            stack.append(((*path, "components"), item.get("components")))


def _check_depth(path: tuple) -> None:
    if len(path) > 2 * MAX_DEPTH:
        raise ImportRefused(f"Components are nested more than {MAX_DEPTH} deep in this SBOM; "
                            "no real one is, so it is not read", "format")


# ----------------------------------------------------------------------------- XML

def read_xml(text: str, col: Collector, doc=None) -> None:
    root = load_xml(text) if doc is None else doc
    m = _XML_NAMESPACE.match(root.tag)
    if m is None or root.tag[m.end():] != "bom":
        col.reject("", root.tag[:100], "not a CycloneDX document (root element bom in a cyclonedx.org namespace)")
        return
    ns = m[0]
    stack = [(("components",), root.find(f"{ns}components"))]
    while stack:
        path, element = stack.pop()
        if path[-1] == "components":
            if element is not None:
                stack.extend(((*path, i), c) for i, c in reversed(list(enumerate(element.findall(f"{ns}component")))))
            continue
        _check_depth(path)
        refs = [{"type": ref.get("type"), "url": ref.findtext(f"{ns}url", "").strip()}
                for ref in element.findall(f"{ns}externalReferences/{ns}reference")]
        col.package(location=pointer(*path), name=element.findtext(f"{ns}name"),
                    version=element.findtext(f"{ns}version"), purl=element.findtext(f"{ns}purl"),
                    urls=_urls(refs), text=element.findtext(f"{ns}name") or element.get("bom-ref") or "")
        stack.append(((*path, "components"), element.find(f"{ns}components")))
    _validate(text, m[1], "xml", col)


# ----------------------------------------------------------------------------- validation

def _validate(text: str, spec_version: str, kind: str, col: Collector, doc=None) -> None:
    from cyclonedx.schema import SchemaVersion

    try:
        version = SchemaVersion.from_version(spec_version)
    except ValueError:
        col.problem("/specVersion",
                    f"unknown CycloneDX specVersion '{spec_version[:20]}': not checked against a schema")
        return
    try:
        if kind == "json":
            errors = _json_validator(version).iter_errors(_sample(doc, col))
        else:
            errors = _xml_validator(version).validate_str(text, all_errors=True) or ()
        for count, error in enumerate(errors):
            if count == MAX_PROBLEMS:
                col.problem(None, f"more schema errors not listed (the first {MAX_PROBLEMS} are)")
                break
            col.problem(*_where(getattr(error, "data", error), kind))
    except (ValueError, RecursionError, NotImplementedError) as e:
        col.problem(None, f"the CycloneDX {spec_version} schema check could not run: {str(e)[:200]}")


def _sample(doc: dict, col: Collector) -> dict:
    """The document with its first `MAX_VALIDATED` top-level components: the JSON schema check
    costs about a millisecond a component, and an import has a time budget."""
    components = doc.get("components")
    if not isinstance(components, list) or len(components) <= MAX_VALIDATED:
        return doc
    col.problem("/components", f"schema checked for the first {MAX_VALIDATED:,} of {len(components):,} "
                               "top-level components only")
    return {**doc, "components": components[:MAX_VALIDATED]}


def _unique_items(validator, unique, instance, schema):
    """jsonschema's own check compares every pair of items (minutes for thousands of
    components); this one hashes each item's canonical JSON once."""
    from jsonschema import ValidationError

    if unique and validator.is_type(instance, "array"):
        seen = set()
        for item in instance:
            key = json.dumps(item, sort_keys=True)
            if key in seen:
                yield ValidationError(f"{key[:80]} is repeated, and the items must be unique")
                return
            seen.add(key)


@functools.cache
def _json_validator(version):
    """cyclonedx-python-lib's strict (no unknown fields) Draft 7 validator, with the same schema,
    references and format checks, and a linear uniqueItems check."""
    from cyclonedx.validation.json import JsonStrictValidator
    from jsonschema import Draft7Validator, validators

    strict = JsonStrictValidator(version)._validator
    fast = validators.extend(Draft7Validator, {"uniqueItems": _unique_items})
    return fast(strict.schema, registry=strict._registry, format_checker=strict.format_checker)


@functools.cache
def _xml_validator(version):
    """lxml's XML Schema check; the document already passed defusedxml (no DTD, no entities)
    and the library's parser resolves no entities and reads nothing from the network."""
    from cyclonedx.validation.xml import XmlValidator

    return XmlValidator(version)


def _where(data, kind: str) -> tuple:
    if kind == "json":  # a jsonschema ValidationError
        return pointer(*data.absolute_path), f"schema: {data.message[:250]}"
    return data.line, f"schema: {data.message[:250]}"  # an lxml log entry: line of the XML
