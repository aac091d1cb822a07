from django.urls import path

from scans.pages import scans as views

app_name = "scans"
urlpatterns = [
    path("scans/", views.scan_list, name="list"),
    path("scans/start", views.scan_start, name="start"),
    path("scans/<uuid:job_id>/", views.scan_detail, name="detail"),
    path("scans/<uuid:job_id>/panel", views.scan_panel, name="panel"),
    path("scans/<uuid:job_id>/cancel", views.scan_cancel, name="cancel"),
    path("scans/<uuid:job_id>/resume", views.scan_resume, name="resume"),
    path("scans/<uuid:job_id>/rescan-failed", views.scan_rescan_failed, name="rescan_failed"),
]
