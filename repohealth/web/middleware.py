"""Request limits checked before any view, session or database work: a 4xx that says what was
wrong instead of a 500 (or a silently cut answer) further in.

- A control character (NUL, ESC, DEL, ...) in the path or in a query parameter's name or value:
  400 naming the parameter. PostgreSQL refuses NUL in text, so `?search=%00` would otherwise be a
  500 (and the CSV export a 200 whose body stopped after the header).
- A body larger than API_MAX_BODY_BYTES (2 MB): 413, from Content-Length, before anything
  reads it. The import routes (API and page) take up to twice IMPORT_MAX_BYTES and 64 KiB
  instead: the file plus its JSON or multipart envelope; the import itself then checks the file
  against IMPORT_MAX_BYTES. Django reads at most Content-Length bytes of a body (LimitedStream), and
  none without it, so Content-Length is the streamed length too; a chunked body without
  Content-Length would be silently ignored and is answered 411 instead.
- A page (not /api/) sent a body that is not a form: 415. Page forms post
  application/x-www-form-urlencoded or multipart/form-data; a JSON body there is a mistake.
- A NUL in a page form's field: 400 naming the field (no PostgreSQL text column can hold it).

/api/ answers are JSON `{"detail": ...}` like every API error; pages get a plain page. Each
refusal also asks the server to close the connection after it (CLOSE_CONNECTION, see
repohealth/webserver.py): the body, perhaps large and still being sent, is never read.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.html import format_html

from repohealth.webserver import CLOSE_CONNECTION

API_PREFIX = "/api/"
IMPORT_VIEWS = {"api:repository-import", "catalog:import"}
ENVELOPE_BYTES = 65_536
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _shown(text: str) -> str:
    """A name or value with its control characters written as escapes (\\x00)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _character(match: re.Match) -> str:
    return f"U+{ord(match.group()):04X}"


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.problem(request)
        if problem is None:
            return self.get_response(request)
        status, message, extra = problem
        request.META[CLOSE_CONNECTION] = True  # request.META is the server's WSGI environ
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse({"detail": message, **extra}, status=status)
        page = format_html("<!doctype html><title>{} {}</title><h1>{}</h1><p>{}</p>",
                           status, _REASONS[status], _REASONS[status], message)
        return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")

    def problem(self, request) -> tuple[int, str, dict] | None:
        if match := _CONTROL.search(request.path_info):
            return 400, f"The path contains a control character ({_character(match)}).", {}
        for name, values in request.GET.lists():
            if match := _CONTROL.search(name):
                return 400, (f"The query parameter name {_shown(name)!r} contains a control character "
                             f"({_character(match)})."), {"parameter": name}
            for value in values:
                if match := _CONTROL.search(value):
                    return 400, (f"The query parameter {name!r} contains a control character "
                                 f"({_character(match)})."), {"parameter": name}
        return self.body_problem(request)

    def body_problem(self, request) -> tuple[int, str, dict] | None:
        raw_length = request.META.get("CONTENT_LENGTH") or ""
        if not raw_length.strip():
            if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
                return 411, "Send the body with a Content-Length header (a chunked body is not read).", {}
            return None
        try:
            length = int(raw_length)
        except ValueError:
            return 400, f"Content-Length {raw_length!r} is not a number.", {}
        if length <= 0:
            return None
        limit, what = self.body_limit(request)
        if length > limit:
            return 413, f"The request body is too large: {length:,} bytes; the limit is {limit:,} bytes ({what}).", {
                "limit": limit}
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if not request.path_info.startswith(API_PREFIX):
            if content_type not in FORM_TYPES:
                return 415, (f"This page takes a form (application/x-www-form-urlencoded or multipart/form-data), "
                             f"not {content_type or 'a body without a Content-Type'}."), {}
            # NUL can be stored in no PostgreSQL text column: refused here for every page form at
            # once, naming the field (CSRF middleware reads the form next anyway). The API's JSON
            # parser refuses it the same way (repohealth/web/parsers.py).
            for name, values in request.POST.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return 400, f"The form field {_shown(name)!r} contains a NUL character (U+0000).", {
                        "parameter": name}
        return None

    def body_limit(self, request) -> tuple[int, str]:
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            view_name = ""
        if view_name in IMPORT_VIEWS:
            return import_body_limit(), "twice IMPORT_MAX_BYTES and 64 KiB, for an import"
        return settings.API_MAX_BODY_BYTES, "API_MAX_BODY_BYTES"


def import_body_limit() -> int:
    """The largest body of an import: the file, and room for its JSON escaping or multipart
    envelope. The import itself then holds the file to IMPORT_MAX_BYTES, saying so."""
    return 2 * settings.IMPORT_MAX_BYTES + ENVELOPE_BYTES


_REASONS = {400: "Bad Request", 411: "Length Required", 413: "Content Too Large", 415: "Unsupported Media Type"}
