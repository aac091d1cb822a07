"""The root URL table: each app's pages and API are included by name, so this module imports no app.

Every /api/ route is in the `api:` namespace; each app keeps its own table (`<app>/api_urls.py`).
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import APIRootView

from repohealth.web.healthz import healthz

# The API root's links: each collection and the name of its list route.
API_ROOT = {"scans": "scan-list", "repositories": "repository-list", "sources": "source-list",
            "schedules": "schedule-list", "subscriptions": "subscription-list", "changes": "change-list"}

api = [
    path("", APIRootView.as_view(api_root_dict=API_ROOT), name="api-root"),
    path("", include("scans.api_urls")),  # first: its repositories/import comes before repositories/<pk>
    path("", include("repositories.api_urls")),
    path("", include("watch.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its start-up script from a URL: no inline script (Content-Security-Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
         name="docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include((api, "api"))),
    path("healthz", healthz, name="healthz"),
    path("", include("scans.urls")),
    path("", include("scans.catalog_urls")),
    path("", include("repositories.urls")),
    path("", include("watch.urls")),
]
