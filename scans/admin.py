"""The admin: scans (inspect, cancel, resume) and, on the catalog's repository admin, a
"Scan selected" action (a join of the two apps, so it is added here)."""

import json

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from repohealth.times import duration_text
from repositories.admin import RepositoryAdmin
from repositories.models import Repository
from scans import services
from scans.models import ScanJob, ScanResult
from scans.presenter import counts_text
from scans.progress import progress_payload


@admin.register(ScanJob)
class ScanJobAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "percent_done", "counts", "mode", "points_spent", "requested_by", "created_at",
                    "duration", "heartbeat_age"]
    list_filter = ["status", "mode", "full_metadata"]
    search_fields = ["id", "requested_by__username", "message"]
    readonly_fields = ["progress", "results_link", "rq_dashboard"]
    exclude = ["repository_ids"]
    actions = ["cancel_scans", "resume_scans"]

    # Read-only: a scan is written by the scan engine alone. Its page shows every field with no
    # save buttons; the list's only actions are cancel and resume (no add, no delete).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    @admin.display(description="progress")
    def percent_done(self, obj):
        return f"{obj.percent}% ({obj.current}/{obj.total})"

    @admin.display(description="outcomes")
    def counts(self, obj):
        return counts_text(obj.counts())

    @admin.display(description="duration")
    def duration(self, obj):
        return duration_text(obj.duration_seconds)

    @admin.display(description="heartbeat age")
    def heartbeat_age(self, obj):
        if not obj.heartbeat_at or obj.is_finished:
            return ""
        return f"{(timezone.now() - obj.heartbeat_at).total_seconds():.0f} s"

    @admin.display(description="progress payload")
    def progress(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(progress_payload(obj), indent=2))

    @admin.display(description="results")
    def results_link(self, obj):
        url = reverse("admin:scans_scanresult_changelist") + f"?scan__id__exact={obj.id}"
        return format_html('<a href="{}">{} results (filter by outcome there)</a>', url, obj.results.count())

    @admin.display(description="queues")
    def rq_dashboard(self, obj):
        return format_html('<a href="{}">Django-RQ queue dashboard</a>', reverse("admin:django_rq_home"))

    @admin.action(description="Cancel selected scans")
    def cancel_scans(self, request, queryset):
        cancelled = 0
        for scan in queryset:
            try:
                services.scan_cancel(scan=scan)
                cancelled += 1
            except services.ScanAlreadyFinished:
                pass
        self.message_user(request, f"Asked {cancelled} scans to stop.", messages.SUCCESS)

    @admin.action(description="Resume selected scans (what they did not reach)")
    def resume_scans(self, request, queryset):
        for scan in queryset:
            try:
                new = services.scan_resume(scan=scan, requested_by=request.user)
                self.message_user(request, f"Scan {new.id} resumes {scan.id} ({new.total} repositories).")
            except services.ScanError as exc:
                self.message_user(request, f"{scan.id}: {exc}", messages.WARNING)


@admin.register(ScanResult)
class ScanResultAdmin(admin.ModelAdmin):
    list_display = ["full_name", "outcome", "http_status", "detail", "duration_ms", "checked_at", "scan"]
    list_filter = ["outcome"]
    search_fields = ["full_name", "scan__id"]
    list_select_related = ["scan"]
    raw_id_fields = ["scan", "repository"]
    show_full_result_count = False


class RepositoryScanAdmin(RepositoryAdmin):
    actions = [*RepositoryAdmin.actions, "scan_selected"]

    @admin.action(description="Scan selected repositories")
    def scan_selected(self, request, queryset):
        try:
            scan = services.scan_start(repositories=queryset, requested_by=request.user)
        except services.ScanError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Started scan {scan.id} of {scan.total} repositories.", messages.SUCCESS)


admin.site.unregister(Repository)
admin.site.register(Repository, RepositoryScanAdmin)
