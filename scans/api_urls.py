"""Every /api/ route (scans is the top app: it may import the catalog's viewsets). The bulk
health-check paths are the contract: no trailing slash."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from repohealth.throttling import ProgressRateThrottle

from repositories.api import RepositoryViewSet
from scans.api import BulkHealthCheckViewSet, ImportViewSet, ScanViewSet

app_name = "api"

class Router(DefaultRouter):
    """Routes answer with and without a trailing slash (`/api/repositories/import` as the
    contract spells it, and `/api/repositories/import/`)."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


router = Router()
router.register("scans", ScanViewSet, basename="scan")
router.register("repositories", RepositoryViewSet, basename="repository")

bulk = BulkHealthCheckViewSet
urlpatterns = [
    path("bulk/health-check", bulk.as_view({"post": "create"}), name="health-check"),
    # Its own throttle scope, instead of the per-user one: a panel polls it every few hundred ms.
    path("bulk/health-check/<str:job_id>/progress",
         bulk.as_view({"get": "progress"}, throttle_classes=[ProgressRateThrottle]), name="health-check-progress"),
    path("bulk/health-check/<str:job_id>/cancel", bulk.as_view({"post": "cancel"}), name="health-check-cancel"),
    # Before the router's `repositories/<pk>` route. Import lives with scans: it starts one.
    re_path(r"^repositories/import/?$", ImportViewSet.as_view({"post": "create"}), name="repository-import"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its start-up script from a URL: no inline script (Content-Security-Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
         name="docs"),
    *router.urls,
]
