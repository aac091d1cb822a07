"""What people ask to be done on a clock and told about: schedules of rescans, subscriptions to
changes, each scan's digest, and every delivery of one."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from repositories.history import EVENT_ALIASES
from repositories.models import Label, RepositoryChange, Source
from repositories.sources import source_name
from scans.models import ScanJob

EVENTS = tuple(RepositoryChange.Event.values)
# What may be asked for: the events and their former names (`stale`, now `inactive`).
EVENTS_TAKEN = EVENTS + tuple(EVENT_ALIASES)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


ONE_SCOPE = "covers a label or a source, not both"
SOURCE_HELP = "an imported document's repositories (of its latest version, as it is imported again)"


def covers(label: Label | None, source: Source | None, nothing: str) -> str:
    """What a schedule or a subscription covers, in words: "label awesome", "source
    package-lock.json · web", or `nothing` (the whole catalog)."""
    if label is not None:
        return f"label {label.name}"
    return f"source {source_name(source)}" if source is not None else nothing


def one_scope(name: str) -> models.CheckConstraint:
    """A label or a source, never both (neither: everything)."""
    return models.CheckConstraint(condition=models.Q(label__isnull=True) | models.Q(source__isnull=True), name=name,
                                  violation_error_message=f"It {ONE_SCOPE}.")


class Schedule(models.Model):
    """Rescan a label, a source's repositories (or the whole catalog) every `interval_minutes`,
    least recently checked first."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="schedules")
    name = models.CharField(max_length=100)
    label = models.ForeignKey(Label, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules",
                              help_text="empty (and no source): the whole catalog")
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules",
                               help_text=SOURCE_HELP)
    interval_minutes = models.PositiveIntegerField(default=24 * 60, validators=[MinValueValidator(1)])
    max_repositories = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)],
                                                   help_text="at most this many per run, least recently checked "
                                                             "first; empty: all")
    budget_share = models.PositiveSmallIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="percent of each token's rate limit a run may spend, leaving the rest to people's own scans")
    active = models.BooleanField(default=True, help_text="off: paused")
    next_run_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_scan = models.ForeignKey(ScanJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, help_text="why the last due run did not start")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [one_scope("schedule_label_or_source")]

    def __str__(self) -> str:
        return self.name

    @property
    def covers(self) -> str:
        return covers(self.label, self.source, "the whole catalog")

    @property
    def running(self) -> bool:
        return self.last_scan is not None and not self.last_scan.is_finished


class Subscription(models.Model):
    """Tell one person about the confirmed transitions of a label, of a source's repositories (or
    everything): one digest per scan, by webhook, e-mail or an Atom feed. A digest tells only
    transitions recorded since the subscription was created or last switched on (`active_since`)."""

    class Channel(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        EMAIL = "email", "E-mail"
        FEED = "feed", "Atom feed"

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        SLACK = "slack", "Slack / Discord ({\"text\": ...})"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    target_url = models.CharField(max_length=2000, blank=True, help_text="the webhook's URL")
    label = models.ForeignKey(Label, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions",
                              help_text="empty (and no source): every repository")
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions",
                               help_text=SOURCE_HELP)
    events = models.JSONField(default=list, help_text=f"any of {', '.join(EVENTS)}")
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.JSON)
    secret = models.CharField(max_length=100, unique=True, default=new_secret,
                              help_text="signs webhook bodies (HMAC-SHA256); the feed's URL token")
    active = models.BooleanField(default=True)
    active_since = models.DateTimeField(
        default=timezone.now, help_text="when it was created or last switched on: its digests tell only transitions "
                                        "recorded since")
    failures_in_a_row = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=300, blank=True,
                                       help_text="why it was switched off for its owner to see")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [one_scope("subscription_label_or_source")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} for {self.owner} ({self.covers})"

    @property
    def covers(self) -> str:
        return covers(self.label, self.source, "everything")

    @property
    def masked_secret(self) -> str:
        return "…" + self.secret[-4:]


class Digest(models.Model):
    """A finished scan, digested: its deliveries were made in the same transaction, so a scan is
    digested exactly once (a crash means a late digest, never a lost or doubled one)."""

    scan = models.OneToOneField(ScanJob, on_delete=models.CASCADE, related_name="digest")
    transitions = models.PositiveIntegerField(default=0, help_text="change rows with an event")
    deliveries = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"digest of {self.scan_id}"


class Delivery(models.Model):
    """One message to one subscription (a scan's digest, or a test), and how sending it went."""

    class Kind(models.TextChoices):
        DIGEST = "digest", "Digest"
        TEST = "test", "Test"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    scan = models.ForeignKey(ScanJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DIGEST)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="exactly what is sent (and signed)")
    transitions = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="when a pending one is sent (again)")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.id} ({self.status})"
