from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from repohealth.healthz import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include("watch.api_urls")),
    path("healthz", healthz, name="healthz"),
    path("", include("scans.urls")),
    path("", include("scans.catalog_urls")),
    path("", include("watch.urls")),
]
