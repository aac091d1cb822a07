"""The scans API: the bulk health-check contract, scan history, results, resume, and the import
(which starts a scan of what it imported)."""

from __future__ import annotations

import uuid

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from repohealth.web.api import ApiError, DetailSerializer, choices_param
from repohealth.web.auth import read_with_token
from repohealth.web.parsers import JSONParser
from repositories.models import Repository
from repositories.services import ImportRefused
from scans import selectors, services
from scans.models import ScanJob
from scans.run.progress import progress_key
from scans.selection import describe
from scans.serializers import (
    BulkHealthCheckRequestSerializer,
    BulkHealthCheckStartedSerializer,
    ImportAndScanRequestSerializer,
    ImportStartedSerializer,
    ProgressSerializer,
    ResumedSerializer,
    ScanJobSerializer,
    ScanResultSerializer,
)

NOT_FOUND = "Job not found or expired"


def scan_refused(exc: Exception) -> ApiError:
    """A scan that cannot start: 503 when the queue is away (try again later), else 400."""
    code = status.HTTP_503_SERVICE_UNAVAILABLE if isinstance(exc, services.QueueUnavailable) else 400
    return ApiError(str(exc), status=code)


def started_response(request, scan) -> dict:
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
                   responses={202: BulkHealthCheckStartedSerializer, 400: DetailSerializer, 503: DetailSerializer})
    def create(self, request):
        try:
            data = request.data
        except ParseError as exc:
            raise ApiError(f"The body is not valid JSON: {exc.detail}") from None
        form = BulkHealthCheckRequestSerializer(data=data)
        form.is_valid(raise_exception=True)
        try:
            scan = services.scan_start(repositories=form.validated_data["ids"], requested_by=request.user,
                                       full=form.validated_data["full"], trigger=ScanJob.Trigger.API,
                                       scope=describe({k: v for k, v in data.items() if k != "full"}))
        except services.ScanError as exc:
            raise scan_refused(exc) from None
        return Response(started_response(request, scan), status=status.HTTP_202_ACCEPTED)

    def cache_keys_read_with_token(self, request) -> list[str]:
        """A progress poll's payload is read in the token's round trip (repohealth.web.auth)."""
        if self.action != "progress":
            return []
        try:
            return [progress_key(uuid.UUID(str(self.kwargs.get("job_id"))))]
        except ValueError:
            return []

    @extend_schema(responses={200: ProgressSerializer, 404: DetailSerializer})
    def progress(self, request, job_id=None):
        payload = selectors.progress_for(request.user, job_id, read=read_with_token(request))
        if payload is None:
            raise NotFound(NOT_FOUND)
        return Response(payload)

    @extend_schema(request=None, responses={202: ProgressSerializer, 404: DetailSerializer, 409: DetailSerializer})
    def cancel(self, request, job_id=None):
        scan = selectors.scan_get_for(request.user, job_id)
        if scan is None:
            raise NotFound(NOT_FOUND)
        try:
            scan = services.scan_cancel(scan=scan)
        except services.ScanAlreadyFinished as exc:
            raise ApiError(str(exc), status=status.HTTP_409_CONFLICT) from None
        return Response(selectors.progress_for(request.user, scan.id), status=status.HTTP_202_ACCEPTED)


class ScanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Scan history: a user sees the scans they started; staff see every scan."""

    serializer_class = ScanJobSerializer

    def get_queryset(self):
        qs = selectors.scans_visible_to(self.request.user)
        if wanted := choices_param(self.request, "status", ScanJob.Status.values):
            qs = qs.filter(status__in=wanted)
        return qs

    def get_object(self):
        scan = selectors.scan_get_for(self.request.user, self.kwargs["pk"])
        if scan is None:
            raise NotFound(NOT_FOUND)
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
        if wanted := choices_param(request, "outcome", Repository.Health.values):
            qs = qs.filter(outcome__in=wanted)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ScanResultSerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: BulkHealthCheckStartedSerializer, 400: DetailSerializer,
                                            404: DetailSerializer, 409: ResumedSerializer, 503: DetailSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        scan = self.get_object()
        try:
            new = services.scan_resume(scan=scan, requested_by=request.user, trigger=ScanJob.Trigger.API)
        except services.AlreadyResumed as exc:
            raise ApiError(str(exc), status=status.HTTP_409_CONFLICT, resumed_by=str(exc.resumed_by.id)) from None
        except services.ScanError as exc:
            raise scan_refused(exc) from None
        return Response(started_response(request, new), status=status.HTTP_202_ACCEPTED)



class ImportViewSet(viewsets.ViewSet):
    """`POST /api/repositories/import`: import a list into the catalog and, unless `scan` is
    false, start a scan of everything it holds."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ImportAndScanRequestSerializer,
                            "application/json": ImportAndScanRequestSerializer},
                   responses={201: ImportStartedSerializer, 400: DetailSerializer})
    def create(self, request):
        form = ImportAndScanRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        upload = data.get("file")
        try:
            started = services.import_and_scan(
                source=upload.read() if upload is not None else data["text"], label=data.get("label"),
                requested_by=request.user, scan=data.get("scan", True), format=data.get("format"),
                filename=getattr(upload, "name", None), trigger=ScanJob.Trigger.API,
            )
        except ImportRefused as exc:
            raise ApiError(str(exc), reason=getattr(exc, "reason", None)) from None
        except services.ScanError as exc:  # the import is rolled back with it: nothing half-done
            raise scan_refused(exc) from None
        body = started.report.as_dict()
        job = started.scan
        body["job_id"] = str(job.id) if job else None
        body["progress_url"] = (
            request.build_absolute_uri(reverse("api:health-check-progress", args=[job.id])) if job else None
        )
        return Response(body, status=status.HTTP_201_CREATED)
