"""The scans API under /api/ (`api:` names): the bulk health-check contract (no trailing slash in
its paths), scans, and the import that starts a scan. Included by `repohealth/urls.py`; its routes
come before the catalog's, so `repositories/import` is not read as a repository's id."""

from django.urls import re_path

from repohealth.web.routers import SLASH, Router
from repohealth.web.throttling import ProgressRateThrottle
from scans.api import BulkHealthCheckViewSet, ImportViewSet, ScanViewSet

router = Router()
router.register("scans", ScanViewSet, basename="scan")

bulk = BulkHealthCheckViewSet
urlpatterns = [
    re_path(rf"^bulk/health-check{SLASH}$", bulk.as_view({"post": "create"}), name="health-check"),
    # Its own throttle scope, instead of the per-user one: a panel polls it every few hundred ms.
    re_path(rf"^bulk/health-check/(?P<job_id>[^/]+)/progress{SLASH}$",
            bulk.as_view({"get": "progress"}, throttle_classes=[ProgressRateThrottle]), name="health-check-progress"),
    re_path(rf"^bulk/health-check/(?P<job_id>[^/]+)/cancel{SLASH}$", bulk.as_view({"post": "cancel"}),
            name="health-check-cancel"),
    # Import lives with scans: it starts one.
    re_path(rf"^repositories/import{SLASH}$", ImportViewSet.as_view({"post": "create"}), name="repository-import"),
    *router.urls,
]
