"""A GraphQL query's rate-limit cost, by GitHub's documented formula.

https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api
("Calculating a rate limit score before running the call"): add up the requests needed to
fulfil every unique connection in the call, assuming each reaches its ``first``/``last``
limit; divide by 100; round to the nearest whole number; never less than 1.

A connection nested in another is one request per item of its parent: the docs' query of
100 repositories × 50 issues × 60 labels needs 1 + 100 + 100 × 50 = 5,101 requests, a score
of 51. A field is a connection when it takes ``first``/``last`` or selects ``totalCount``,
``nodes``, ``edges`` or ``pageInfo`` (true of GitHub's ``*Connection`` fields; the fake has no
schema for most types). A connection without ``first``/``last`` can only count
(``totalCount``), so nothing below it multiplies. This is GitHub's upper bound: its real charge
can be lower, and it says what it charged in ``rateLimit { cost }``.
"""

from __future__ import annotations

from typing import Any

from .document import Field, Fragment, Selection, resolve, selection_fields

CONNECTION_FIELDS = frozenset({"totalCount", "nodes", "edges", "pageInfo"})
PAGE_ARGUMENTS = ("first", "last")


def is_connection(found: Field, fragments: dict[str, Fragment]) -> bool:
    return (any(name in found.arguments for name in PAGE_ARGUMENTS)
            or any(inner.name in CONNECTION_FIELDS for inner in _fields(found.selections, fragments)))


def _fields(selections: list[Selection], fragments: dict[str, Fragment]) -> list[Field]:
    try:
        return selection_fields(selections, fragments)
    except KeyError:
        return [s for s in selections if isinstance(s, Field)]


def _page_size(found: Field, variables: dict[str, Any]) -> int:
    for name in PAGE_ARGUMENTS:
        value = resolve(found.arguments.get(name), variables)
        if isinstance(value, int) and value > 0:
            return value
    return 1


def connection_requests(selections: list[Selection], fragments: dict[str, Fragment],
                        variables: dict[str, Any] | None = None, parents: int = 1) -> int:
    """Requests needed for every connection under ``selections``, each reached ``parents`` times."""
    return parents * _per_parent(selections, fragments, variables or {}, {})


def _per_parent(selections: list[Selection], fragments: dict[str, Fragment], variables: dict[str, Any],
                memo: dict[int, tuple[list, int]]) -> int:
    """The requests under ``selections`` for one parent (the count is linear in the parents), once
    per selection list: a batch's 100 aliases share their fragment's lists (the memo holds each
    list, so its id is not reused during the call)."""
    if id(selections) not in memo:
        total = 0
        for found in _fields(selections, fragments):
            inner = 1
            if is_connection(found, fragments):
                total += 1
                inner = _page_size(found, variables)
            total += inner * _per_parent(found.selections, fragments, variables, memo)
        memo[id(selections)] = (selections, total)
    return memo[id(selections)][1]


def score(requests: int) -> int:
    """Requests / 100, rounded half up (GitHub's "nearest whole number"), at least 1."""
    return max(1, (requests + 50) // 100)


def query_cost(selections: list[Selection], fragments: dict[str, Fragment],
               variables: dict[str, Any] | None = None) -> tuple[int, int]:
    """``(requests, cost)`` of an operation's selection set."""
    requests = connection_requests(selections, fragments, variables)
    return requests, score(requests)
