"""The JSON side of the importers (`importers.parse`): a list of names or URLs, or of objects
holding one (`JSON_KEYS`), bare or under a `JSON_LISTS` key. ``line`` is the item's 1-based index."""

from __future__ import annotations

import json

from .decoding import ImportRefused

JSON_KEYS = ("full_name", "html_url", "url")  # priority order
JSON_LISTS = ("repositories", "items")
TEXT_LIMIT = 300


def json_items(doc) -> list | None:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in JSON_LISTS:
            if isinstance(doc.get(key), list):
                return doc[key]
    return None


def _json_snippet(item) -> str:
    try:
        return json.dumps(item, ensure_ascii=False)[:TEXT_LIMIT]
    except (ValueError, TypeError, RecursionError):
        return type(item).__name__


_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "true/false",
               int: "a number", float: "a number", type(None): "null"}


def parse_json(doc, col, text: str = "") -> None:
    items = json_items(doc)
    cursor = 0

    def add(index: int, value: str) -> None:
        # JSON strings without escapes stand in the text as written, in list order
        nonlocal cursor
        found = text.find(value, cursor) if "\\" not in value and '"' not in value else -1
        if found >= 0 and text[found - 1:found] == '"' and text[found + len(value):found + len(value) + 1] == '"':
            cursor = found + len(value)
            col.add(index, value, found)
        else:
            col.add(index, value)

    if items is None:
        raise ImportRefused("JSON must be a list of repositories, or an object with a "
                            "'repositories' or 'items' list", "format")
    for index, item in enumerate(items, 1):
        if isinstance(item, str):
            add(index, item)
        elif isinstance(item, dict):
            for key in JSON_KEYS:
                value = item.get(key)
                if isinstance(value, str) and value.strip():
                    add(index, value)
                    break
            else:
                present = [k for k in JSON_KEYS if k in item]
                reason = (f"item {index}: '{present[0]}' is not a non-empty string" if present else
                          f"item {index}: missing key 'full_name', 'html_url' or 'url'")
                col.reject(index, _json_snippet(item), reason)
        else:
            kind = _JSON_TYPES.get(type(item), type(item).__name__)
            col.reject(index, _json_snippet(item),
                       f"item {index}: expected a string or an object, got {kind}")


def load_json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ImportRefused(f"Invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}",
                            "format") from None
    except RecursionError:
        raise ImportRefused("Invalid JSON: nested too deeply", "format") from None
    except ValueError as e:
        raise ImportRefused(f"Invalid JSON: {e}", "format") from None
