"""API plumbing every app shares: the `{"detail": ...}` error body, the one exception handler
that shapes every API error so, and how a serializer's errors become one sentence that names the
field."""

from __future__ import annotations

from rest_framework import serializers, views
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import set_rollback


class DetailSerializer(serializers.Serializer):
    """Every error answer: `detail` says what was wrong; `errors` (when present) by field."""

    detail = serializers.CharField()


def first_error(errors) -> str:
    """The first message of a serializer's or form's errors, prefixed by its field's name."""
    for field, messages in errors.items():
        if isinstance(messages, dict):
            return f"{field}.{first_error(messages)}"
        message = messages[0] if isinstance(messages, (list, tuple)) else messages
        if isinstance(message, dict):
            return f"{field}.{first_error(message)}"
        # `detail` is a whole sentence already (a serializer that validates the body as one).
        return str(message) if field in ("non_field_errors", "__all__", "detail") else f"{field}: {message}"
    return "invalid request"


class ApiError(APIException):
    """An API error that says what was wrong in `detail`, and names what it concerns in the
    other keys it is given (`errors` by field or parameter, `resumed_by`, `reason`)."""

    def __init__(self, detail: str, *, status: int = 400, **named) -> None:
        super().__init__(detail)
        self.status_code = status
        self.body = {"detail": detail, **named}


class BadParameter(ApiError):
    """A query parameter the view cannot use: 400 `{"detail": "<name>: <why>", "errors": {...}}`."""

    def __init__(self, errors: dict) -> None:
        super().__init__(first_error(errors), errors=errors)


def exception_handler(exc, context) -> Response | None:
    """Every API error as `{"detail": ...}` (the REST_FRAMEWORK setting EXCEPTION_HANDLER): a
    refused body names the first wrong field in `detail` and every one in `errors`; an ApiError
    says what it names; DRF's own errors (not found, not allowed, throttled) are already so."""
    if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
        exc = ApiError(first_error(exc.detail), errors=exc.detail)
    if isinstance(exc, ApiError):
        set_rollback()
        return Response(exc.body, status=exc.status_code)
    return views.exception_handler(exc, context)


def choices_param(request, name: str, choices) -> list[str]:
    """A comma-separated query parameter whose every value must be one of `choices`."""
    return choices_of(request.query_params, name, choices)


def choices_of(params, name: str, choices) -> list[str]:
    """`params[name]` (a mapping of query parameters), comma-separated, every value one of
    `choices`; else BadParameter naming it."""
    wanted = [value for value in (params.get(name) or "").split(",") if value]
    if bad := [value for value in wanted if value not in choices]:
        raise BadParameter({name: [f"{bad[0]!r} is not one of {', '.join(choices)}."]})
    return wanted
