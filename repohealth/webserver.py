"""gunicorn's settings for `make run` (and the web machines): `gunicorn -c python:repohealth.webserver`.

- gthread workers: a browser keeps its connection open between htmx polls; an idle keep-alive
  connection waits in the worker's event loop, so the threads serve only requests in flight.
  Two processes (the GIL: one core each) of 32 threads, so that tens of browsers' requests in
  flight each have a thread: with fewer, a cheap progress poll waits in the queue behind page
  renders (the bench's `pages_load` row: 8 threads made the polls' median ten times slower).
  Each thread keeps its own database connection (CONN_MAX_AGE): with PostgreSQL, up to 64 per
  web machine. GUNICORN_CMD_ARGS="--workers 4 --threads 16" overrides these.
- `graceful_timeout`: on SIGTERM (Ctrl-C in `make run`, a restart) requests in flight finish
  first; below the supervisor's 10 s before it sends the next signal.
- A request refused before its body was read (repohealth.web.middleware: 413, 411, 400) closes its
  connection once the answer is sent. WSGI does not let the application set `Connection`, so the
  middleware marks the request (CLOSE_CONNECTION in the environ) and `post_request` below acts on
  it; otherwise gunicorn would read and discard the whole body (30 MB of it, say) in a thread
  before the connection could serve anything else, and the client would go on sending it.

This module imports nothing of Django: gunicorn's master reads it before the application loads.
"""

from __future__ import annotations

import contextlib
import socket

CLOSE_CONNECTION = "repohealth.close_connection"

wsgi_app = "repohealth.wsgi:application"
worker_class = "gthread"
workers = 2
threads = 32
keepalive = 5  # seconds an idle connection is kept: longer than the pages' htmx polling interval
graceful_timeout = 8
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'


def post_request(worker, req, environ, resp) -> None:  # noqa: ARG001 - gunicorn's hook signature
    """Close the connection of a request the application refused unread: gunicorn takes
    `must_close` as the request having asked for it, so it reads nothing more from the socket and
    closes it instead of waiting for the next request; shutting the write side now tells the
    client at once (its answer is already sent) that nothing more comes."""
    if not environ.get(CLOSE_CONNECTION):
        return
    req.must_close = True
    with contextlib.suppress(OSError):  # the client has gone already
        environ["gunicorn.socket"].shutdown(socket.SHUT_WR)
