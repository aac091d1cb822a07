"""Every /api/ route. The bulk health-check paths are the contract: no trailing slash."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from repositories.api import RepositoryViewSet
from scans.api import BulkHealthCheckViewSet, ScanViewSet

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
    path("bulk/health-check/<str:job_id>/progress", bulk.as_view({"get": "progress"}), name="health-check-progress"),
    path("bulk/health-check/<str:job_id>/cancel", bulk.as_view({"post": "cancel"}), name="health-check-cancel"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
