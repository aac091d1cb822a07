"""The app as gunicorn serves it in the bench, plus two things the bench needs from the server:

* `/bench/ping` answers a tiny JSON document itself: the trivial view that row 3 compares the
  progress endpoint with (same gunicorn, same workers, same client; no Django);
* every response carries `X-Bench-Queries`, the number of SQL queries that request ran,
  counted with a database execute wrapper around the request (no middleware added).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection

from bench import QUERIES_HEADER
from repohealth.wsgi import application as django_application

PING_BODY = b'{"ok": true}'


def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/bench/ping":
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(PING_BODY))),
                                  (QUERIES_HEADER, "0")])
        return [PING_BODY]
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    def start(status: str, headers: list[tuple[str, str]], exc_info=None):
        return start_response(status, [*headers, (QUERIES_HEADER, str(queries))], exc_info)

    with connection.execute_wrapper(count):
        return django_application(environ, start)
