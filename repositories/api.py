"""The repositories API: the catalog, import, export, accept-name."""

from __future__ import annotations

import csv
import json

from django.http import StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from repositories import selectors, services
from repositories.serializers import ImportReportSerializer, ImportRequestSerializer, RepositorySerializer
from scans.serializers import DetailSerializer

FILTER_PARAMETERS = [
    OpenApiParameter("health", str, description="comma-separated health states"),
    OpenApiParameter("language", str, description="comma-separated languages"),
    OpenApiParameter("label", str, description="comma-separated labels"),
    OpenApiParameter("archived", bool),
    OpenApiParameter("search", str, description="in the name and description"),
    OpenApiParameter("ordering", str, enum=sorted(selectors.ORDERINGS)),
]
EXPORT_FIELDS = [
    "id", "full_name", "html_url", "health", "health_detail", "description", "stars", "forks", "open_issues",
    "watchers", "language", "topics", "license", "default_branch", "archived", "fork", "pushed_at",
    "previous_names", "last_checked_at",
]


def neutralise(value) -> str:
    """A CSV cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is quoted with '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def filtered(params):
    archived = params.get("archived")
    return selectors.repository_list(
        health=params.get("health"), language=params.get("language"), label=params.get("label"),
        archived=None if archived in (None, "") else archived.lower() in ("1", "true", "yes"),
        search=params.get("search") or None, ordering=params.get("ordering"),
    )


class IgnoreFormatParameter(BaseContentNegotiation):
    """`export?format=csv|json` names the file format, not a DRF renderer: errors render as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


class RepositoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                        viewsets.GenericViewSet):
    serializer_class = RepositorySerializer

    def get_queryset(self):
        if self.action == "list":
            return filtered(self.request.query_params).prefetch_related("labels")
        return selectors.repository_list().prefetch_related("labels")

    @extend_schema(parameters=FILTER_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.repository_delete(repository=instance)

    @extend_schema(request=None, responses=RepositorySerializer)
    @action(detail=True, methods=["post"], url_path="accept-name")
    def accept_name(self, request, pk=None):
        repository = services.repository_accept_name(repository=self.get_object())
        return Response(RepositorySerializer(repository).data)

    @extend_schema(request={"multipart/form-data": ImportRequestSerializer, "application/json": ImportRequestSerializer},
                   responses={201: ImportReportSerializer, 400: DetailSerializer})
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[JSONParser, MultiPartParser, FormParser])
    def import_(self, request):
        form = ImportRequestSerializer(data=request.data)
        if not form.is_valid():
            return Response({"detail": _first_error(form.errors), "errors": form.errors}, status=400)
        data = form.validated_data
        upload = data.get("file")
        source = upload.read() if upload is not None else data["text"]
        try:
            report = services.repositories_import(
                source=source, label=data.get("label"), requested_by=request.user, scan=data.get("scan", True),
                format=data.get("format"), filename=getattr(upload, "name", None),
            )
        except services.ImportRefused as exc:
            return Response({"detail": str(exc), "reason": getattr(exc, "reason", None)}, status=400)
        body = report.as_dict()
        body["progress_url"] = (
            request.build_absolute_uri(reverse("api:health-check-progress", args=[report.job_id]))
            if report.job_id else None
        )
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[*FILTER_PARAMETERS, OpenApiParameter("format", str, enum=["csv", "json"])],
                   responses={(200, "text/csv"): str, (200, "application/json"): str})
    @action(detail=False, methods=["get"], content_negotiation_class=IgnoreFormatParameter)
    def export(self, request):
        fmt = request.query_params.get("format", "csv")
        if fmt not in ("csv", "json"):
            return Response({"detail": "format must be csv or json"}, status=400)
        rows = filtered(request.query_params).values_list(*EXPORT_FIELDS).iterator(chunk_size=2000)
        if fmt == "csv":
            response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
        else:
            response = StreamingHttpResponse(_json_chunks(rows), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="repositories.{fmt}"'
        return response


def _first_error(errors) -> str:
    for field, messages in errors.items():
        message = messages[0] if isinstance(messages, list) else messages
        return str(message) if field == "non_field_errors" else f"{field}: {message}"
    return "invalid request"


class _Echo:
    def write(self, value):
        return value


def _csv_lines(rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_FIELDS)
    for row in rows:
        yield writer.writerow([neutralise(_cell(v)) for v in row])


def _cell(value):
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _json_chunks(rows):
    yield "["
    first = True
    for row in rows:
        item = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in zip(EXPORT_FIELDS, row)}
        yield ("" if first else ",") + json.dumps(item)
        first = False
    yield "]"
