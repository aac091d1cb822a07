"""API plumbing every app shares: the `{"detail": ...}` error body and how a serializer's
errors become one sentence that names the field."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.response import Response


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


def bad_request(errors, status: int = 400) -> Response:
    """400 with the first error as `detail` and every error by field."""
    return Response({"detail": first_error(errors), "errors": errors}, status=status)


class BadParameter(APIException):
    """A query parameter the view cannot use: 400 `{"detail": "<name>: <why>", "errors": {...}}`."""

    status_code = 400
    default_detail = "A query parameter is wrong."

    def __init__(self, errors: dict) -> None:
        super().__init__({"detail": first_error(errors), "errors": errors})


def choices_param(request, name: str, choices) -> list[str]:
    """A comma-separated query parameter whose every value must be one of `choices`."""
    wanted = [value for value in request.query_params.get(name, "").split(",") if value]
    if bad := [value for value in wanted if value not in choices]:
        raise BadParameter({name: [f"{bad[0]!r} is not one of {', '.join(choices)}."]})
    return wanted
