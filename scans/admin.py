import json

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from scans import services
from scans.models import ScanJob, ScanResult
from scans.progress import progress_payload


@admin.register(ScanJob)
class ScanJobAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "percent_done", "counts", "requested_by", "created_at", "duration",
                    "heartbeat_age"]
    list_filter = ["status", "mode"]
    search_fields = ["id", "requested_by__username", "message"]
    readonly_fields = ["progress", "results_link", "rq_dashboard"]
    exclude = ["repository_ids"]
    actions = ["cancel_scans", "resume_scans"]

    def changelist_view(self, request, extra_context=None):
        services.scan_reap_stale()  # a scan whose worker died shows as failed here too
        return super().changelist_view(request, extra_context)

    @admin.display(description="progress")
    def percent_done(self, obj):
        return f"{obj.percent}% ({obj.current}/{obj.total})"

    @admin.display(description="outcomes")
    def counts(self, obj):
        return ", ".join(f"{k} {v}" for k, v in obj.counts().items() if v)

    @admin.display(description="duration")
    def duration(self, obj):
        seconds = obj.duration_seconds
        return "" if seconds is None else f"{seconds:.1f} s"

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
