"""The scans API: the bulk health-check contract, scan history, results, resume."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.response import Response

from repositories.models import Repository
from repositories.selectors import repository_list
from scans import selectors, services
from scans.models import ScanJob
from scans.serializers import (
    BulkHealthCheckRequestSerializer,
    BulkHealthCheckStartedSerializer,
    DetailSerializer,
    ProgressSerializer,
    ScanJobSerializer,
    ScanResultSerializer,
)

NOT_FOUND = {"detail": "Job not found or expired"}
MAX_NAMED_UNKNOWN = 20
MAX_ID = 2**63 - 1


class BadSelection(Exception):
    pass


def _selected_repositories(data) -> list[int]:
    """What a bulk health-check body selects, or BadSelection saying what is wrong."""
    if not isinstance(data, dict) or not data:
        raise BadSelection('Send a JSON object with "repository_ids" (a list of ids), "all": true, '
                           'or "health": [states].')
    given = [key for key in ("repository_ids", "all", "health") if key in data]
    if len(given) != 1:
        raise BadSelection('Send exactly one of "repository_ids", "all" or "health".')
    if "repository_ids" in data:
        ids = data["repository_ids"]
        if not isinstance(ids, list):
            raise BadSelection('"repository_ids" must be a list of integers.')
        if not ids:
            raise BadSelection('"repository_ids" is empty: name at least one repository.')
        for index, value in enumerate(ids):
            if isinstance(value, bool) or not isinstance(value, int):
                raise BadSelection(f'"repository_ids"[{index}] is not an integer: {value!r}.')
        ids = list(dict.fromkeys(ids))
        _check_limit(len(ids))
        known: set[int] = set()
        storable = [i for i in ids if 0 < i <= MAX_ID]  # others cannot name a row: unknown
        for start in range(0, len(storable), 5000):
            chunk = storable[start:start + 5000]
            known.update(Repository.objects.filter(id__in=chunk).values_list("id", flat=True))
        unknown = [i for i in ids if i not in known]
        if unknown:
            named = ", ".join(str(i) for i in unknown[:MAX_NAMED_UNKNOWN])
            more = f" and {len(unknown) - MAX_NAMED_UNKNOWN} more" if len(unknown) > MAX_NAMED_UNKNOWN else ""
            raise BadSelection(f"Unknown repository ids: {named}{more}.")
        return ids
    if "all" in data:
        if data["all"] is not True:
            raise BadSelection('"all" must be true.')
        ids = list(repository_list().order_by("id").values_list("id", flat=True))
    else:
        health = data["health"]
        if not isinstance(health, list) or not health or not all(isinstance(h, str) for h in health):
            raise BadSelection('"health" must be a non-empty list of health states.')
        bad = [h for h in health if h not in Repository.Health.values]
        if bad:
            raise BadSelection(f'Unknown health state {bad[0]!r}; use {", ".join(Repository.Health.values)}.')
        ids = list(repository_list(health=health).order_by("id").values_list("id", flat=True))
    if not ids:
        raise BadSelection("No repository matches that selection.")
    _check_limit(len(ids))
    return ids


def _check_limit(count: int) -> None:
    if count > settings.SCAN_MAX_REPOSITORIES:
        raise BadSelection(f"{count} repositories is more than the limit of {settings.SCAN_MAX_REPOSITORIES} "
                           "per scan (SCAN_MAX_REPOSITORIES).")


def started_response(request, scan: ScanJob) -> dict:
    return {
        "job_id": str(scan.id),
        "progress_url": request.build_absolute_uri(reverse("api:health-check-progress", args=[scan.id])),
        "cancel_url": request.build_absolute_uri(reverse("api:health-check-cancel", args=[scan.id])),
        "status": str(scan.status),
        "total": scan.total,
    }


class BulkHealthCheckViewSet(viewsets.ViewSet):
    """The contract other tools call: start a bulk health check, poll it, cancel it."""

    @extend_schema(request=BulkHealthCheckRequestSerializer,
                   responses={202: BulkHealthCheckStartedSerializer, 400: DetailSerializer})
    def create(self, request):
        try:
            data = request.data
        except ParseError as exc:
            return Response({"detail": f"The body is not valid JSON: {exc.detail}"}, status=400)
        try:
            ids = _selected_repositories(data)
            scan = services.scan_start(repositories=ids, requested_by=request.user)
        except (BadSelection, services.ScanError) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(started_response(request, scan), status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: ProgressSerializer, 404: DetailSerializer})
    def progress(self, request, job_id=None):
        payload = selectors.progress_for(request.user, job_id)
        if payload is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        return Response(payload)

    @extend_schema(request=None, responses={202: ProgressSerializer, 404: DetailSerializer, 409: DetailSerializer})
    def cancel(self, request, job_id=None):
        scan = selectors.scan_get_for(request.user, job_id)
        if scan is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        try:
            scan = services.scan_cancel(scan=scan)
        except services.ScanAlreadyFinished as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(selectors.progress_for(request.user, scan.id), status=status.HTTP_202_ACCEPTED)


class ScanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Scan history: a user sees the scans they started; staff see every scan."""

    serializer_class = ScanJobSerializer

    def get_queryset(self):
        qs = selectors.scans_visible_to(self.request.user)
        if wanted := self.request.query_params.get("status"):
            qs = qs.filter(status__in=wanted.split(","))
        return qs

    def get_object(self):
        scan = selectors.scan_get_for(self.request.user, self.kwargs["pk"])
        if scan is None:
            raise NotFound(NOT_FOUND["detail"])
        return scan

    @extend_schema(parameters=[OpenApiParameter("status", str, description="comma-separated statuses")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("outcome", str, description="comma-separated outcomes")],
                   responses=ScanResultSerializer(many=True))
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        scan = self.get_object()
        qs = scan.results.all()
        if wanted := request.query_params.get("outcome"):
            qs = qs.filter(outcome__in=wanted.split(","))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ScanResultSerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: BulkHealthCheckStartedSerializer, 400: DetailSerializer,
                                            404: DetailSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        scan = self.get_object()
        try:
            new = services.scan_resume(scan=scan, requested_by=request.user)
        except services.ScanError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(started_response(request, new), status=status.HTTP_202_ACCEPTED)

