"""The catalog's admin. Its writes keep the catalog's counts (repositories/counts.py) as the
services do: a change form is tracked around its save, an added repository counted once its
labels are saved, and deletions go through the services."""

from django.contrib import admin, messages
from django.db import models, transaction
from django.utils.html import format_html

from repohealth.web.admin import ReadOnlyAdminMixin
from repositories import counts
from repositories.models import Label, MetricSnapshot, Repository, RepositoryChange
from repositories.services import repositories_delete, repository_accept_name, repository_delete


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]

    def delete_model(self, request, obj):
        with transaction.atomic():
            counts.forget_labels([obj.pk])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            counts.forget_labels(queryset.values_list("id", flat=True))
            super().delete_queryset(request, queryset)


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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or not str(object_id or "").isdigit():
            return super().changeform_view(request, object_id, form_url, extra_context)
        with counts.tracked([int(object_id)], labels=True):  # health, verdict, language, labels
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:  # a new repository, with its labels
            counts.apply(counts.tally([form.instance.pk], labels=True))

    def delete_model(self, request, obj):
        repository_delete(repository=obj)

    def delete_queryset(self, request, queryset):
        repositories_delete(ids=queryset.values_list("id", flat=True))

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
