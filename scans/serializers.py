from rest_framework import serializers

from repositories.models import Repository
from scans.models import ScanJob, ScanResult


class ScanJobSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(read_only=True, slug_field="username")
    percent = serializers.IntegerField(read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = ScanJob
        fields = [
            "id", "status", "total", "current", "percent", "healthy", "stale", "archived", "moved", "not_found",
            "blocked", "errors", "message", "error", "mode", "concurrency", "requested_by", "created_at",
            "started_at", "finished_at", "heartbeat_at", "duration_seconds", "resumed_from",
        ]
        read_only_fields = fields


class ScanResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScanResult
        fields = ["id", "repository", "full_name", "outcome", "http_status", "detail", "duration_ms", "checked_at"]
        read_only_fields = fields


class BulkHealthCheckRequestSerializer(serializers.Serializer):
    """Exactly one of the three selections."""

    repository_ids = serializers.ListField(child=serializers.IntegerField(), required=False,
                                           help_text="ids of the repositories to check")
    all = serializers.BooleanField(required=False, help_text="check every tracked repository")
    health = serializers.ListField(child=serializers.ChoiceField(choices=Repository.Health.choices), required=False,
                                   help_text="check every repository currently in these health states")


class BulkHealthCheckStartedSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    progress_url = serializers.CharField()
    cancel_url = serializers.CharField()
    status = serializers.CharField()
    total = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    """The progress payload (documentation only: the view returns the payload as built)."""

    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ScanJob.Status.choices)
    current = serializers.IntegerField()
    total = serializers.IntegerField()
    healthy = serializers.IntegerField()
    stale = serializers.IntegerField()
    archived = serializers.IntegerField()
    moved = serializers.IntegerField()
    not_found = serializers.IntegerField()
    blocked = serializers.IntegerField()
    errors = serializers.IntegerField()
    message = serializers.CharField()
    percent = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    eta_seconds = serializers.IntegerField(allow_null=True)
    rate_limit = serializers.DictField()
    error = serializers.CharField(required=False)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
