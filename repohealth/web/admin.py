"""Admin plumbing every app shares."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """What the app itself writes (scans, results, history, deliveries) the admin shows and never
    adds, changes or deletes. For ModelAdmin and inlines alike (an inline's checks take `obj`)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
