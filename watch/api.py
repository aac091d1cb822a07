"""The watch API: schedules (`/api/schedules/`, `POST .../{id}/run`), subscriptions
(`/api/subscriptions/`), the history of a repository (`/api/repositories/{id}/history`) and the
changes of the catalog (`/api/changes/`). A user sees and changes their own schedules and
subscriptions; the history is the shared catalog's, naming a scan only to users who may see it."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from repohealth.web.api import ApiError, BadParameter, DetailSerializer
from repositories.filters import DEPRECATED_FILTERS, FILTER_FIELDS, InvalidFilter, changes_filtered
from repositories.history import CHANGE_FIELDS, changes, metric_series, transition
from repositories.models import Repository
from scans import selectors as scan_selectors
from scans import services as scan_services
from scans.api import scan_refused, started_response
from scans.serializers import BulkHealthCheckStartedSerializer
from watch import schedules, services
from watch.models import EVENTS, Delivery, Schedule, Subscription
from watch.serializers import (
    DeliverySerializer,
    HistorySerializer,
    RotatedSecretSerializer,
    ScheduleSerializer,
    SubscriptionSerializer,
    TransitionSerializer,
)


class BodyFirst:
    """A body that cannot be read is a 400 before any lookup (whatever the id in the path)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("POST", "PUT", "PATCH"):
            request.data  # noqa: B018 - parses now: a ParseError is a 400


class ScheduleViewSet(BodyFirst, viewsets.ModelViewSet):
    serializer_class = ScheduleSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return Schedule.objects.none()
        return Schedule.objects.filter(owner=self.request.user).select_related("label", "source", "last_scan")

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)

    @extend_schema(request=None, responses={202: BulkHealthCheckStartedSerializer, 400: DetailSerializer,
                                            404: DetailSerializer, 409: DetailSerializer, 503: DetailSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        """Run now: a scan of what the schedule covers, least recently checked first (409 while its
        last run goes on)."""
        try:
            scan = schedules.schedule_run(schedule=self.get_object())
        except schedules.ScheduleBusy as exc:
            raise ApiError(str(exc), status=status.HTTP_409_CONFLICT) from None
        except scan_services.ScanError as exc:
            raise scan_refused(exc) from None
        return Response(started_response(request, scan), status=status.HTTP_202_ACCEPTED)


class SubscriptionViewSet(BodyFirst, viewsets.ModelViewSet):
    serializer_class = SubscriptionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Subscription.objects.none()
        return Subscription.objects.filter(owner=self.request.user).select_related("label", "source")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = services.subscription_save(subscription=Subscription(owner=request.user,
                                                                            **serializer.validated_data))
        body = SubscriptionSerializer(subscription, context={"reveal_secret": True}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        for name, value in serializer.validated_data.items():
            setattr(serializer.instance, name, value)
        services.subscription_save(subscription=serializer.instance)

    @extend_schema(request=None, responses={200: RotatedSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret, answered in full once: webhooks are signed with it, the feed's URL changes."""
        return Response({"secret": services.subscription_rotate_secret(subscription=self.get_object())})

    @extend_schema(request=None, responses={202: DeliverySerializer, 400: DetailSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a test: one made-up transition, signed like a digest; its outcome is in the deliveries."""
        try:
            delivery = services.subscription_send_test(subscription=self.get_object())
        except ValueError as exc:
            raise ApiError(str(exc)) from None
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The delivery log, newest first: status, HTTP status code, response time, error."""
        page = self.paginate_queryset(Delivery.objects.filter(subscription=self.get_object()).order_by("-id"))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


def visible_transitions(user, rows) -> list[dict]:
    """Change rows as the API shows them: a scan is named only to users who may see it."""
    rows = list(rows)
    visible = scan_selectors.visible_scan_ids(user, {row.scan_id for row in rows})
    return [{"id": row.id, **transition(row), "scan_id": str(row.scan_id) if row.scan_id in visible else None}
            for row in rows]


class ChangeViewSet(viewsets.GenericViewSet):
    """`/api/changes/`: every recorded change of the catalog, newest first."""

    serializer_class = TransitionSerializer

    @extend_schema(parameters=[
        OpenApiParameter("since", str, description="ISO 8601 time: changes at or after it"),
        OpenApiParameter("field", str, description=f"comma-separated fields: {', '.join(CHANGE_FIELDS)}"),
        OpenApiParameter("event", str, description=f"comma-separated events: {', '.join(EVENTS)} "
                                                   "(`stale` is taken as `inactive`)"),
        *[OpenApiParameter(name, str, description="a catalog filter (as /api/repositories/)")
          for name in FILTER_FIELDS],
        *[OpenApiParameter(old, str, description=f"Deprecated: the former name of {new}")
          for old, new in DEPRECATED_FILTERS.items()],
    ], responses={200: TransitionSerializer(many=True), 400: DetailSerializer})
    def list(self, request):
        try:
            rows = changes_filtered(request.query_params)
        except InvalidFilter as exc:
            raise BadParameter(exc.errors) from None
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(visible_transitions(request.user, page))


class RepositoryHistoryViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """`/api/repositories/{id}/history`: its changes (newest first) and daily counts."""

    serializer_class = HistorySerializer
    queryset = Repository.objects.all()

    @extend_schema(parameters=[OpenApiParameter("days", int, description="counts of the last N days (365)")],
                   responses={200: HistorySerializer, 404: DetailSerializer})
    def retrieve(self, request, pk=None):
        repository = Repository.objects.filter(pk=pk).first() if str(pk).isdigit() else None
        if repository is None:
            raise NotFound("No such repository")
        try:
            days = max(1, min(int(request.query_params.get("days", 365)), 36_500))
        except ValueError:
            raise BadParameter({"days": ["a whole number of days"]}) from None
        return Response({
            "repository_id": repository.id, "full_name": repository.full_name, "suspected": repository.suspected,
            "changes": visible_transitions(request.user,
                                           changes(repositories=Repository.objects.filter(id=repository.id))),
            "metrics": [{"day": s.day.isoformat(), "stars": s.stars, "forks": s.forks, "open_issues": s.open_issues,
                         "watchers": s.watchers} for s in metric_series(repository, days=days)],
        })
