"""The repositories API: the catalog, export, accept-name, a person's maintenance override (PATCH).
(Import, which starts a scan, is `scans.api`.)"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from repohealth.web.api import ApiError, BadParameter, DetailSerializer, first_error
from repositories import services
from repositories.export import FORMATS, TOTAL_HEADER, export_response
from repositories.filters import InvalidFilter, RepositoryFilter, filter_repositories
from repositories.models import Repository
from repositories.permissions import RepositoryPermission
from repositories.serializers import MaintenanceOverrideSerializer, RepositorySerializer


class RepositoryFilterBackend(DjangoFilterBackend):
    """django-filter's backend, answering a bad filter value with our `{"detail": ...}` 400."""

    def filter_queryset(self, request, queryset, view):
        try:
            return filter_repositories(request.query_params, queryset)
        except InvalidFilter as exc:
            raise BadParameter(exc.errors) from None


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
    permission_classes = [IsAuthenticated, RepositoryPermission]
    filterset_class = RepositoryFilter
    filter_backends = [RepositoryFilterBackend]

    def get_queryset(self):
        return Repository.objects.with_labels().order_by("full_name", "id")

    def filter_queryset(self, queryset):
        """The list filters by the query string; one repository is found by its id alone."""
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=MaintenanceOverrideSerializer,
                   responses={200: RepositorySerializer, 400: DetailSerializer, 403: DetailSerializer,
                              404: DetailSerializer})
    def partial_update(self, request, pk=None):
        """A person's word on whether it is looked after: `finished`, `inactive` or `deprecated` over
        every signal (null clears it), with a note; kept in the history, never alerted."""
        repository = self.get_object()
        body = MaintenanceOverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        said = body.validated_data
        try:
            repository = services.repository_set_maintenance(
                repository=repository, override=said.get("maintenance_override", repository.maintenance_override),
                note=said.get("maintenance_note", repository.maintenance_note), user=request.user)
        except services.MaintenanceRefused as exc:
            errors = {exc.field: [exc.message]}
            raise ApiError(first_error(errors), errors=errors) from None
        return Response(RepositorySerializer(repository).data)

    def perform_destroy(self, instance):
        services.repository_delete(repository=instance)

    @extend_schema(request=None, responses=RepositorySerializer)
    @action(detail=True, methods=["post"], url_path="accept-name")
    def accept_name(self, request, pk=None):
        repository = services.repository_accept_name(repository=self.get_object())
        return Response(RepositorySerializer(repository).data)

    @extend_schema(filters=True, parameters=[
        OpenApiParameter("format", str, enum=["csv", "json"]),
        OpenApiParameter(TOTAL_HEADER, int, OpenApiParameter.HEADER, required=True, response=[200],
                         description="how many repositories the file holds, sent before the first one")],
        responses={(200, "text/csv"): str, (200, "application/json"): str, 400: DetailSerializer})
    @action(detail=False, methods=["get"], content_negotiation_class=IgnoreFormatParameter)
    def export(self, request):
        fmt = request.query_params.get("format", "csv")
        if fmt not in FORMATS:
            raise ApiError("format must be csv or json")
        try:  # validated before the first byte is streamed: a bad filter is a 400, never a cut body
            selected = filter_repositories(request.query_params)
        except InvalidFilter as exc:
            raise ApiError(str(exc), errors=exc.errors) from None
        return export_response(selected, fmt)
