"""Every /api/ route, in the top app (watch may import every app's viewsets; repohealth/urls.py
includes this table by name). The bulk health-check paths are the contract: no trailing slash."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from repohealth.throttling import ProgressRateThrottle

from repositories.api import RepositoryViewSet
from repositories.source_api import SourceViewSet
from scans.api import BulkHealthCheckViewSet, ImportViewSet, ScanViewSet
from watch.api import ChangeViewSet, RepositoryHistoryViewSet, ScheduleViewSet, SubscriptionViewSet

app_name = "api"

# Every route answers with and without a trailing slash; the schema (and the README) write each
# without one, as the contract writes /api/bulk/health-check: an optional slash in a
# non-capturing group is left out of the path drf-spectacular derives from the pattern.
SLASH = "(?:/)?"


class Router(DefaultRouter):
    """The viewsets' routes, with the optional trailing slash."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = SLASH


router = Router()
router.register("scans", ScanViewSet, basename="scan")
router.register("repositories", RepositoryViewSet, basename="repository")
router.register("schedules", ScheduleViewSet, basename="schedule")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("changes", ChangeViewSet, basename="change")
router.register("sources", SourceViewSet, basename="source")

bulk = BulkHealthCheckViewSet
urlpatterns = [
    re_path(rf"^bulk/health-check{SLASH}$", bulk.as_view({"post": "create"}), name="health-check"),
    # Its own throttle scope, instead of the per-user one: a panel polls it every few hundred ms.
    re_path(rf"^bulk/health-check/(?P<job_id>[^/]+)/progress{SLASH}$",
            bulk.as_view({"get": "progress"}, throttle_classes=[ProgressRateThrottle]), name="health-check-progress"),
    re_path(rf"^bulk/health-check/(?P<job_id>[^/]+)/cancel{SLASH}$", bulk.as_view({"post": "cancel"}),
            name="health-check-cancel"),
    # Before the router's `repositories/<pk>` route. Import lives with scans: it starts one.
    re_path(rf"^repositories/import{SLASH}$", ImportViewSet.as_view({"post": "create"}), name="repository-import"),
    re_path(rf"^repositories/(?P<pk>\d+)/history{SLASH}$", RepositoryHistoryViewSet.as_view({"get": "retrieve"}),
            name="repository-history"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its start-up script from a URL: no inline script (Content-Security-Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
         name="docs"),
    *router.urls,
]
