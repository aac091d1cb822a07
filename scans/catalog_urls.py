"""The catalog's pages (`scans.pages.catalog`), under the `catalog:` names."""

from django.urls import path

from scans.pages import bulk as bulk_views
from scans.pages import catalog as views
from scans.pages import imports as import_views

app_name = "catalog"
urlpatterns = [
    path("", views.repository_list, name="list"),
    path("import/", views.repository_import, name="import"),
    path("import/confirm", import_views.repository_import_confirm, name="import_confirm"),
    path("repositories/<int:pk>/", views.repository_detail, name="detail"),
    path("repositories/<int:pk>/accept-name", views.repository_accept_name, name="accept_name"),
    path("repositories/<int:pk>/maintenance", views.repository_maintenance, name="maintenance"),
    path("repositories/<int:pk>/scan", views.repository_scan, name="scan"),
    path("repositories/bulk", bulk_views.repository_bulk, name="bulk"),
]
