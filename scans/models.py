from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from repositories.health import COUNTERS, SCAN_OUTCOMES
from repositories.models import Repository
from scans.fields import IdListField


class ScanJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    LIVE = (Status.QUEUED, Status.RUNNING)  # not finished yet: the one definition
    FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)

    class Mode(models.TextChoices):
        REST = "rest", "REST"
        GRAPHQL = "graphql", "GraphQL"

    class Trigger(models.TextChoices):
        """Where a person (or a program) started it."""

        PAGE = "page", "a page"
        API = "api", "the API"
        RUNSCAN = "runscan", "runscan"
        ADMIN = "admin", "the admin"
        SCHEDULE = "schedule", "a schedule"
        RECHECK = "confirm", "a recheck of dead answers"  # the value keeps its former name: stored, and in the API
        METADATA_PASS = "metadata", "the end of its health pass"

    class Pass(models.TextChoices):
        """Health first (SCAN_HEALTH_FIRST_OVER): a large scan is two ScanJobs, a health pass (the
        lean query for every repository) and, once it has completed, a metadata pass (the full
        metadata that is due) at SCAN_METADATA_BUDGET_SHARE. Blank: one pass that does both."""

        HEALTH = "health", "Health pass"
        METADATA = "metadata", "Metadata pass"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)
    current = models.PositiveIntegerField(default=0)
    # One counter per outcome (`healthy`, `stale`, ... `errors`), added below from the outcomes table.
    message = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="scans"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.REST)
    concurrency = models.PositiveSmallIntegerField(default=8)
    repository_ids = IdListField(blank=True, help_text="what this scan checks, in order")
    resumed_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resumes")
    rate_limit_remaining = models.IntegerField(null=True, blank=True)
    rate_limit_reset_at = models.DateTimeField(null=True, blank=True)
    full_metadata = models.BooleanField(
        default=False, help_text="GraphQL: the full query for every repository, however recent its full metadata")
    name_reused = models.PositiveIntegerField(
        default=0, help_text="repositories whose name (or an old name) now belongs to another repository")
    points_spent = models.PositiveIntegerField(
        default=0, help_text="rate-limit points GitHub charged: GraphQL's reported cost, REST's counted requests")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, blank=True,
                               help_text="where it was started; blank: not recorded (older scans)")
    scope = models.CharField(max_length=200, blank=True,
                             help_text="what it covers, in words: 'label demo', '12 selected', 'import of list.md'")
    budget_share = models.PositiveSmallIntegerField(
        default=100, help_text="percent of each token's primary rate limit this scan may spend (a schedule's share)")
    scan_pass = models.CharField(max_length=10, choices=Pass.choices, blank=True,
                                 help_text="health first: the health pass or the metadata pass; blank: one pass")
    health_pass = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="metadata_passes",
                                    help_text="a metadata pass: the health pass it follows")
    metadata_due = models.PositiveIntegerField(
        default=0, help_text="repositories checked whose full metadata was due, not found and blocked ones "
                             "aside (a health pass leaves it to its metadata pass)")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Scan {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        return int(self.current * 100 / self.total) if self.total else (100 if self.is_finished else 0)

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from its start to its finish, or to now while it runs; None before it starts.
        The API's `duration_seconds` and the presenter's are this one figure."""
        if not self.started_at:
            return None
        end = self.finished_at or timezone.now()
        return max(0.0, (end - self.started_at).total_seconds())

    def counts(self) -> dict[str, int]:
        return {field: getattr(self, field) for field in COUNTERS}


for _outcome in SCAN_OUTCOMES:
    ScanJob.add_to_class(_outcome.counter, models.PositiveIntegerField(default=0))
del _outcome


class ScanResult(models.Model):
    # db_index=False: the (scan, id) index below serves every lookup by scan.
    scan = models.ForeignKey(ScanJob, on_delete=models.CASCADE, related_name="results", db_index=False)
    repository = models.ForeignKey(
        Repository, null=True, blank=True, on_delete=models.SET_NULL, related_name="scan_results"
    )
    full_name = models.CharField(max_length=140, help_text="the name that was checked")
    outcome = models.CharField(max_length=20, choices=Repository.Health.choices, db_index=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        # A scan's results in order, all or of some outcomes, by cursor (repohealth/web/pagination.py).
        indexes = [models.Index(fields=["scan", "id"], name="scanresult_scan_id"),
                   models.Index(fields=["scan", "outcome", "id"], name="scanresult_scan_outcome_id")]

    def __str__(self) -> str:
        return f"{self.full_name}: {self.outcome}"


class ScanShard(models.Model):
    """A slice of a scan's repositories (`repository_ids[start:end]`) that one RQ job checks; a
    scan larger than SCAN_SHARD_SIZE has several, so several workers share it. Its results are
    the scan's rows, so a shard retried after its worker died goes on from where it stopped."""

    Status = ScanJob.Status
    MAX_ATTEMPTS = 2  # a shard whose worker dies is retried once; a second death fails the scan

    scan = models.ForeignKey(ScanJob, on_delete=models.CASCADE, related_name="shards")
    index = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=ScanJob.Status.choices, default=ScanJob.Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["scan", "index"]
        constraints = [models.UniqueConstraint(fields=["scan", "index"], name="scanshard_scan_index_unique")]

    def __str__(self) -> str:
        return f"Shard {self.index} of {self.scan_id} ({self.status})"

    @property
    def job_id(self) -> str:
        """Its RQ job's id: the scan's id and the shard's index."""
        return f"{self.scan_id}_{self.index}"
