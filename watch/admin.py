"""The admin: schedules (with "Run now"), subscriptions (the secret never shown), deliveries and
digests (read-only). A schedule or a subscription covers a label or a source (by id), not both:
the models' constraint, which the admin's forms check."""

from django import forms
from django.contrib import admin, messages

from repohealth.runtime import outbound
from scans import services as scan_services
from watch import schedules, services
from watch.models import Delivery, Digest, Schedule, Subscription


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "covers", "interval_minutes", "max_repositories", "budget_share", "active",
                    "next_run_at", "last_run_at", "last_error"]
    list_filter = ["active"]
    search_fields = ["name", "owner__username"]
    raw_id_fields = ["last_scan", "source"]
    list_select_related = ["owner", "label", "source"]
    readonly_fields = ["last_scan", "last_run_at", "last_error", "created_at"]
    actions = ["run_now"]

    @admin.action(description="Run now")
    def run_now(self, request, queryset):
        for schedule in queryset:
            try:
                scan = schedules.schedule_run(schedule=schedule)
            except scan_services.ScanError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, f"{schedule.name}: scan {scan.id} started ({scan.total} repositories).")


class SubscriptionForm(forms.ModelForm):
    """The same guard as the API and the pages: a webhook target must be safe to reach."""

    class Meta:
        model = Subscription
        # Not the secret: it is shown once, when made or rotated, never in a form.
        fields = ["owner", "channel", "target_url", "label", "source", "events", "format", "active",
                  "failures_in_a_row", "disabled_reason"]

    def clean(self):
        data = super().clean()
        if data.get("channel") == Subscription.Channel.WEBHOOK:
            try:
                outbound.check_url(data.get("target_url") or "")
            except outbound.UnsafeTarget as exc:
                self.add_error("target_url", str(exc))
        return data


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["id", "owner", "channel", "target_url", "covers", "active", "active_since", "failures_in_a_row",
                    "disabled_reason"]
    list_filter = ["channel", "active"]
    search_fields = ["owner__username", "target_url"]
    raw_id_fields = ["source"]
    list_select_related = ["owner", "label", "source"]
    exclude = ["secret"]
    readonly_fields = ["created_at", "active_since", "failures_in_a_row"]

    def save_model(self, request, obj, form, change):
        services.subscription_save(subscription=obj)  # as the API and the pages: switched on, told from now


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = ["id", "subscription", "kind", "status", "transitions", "attempts", "status_code", "response_ms",
                    "error", "created_at", "delivered_at"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["subscription", "scan"]


@admin.register(Digest)
class DigestAdmin(ReadOnly):
    list_display = ["scan", "transitions", "deliveries", "created_at"]
    raw_id_fields = ["scan"]
