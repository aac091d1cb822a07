"""The API schema's post-processing (drf-spectacular): a query parameter or body field whose
description starts with "Deprecated:" (a former name kept as an alias) is marked `deprecated`."""

from __future__ import annotations

MARK = "Deprecated:"


def _deprecated(item: dict) -> bool:
    return str(item.get("description", "")).startswith(MARK)


def mark_deprecated(result, generator, request, public):
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if _deprecated(parameter):
                    parameter["deprecated"] = True
    for component in result.get("components", {}).get("schemas", {}).values():
        for field in component.get("properties", {}).values():
            if _deprecated(field):
                field["deprecated"] = True
    return result
