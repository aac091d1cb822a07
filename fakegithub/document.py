"""GraphQL documents: a small parser for the executable part of the language.

Enough of https://spec.graphql.org/October2021/#sec-Language for any query a client sends:
operations (with variable definitions and defaults), fields with aliases and arguments
(every literal kind, variables), directives (parsed, then ignored), named fragments, fragment
spreads and inline fragments. ``selection_fields`` flattens fragments and merges fields of the
same response key, as execution does. Standard library only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

_TOKEN = re.compile(r'''
    (?P<ignored>[\s,\ufeff]+|\#[^\n\r]*)
  | (?P<block>"""(?:[^"\\]|\\"""|\\.|"(?!""))*""")
  | (?P<string>"(?:[^"\\\n\r]|\\.)*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<punct>\.\.\.|[!$&()\:=@\[\]{|}])
''', re.VERBOSE)


class GraphQLSyntaxError(ValueError):
    """A document that does not parse; ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line, self.column = line, column


@dataclass(frozen=True)
class Variable:
    """``$name`` in an argument: resolved against the request's variables."""

    name: str


@dataclass
class Field:
    name: str
    alias: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    selections: list["Selection"] = field(default_factory=list)
    line: int = 1
    column: int = 1

    @property
    def key(self) -> str:
        """The response key: the alias, or the field's name."""
        return self.alias or self.name

    @property
    def location(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}


@dataclass
class FragmentSpread:
    name: str
    line: int = 1
    column: int = 1


@dataclass
class InlineFragment:
    type_condition: str | None
    selections: list["Selection"] = field(default_factory=list)


Selection = Field | FragmentSpread | InlineFragment


@dataclass
class Operation:
    kind: str  # query, mutation or subscription
    name: str | None
    variable_defaults: dict[str, Any]
    selections: list[Selection]
    variable_types: dict[str, str] = field(default_factory=dict)  # "since" -> "GitTimestamp!"


@dataclass
class Fragment:
    name: str
    type_condition: str
    selections: list[Selection]


@dataclass
class Document:
    operations: list[Operation]
    fragments: dict[str, Fragment]

    def operation(self, name: str | None = None) -> Operation:
        """The operation to run: the named one, or the only one (GraphQL's rule)."""
        if name:
            for operation in self.operations:
                if operation.name == name:
                    return operation
            raise ValueError(f'No operation named "{name}"')
        if len(self.operations) != 1:
            raise ValueError("An operation name is required when a document holds several operations")
        return self.operations[0]


@dataclass
class _Token:
    kind: str
    value: str
    line: int
    column: int


def _tokens(source: str) -> Iterator[_Token]:
    line, line_start, position = 1, 0, 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise GraphQLSyntaxError(f"Unexpected character {source[position]!r}", line,
                                     position - line_start + 1)
        kind, text = match.lastgroup or "", match.group()
        if kind != "ignored":
            yield _Token(kind, text, line, position - line_start + 1)
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + text.rfind("\n") + 1
        position = match.end()
    yield _Token("eof", "", line, position - line_start + 1)


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = list(_tokens(source))
        self.index = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def error(self, expected: str) -> GraphQLSyntaxError:
        token = self.token
        shown = "end of document" if token.kind == "eof" else repr(token.value)
        return GraphQLSyntaxError(f"Expected {expected}, found {shown}", token.line, token.column)

    def peek(self, value: str) -> bool:
        return self.token.kind == "punct" and self.token.value == value

    def take(self, value: str) -> bool:
        if self.peek(value):
            self.index += 1
            return True
        return False

    def expect(self, value: str) -> _Token:
        token = self.token
        if not self.take(value):
            raise self.error(repr(value))
        return token

    def name(self) -> _Token:
        token = self.token
        if token.kind != "name":
            raise self.error("a name")
        self.index += 1
        return token

    # ------------------------------------------------------------------ document

    def document(self) -> Document:
        operations: list[Operation] = []
        fragments: dict[str, Fragment] = {}
        while self.token.kind != "eof":
            if self.peek("{"):
                operations.append(Operation("query", None, {}, self.selection_set()))
            elif self.token.kind == "name" and self.token.value in ("query", "mutation", "subscription"):
                operations.append(self.operation())
            elif self.token.kind == "name" and self.token.value == "fragment":
                fragment = self.fragment()
                fragments[fragment.name] = fragment
            else:
                raise self.error("an operation or a fragment")
        if not operations:
            raise GraphQLSyntaxError("The document holds no operation", 1, 1)
        return Document(operations, fragments)

    def operation(self) -> Operation:
        kind = self.name().value
        name = self.name().value if self.token.kind == "name" else None
        defaults: dict[str, Any] = {}
        types: dict[str, str] = {}
        if self.take("("):
            while not self.take(")"):
                self.expect("$")
                variable = self.name().value
                self.expect(":")
                types[variable] = self.type_reference()
                if self.take("="):
                    defaults[variable] = self.value(constant=True)
                self.directives()
        self.directives()
        return Operation(kind, name, defaults, self.selection_set(), types)

    def type_reference(self) -> str:
        """A variable's type as written: ``GitTimestamp!``, ``[String!]``."""
        if self.take("["):
            spelled = f"[{self.type_reference()}]"
            self.expect("]")
        else:
            spelled = self.name().value
        return spelled + "!" if self.take("!") else spelled

    def fragment(self) -> Fragment:
        self.name()  # "fragment"
        name = self.name().value
        if self.token.value != "on":
            raise self.error("'on'")
        self.index += 1
        type_condition = self.name().value
        self.directives()
        return Fragment(name, type_condition, self.selection_set())

    def directives(self) -> None:
        while self.take("@"):
            self.name()
            if self.peek("("):
                self.arguments()

    def selection_set(self) -> list[Selection]:
        self.expect("{")
        selections: list[Selection] = []
        while not self.take("}"):
            selections.append(self.selection())
        if not selections:
            raise self.error("a selection")
        return selections

    def selection(self) -> Selection:
        start = self.token
        if self.take("..."):
            if self.token.kind == "name" and self.token.value != "on":
                spread = FragmentSpread(self.name().value, start.line, start.column)
                self.directives()
                return spread
            type_condition = None
            if self.token.value == "on":
                self.index += 1
                type_condition = self.name().value
            self.directives()
            return InlineFragment(type_condition, self.selection_set())
        first = self.name()
        alias, name = None, first.value
        if self.take(":"):
            alias, name = name, self.name().value
        arguments = self.arguments() if self.peek("(") else {}
        self.directives()
        selections = self.selection_set() if self.peek("{") else []
        return Field(name, alias, arguments, selections, first.line, first.column)

    def arguments(self) -> dict[str, Any]:
        self.expect("(")
        arguments: dict[str, Any] = {}
        while not self.take(")"):
            name = self.name().value
            self.expect(":")
            arguments[name] = self.value(constant=False)
        return arguments

    def value(self, *, constant: bool) -> Any:
        token = self.token
        if not constant and self.take("$"):
            return Variable(self.name().value)
        if self.take("["):
            items = []
            while not self.take("]"):
                items.append(self.value(constant=constant))
            return items
        if self.take("{"):
            fields = {}
            while not self.take("}"):
                name = self.name().value
                self.expect(":")
                fields[name] = self.value(constant=constant)
            return fields
        self.index += 1
        if token.kind == "string":
            return json.loads(token.value, strict=False)  # GraphQL's escapes are JSON's
        if token.kind == "block":
            return _block_string(token.value[3:-3])
        if token.kind == "number":
            return float(token.value) if any(c in token.value for c in ".eE") else int(token.value)
        if token.kind == "name":
            return {"true": True, "false": False, "null": None}.get(token.value, token.value)  # enums as str
        self.index -= 1
        raise self.error("a value")


def _block_string(raw: str) -> str:
    lines = raw.replace('\\"""', '"""').splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    common = min(indents) if indents else 0
    lines = lines[:1] + [line[common:] for line in lines[1:]]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def parse(source: str) -> Document:
    """Parse a GraphQL document; raises ``GraphQLSyntaxError`` with the position of the problem."""
    return _Parser(source).document()


def resolve(value: Any, variables: dict[str, Any]) -> Any:
    """An argument's value with its ``$variables`` replaced."""
    if isinstance(value, Variable):
        return variables.get(value.name)
    if isinstance(value, list):
        return [resolve(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item, variables) for key, item in value.items()}
    return value


_FLAT: dict[tuple, tuple[list, dict, list[Field]]] = {}
_FLAT_LIMIT = 4096


def selection_fields(selections: list[Selection], fragments: dict[str, Fragment],
                     types: frozenset[str] | None = None, _seen: frozenset[str] = frozenset()) -> list[Field]:
    """The fields a selection set asks for, fragments flattened, one ``Field`` per response key
    (fields asked twice under one key have their sub-selections merged).

    A fragment whose type condition is not in ``types`` (the object's type and its interfaces)
    is left out; with ``types=None`` every fragment applies. An unknown fragment raises ``KeyError``.

    Remembered per selection list: a batch asks one fragment's fields for each of its 100 aliases,
    and costing, checking and answering each flatten them (the entry holds the list and the
    fragments, so their ids cannot be reused while remembered).
    """
    key = (id(selections), id(fragments), types, _seen)
    known = _FLAT.get(key)
    if known is not None and known[0] is selections and known[1] is fragments:
        return list(known[2])
    fields = _flatten(selections, fragments, types, _seen)
    if len(_FLAT) >= _FLAT_LIMIT:
        _FLAT.clear()
    _FLAT[key] = (selections, fragments, fields)
    return list(fields)


def _flatten(selections: list[Selection], fragments: dict[str, Fragment], types: frozenset[str] | None,
             _seen: frozenset[str]) -> list[Field]:
    merged: dict[str, Field] = {}

    def add(found: Field) -> None:
        if found.key in merged:
            kept = merged[found.key]
            merged[found.key] = Field(kept.name, kept.alias, kept.arguments,
                                      kept.selections + found.selections, kept.line, kept.column)
        else:
            merged[found.key] = found

    for selection in selections:
        if isinstance(selection, Field):
            add(selection)
            continue
        if isinstance(selection, FragmentSpread):
            if selection.name in _seen:
                continue  # a cycle: invalid GraphQL; GitHub refuses it, we stop expanding
            fragment = fragments[selection.name]
            condition, inner, seen = fragment.type_condition, fragment.selections, _seen | {selection.name}
        else:
            condition, inner, seen = selection.type_condition, selection.selections, _seen
        if types is None or condition is None or condition in types:
            for found in selection_fields(inner, fragments, types, seen):
                add(found)
    return list(merged.values())
