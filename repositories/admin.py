from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html

from repohealth.web.admin import ReadOnlyAdminMixin
from repositories.models import Label, MetricSnapshot, Repository, RepositoryChange
from repositories.services import repository_accept_name


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ["full_name", "health", "health_detail", "stars", "language", "archived", "pushed_at",
                    "last_checked_at"]
    list_filter = ["health", "archived", "fork", "language", "labels"]
    search_fields = ["full_name", "imported_name", "description"]
    readonly_fields = ["added_at", "last_checked_at", "etag", "github_link"]
    filter_horizontal = ["labels"]
    actions = ["accept_new_name"]  # `scans.admin` adds "Scan selected"
    show_full_result_count = False  # fast lists at 100,000 rows
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="GitHub")
    def github_link(self, obj):
        return format_html('<a href="{}" rel="noopener">{}</a>', obj.github_url, obj.github_url)

    @admin.action(description="Accept new name (moved repositories)")
    def accept_new_name(self, request, queryset):
        accepted = 0
        for repository in queryset:
            if repository.has_moved:
                repository_accept_name(repository=repository)
                accepted += 1
        self.message_user(request, f"Accepted the new name of {accepted} repositories.", messages.SUCCESS)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """History is written by scans alone: the admin shows it, never edits it."""


@admin.register(RepositoryChange)
class RepositoryChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "full_name", "field", "old", "new", "event", "scan_id"]
    list_filter = ["event", "field"]
    search_fields = ["full_name", "scan_id"]
    raw_id_fields = ["repository"]
    show_full_result_count = False


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["repository", "day", "stars", "forks", "open_issues", "watchers"]
    raw_id_fields = ["repository"]
    show_full_result_count = False
