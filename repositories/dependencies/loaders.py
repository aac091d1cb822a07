"""Text to a document tree, each way refusing what cannot be read with `ImportRefused`
(reason "format") naming the problem: JSON (the importers' own loader), TOML (tomllib), YAML
(PyYAML's safe loader) and XML (defusedxml: no DTDs, no entities, so no billion laughs)."""

from __future__ import annotations

import tomllib

from ..decoding import ImportRefused
from ..jsonlists import load_json

__all__ = ["load_json", "load_toml", "load_xml", "load_yaml"]


def load_toml(text: str, what: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ImportRefused(f"Invalid TOML in this {what}: {e}", "format") from None
    except RecursionError:
        raise ImportRefused(f"Invalid TOML in this {what}: nested too deeply", "format") from None


def load_yaml(text: str, what: str):
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        raise ImportRefused(f"Invalid YAML in this {what}: {str(e)[:200]}", "format") from None
    except RecursionError:
        raise ImportRefused(f"Invalid YAML in this {what}: nested too deeply", "format") from None


def load_xml(text: str):
    """The root element; DTDs, entity declarations and external references are refused."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        return fromstring(text, forbid_dtd=True)
    except DefusedXmlException as e:
        raise ImportRefused(f"This XML declares a DTD or entities, which are refused ({type(e).__name__})",
                            "format") from None
    except ParseError as e:
        raise ImportRefused(f"Invalid XML: {e}", "format") from None
