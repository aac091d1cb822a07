"""The admin: scans (inspect, cancel, resume) and, on the catalog's repository admin, a
"Scan selected" action (a join of the two apps, so it is added here)."""

import json

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from repohealth.runtime.times import duration_text
from repohealth.web.admin import ReadOnlyAdminMixin
from repositories.admin import RepositoryAdmin
from repositories.health import COUNTERS
from repositories.models import Repository
from scans import services
from scans.models import ScanJob, ScanResult
from scans.presenter import counts_text, present
from scans.run.progress import progress_payload

INLINE_RESULTS = 50  # results shown on a scan's admin page; the rest are a link away


class ScanResultInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A scan's first results, read-only, on its page (all of them: the results link)."""

    model = ScanResult
    fields = ["repository_link", "outcome", "http_status", "detail", "time", "checked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = f"results (the first {INLINE_RESULTS}; every one under “results” above)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class FirstResults(formset):
            def get_queryset(self):
                return super().get_queryset().select_related("repository")[:INLINE_RESULTS]

        return FirstResults

    @admin.display(description="repository")
    def repository_link(self, obj):
        if not obj.repository_id:
            return obj.full_name
        return format_html('<a href="{}">{}</a>', reverse("catalog:detail", args=[obj.repository_id]), obj.full_name)

    @admin.display(description="time")
    def time(self, obj):
        # A GraphQL request checks up to 100 repositories: it has no time per repository.
        return f"{obj.duration_ms:,} ms" if obj.scan.mode == ScanJob.Mode.REST else "—"


@admin.register(ScanJob)
class ScanJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["short_id", "status", "percent_done", "counts", "scope", "trigger", "mode", "points_spent",
                    "requested_by", "created_at", "duration", "heartbeat_age"]
    list_display_links = ["short_id"]
    list_filter = ["status", "mode", "trigger", "full_metadata"]
    search_fields = ["id", "requested_by__username", "message", "scope"]
    readonly_fields = ["scan_page", "progress_bar", "progress", "results_link", "rq_dashboard"]
    # The detail page: what the scan is and where it stands first, the fields below, the payload
    # folded away, then its first results.
    fieldsets = [
        (None, {"fields": ["scan_page", "progress_bar", "status", "message", "error", "scope", "trigger", "mode",
                           "full_metadata", "requested_by", "resumed_from", "results_link", "rq_dashboard"]}),
        ("Counts", {"fields": ["total", "current", *COUNTERS, "points_spent", "rate_limit_remaining",
                               "rate_limit_reset_at"]}),
        ("Times", {"fields": ["created_at", "started_at", "finished_at", "heartbeat_at", "cancel_requested",
                              "concurrency"]}),
        ("Progress payload", {"classes": ["collapse"], "fields": ["progress"]}),
    ]
    inlines = [ScanResultInline]
    actions = ["cancel_scans", "resume_scans"]

    # Read-only (ReadOnlyAdminMixin): a scan is written by the scan engine alone. Its page shows
    # every field with no save buttons; the list's only actions are cancel and resume.

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    @admin.display(description="scan", ordering="created_at")
    def short_id(self, obj):
        return str(obj.id)[:8]

    @admin.display(description="progress")
    def percent_done(self, obj):
        return f"{obj.percent}% ({obj.current:,}/{obj.total:,})"

    @admin.display(description="scan page")
    def scan_page(self, obj):
        return format_html('<a href="{}">{} (its page in RepoHealth)</a>', reverse("scans:detail", args=[obj.id]),
                           obj.scope or f"Scan of {obj.total:,} repositories")

    @admin.display(description="progress")
    def progress_bar(self, obj):
        """The bar as an SVG (its width an attribute: the Content-Security-Policy allows no style
        attribute, and the admin does not load the app's stylesheet), and the presenter's words."""
        view = present(progress_payload(obj))
        return format_html(
            '<svg role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="{}" width="320" height="12" '
            'viewBox="0 0 100 12" preserveAspectRatio="none"><rect width="100" height="12" rx="3" fill="#e8ecf1"/>'
            '<rect width="{}" height="12" rx="3" fill="#2457c5"/></svg><br>{} of {} completed ({}%) · {}',
            view["percent"], view["percent"], f"{view['current']:,}", f"{view['total']:,}", view["percent"],
            view["summary"] or view["status_label"])

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
        return format_html('<a href="{}">{} results (filter by outcome there)</a>', url, f"{obj.results.count():,}")

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
                new = services.scan_resume(scan=scan, requested_by=request.user, trigger=ScanJob.Trigger.ADMIN)
                self.message_user(request, f"Scan {new.id} resumes {scan.id} ({new.total:,} repositories).")
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
            scan = services.scan_start(repositories=queryset, requested_by=request.user, trigger=ScanJob.Trigger.ADMIN,
                                       scope=f"{queryset.count():,} selected in the admin")
        except services.ScanError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Started scan {scan.id} of {scan.total:,} repositories.", messages.SUCCESS)


admin.site.unregister(Repository)
admin.site.register(Repository, RepositoryScanAdmin)
