"""The scans API's contract, as serializers: what the schema at /api/schema/ shows is what the
views validate and answer."""

from __future__ import annotations

from rest_framework import serializers

from repositories.health import COUNTERS
from repositories.serializers import ImportReportSerializer, ImportRequestSerializer
from scans.models import ScanJob, ScanResult
from scans.selection import SelectionSerializer


def with_outcome_counters(cls):
    """Add an integer field per outcome counter (`healthy` ... `errors`) from the outcomes table."""
    for counter in COUNTERS:
        cls._declared_fields[counter] = serializers.IntegerField(read_only=True)
    return cls


class ScanJobSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(read_only=True, slug_field="username")
    percent = serializers.IntegerField(read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = ScanJob
        fields = [
            "id", "status", "total", "current", "percent", *COUNTERS, "message", "error", "mode", "concurrency",
            "full_metadata", "points_spent", "requested_by", "created_at", "started_at", "finished_at",
            "heartbeat_at", "duration_seconds", "resumed_from", "trigger", "scope", "scan_pass", "health_pass",
            "metadata_due", "budget_share",
        ]
        read_only_fields = fields


class ScanResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScanResult
        fields = ["id", "repository", "full_name", "outcome", "http_status", "detail", "duration_ms", "checked_at"]
        read_only_fields = fields


class BulkHealthCheckRequestSerializer(SelectionSerializer):
    """Exactly one of: `repository_ids`, `all`, or catalog filters (which combine); and `full`."""

    full = serializers.BooleanField(
        required=False, default=False,
        help_text="GraphQL: ask every repository's full metadata (topics, watchers, open issues: 4 points per "
                  "100 repositories instead of 1), however recently it was fetched")

    def to_internal_value(self, data):
        full = data.get("full", False) if isinstance(data, dict) else False
        try:
            full = self.fields["full"].to_internal_value(full)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"full": exc.detail}) from None
        return {**super().to_internal_value(data), "full": full}


class BulkHealthCheckStartedSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    progress_url = serializers.CharField()
    cancel_url = serializers.CharField()
    status = serializers.CharField()
    total = serializers.IntegerField()


class ResumedSerializer(serializers.Serializer):
    """409: the scan was already resumed; `resumed_by` is that resume's job id."""

    detail = serializers.CharField()
    resumed_by = serializers.UUIDField()


class RateLimitSerializer(serializers.Serializer):
    remaining = serializers.IntegerField(allow_null=True)
    reset_at = serializers.DateTimeField(allow_null=True)


class ExpectedFinishSerializer(serializers.Serializer):
    health = serializers.DateTimeField(allow_null=True, help_text="when the health pass is expected to finish")
    metadata = serializers.DateTimeField(allow_null=True, help_text="when the metadata pass is expected to finish")


@with_outcome_counters
class ProgressSerializer(serializers.Serializer):
    """The progress payload, every key it has (`scans.run.progress.progress_payload` builds it; a
    test checks a real payload against this). The counters come from the outcomes table."""

    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ScanJob.Status.choices)
    current = serializers.IntegerField()
    total = serializers.IntegerField()
    message = serializers.CharField(allow_blank=True)
    percent = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    heartbeat_at = serializers.DateTimeField(allow_null=True)
    eta_seconds = serializers.IntegerField(allow_null=True)
    mode = serializers.ChoiceField(choices=ScanJob.Mode.choices)
    points_spent = serializers.IntegerField(
        help_text="rate-limit points GitHub charged so far: GraphQL's reported cost per query, REST's counted "
                  "requests (a 304 costs none)")
    requested_by_id = serializers.IntegerField(allow_null=True)
    name_reused = serializers.IntegerField(help_text="repositories whose name now belongs to another repository")
    cancel_requested = serializers.BooleanField(help_text="a cancel was asked for and the scan has not stopped yet")
    waiting_reason = serializers.CharField(allow_null=True, help_text="what the scan waits for, while it waits")
    waiting_until = serializers.DateTimeField(allow_null=True, help_text="when the wait is expected to end")
    rate_limit = RateLimitSerializer()
    # Health first (docs/github-access.md): a scan over SCAN_HEALTH_FIRST_OVER repositories is a
    # health pass, followed by a metadata pass (another job) once it has completed.
    # (`pass` is a Python keyword: the field is named below.)
    health_pass_id = serializers.UUIDField(allow_null=True, help_text="a metadata pass: the health pass it follows")
    metadata_pass_id = serializers.UUIDField(
        allow_null=True, help_text="a completed health pass: the metadata pass that follows it (null when no full "
                                   "metadata was due)")
    metadata_due = serializers.IntegerField(
        help_text="repositories checked so far whose full metadata was due, not found and blocked ones aside (a "
                  "health pass leaves them to its metadata pass)")
    budget_share = serializers.IntegerField(help_text="percent of each token's rate limit this scan may spend")
    points_per_hour = serializers.IntegerField(
        help_text="rate-limit points this scan may spend an hour: its share of the limit GitHub reported (or of "
                  "5,000 a token until it has)")
    expected_finish = ExpectedFinishSerializer(
        help_text="when each pass of a health-first scan is expected to finish at the current budget; null for a "
                  "pass that is over or that the scan does not have (both null for a one-pass scan)")
    error = serializers.CharField(required=False, help_text="only when the scan failed: why")


ProgressSerializer._declared_fields["pass"] = serializers.ChoiceField(
    choices=ScanJob.Pass.choices, allow_null=True,
    help_text="health first: `health` (the lean query for every repository) or `metadata` (the full metadata that "
              "was due, at SCAN_METADATA_BUDGET_SHARE); null: one pass that does both")


class ImportAndScanRequestSerializer(ImportRequestSerializer):
    scan = serializers.BooleanField(required=False, default=True, help_text="start a scan of what was imported")


class ImportStartedSerializer(ImportReportSerializer):
    job_id = serializers.CharField(allow_null=True, help_text="the scan started, when `scan` was true")
    progress_url = serializers.CharField(allow_null=True)
