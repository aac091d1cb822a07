from rest_framework import serializers

from repositories.dependencies import FORMATS as DEPENDENCY_FORMATS
from repositories.importers import FORMATS as LIST_FORMATS
from repositories.models import Repository

FORMATS = (*LIST_FORMATS, *DEPENDENCY_FORMATS)

# Is it still looked after: the signals, the verdict with its reasons and a person's override.
MAINTENANCE_FIELDS = ["last_commit_at", "commits_last_year", "last_release_at", "last_release_tag", "declared",
                      "successor", "maintenance", "maintenance_reasons", "maintenance_override", "maintenance_note",
                      "maintenance_override_by", "maintenance_override_at"]


class ReasonSerializer(serializers.Serializer):
    """One signal that decided a verdict, with the figure behind it and a sentence a person reads."""

    signal = serializers.CharField(help_text="the signal: last_commit_at, commits_last_year, last_release_at, "
                                             "archived, declared, successor, topics, override or health")
    value = serializers.JSONField(allow_null=True, help_text="its value (dates as ISO dates)")
    text = serializers.CharField()


class RepositorySerializer(serializers.ModelSerializer):
    labels = serializers.ListField(child=serializers.CharField(), read_only=True, source="label_names",
                                   help_text="the names of its labels, in order")
    maintenance_reasons = ReasonSerializer(many=True, read_only=True)
    maintenance_override = serializers.ChoiceField(
        choices=Repository.Override.choices, allow_null=True, read_only=True,
        help_text="a person's word over every signal (null: none)")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["maintenance_override"] = data["maintenance_override"] or None  # blank in the table: none
        return data

    class Meta:
        model = Repository
        fields = [
            "id", "full_name", "imported_name", "html_url", "health", "health_detail", "description", "homepage",
            "stars", "forks", "open_issues", "watchers", "language", "topics", "license", "default_branch",
            "archived", "disabled", "fork", "pushed_at", "created_at_github", "previous_names", "labels",
            "last_checked_at", "last_check_error", "last_check_failed_at", "added_at", "suspected",
            *MAINTENANCE_FIELDS,
        ]
        read_only_fields = fields


class MaintenanceOverrideSerializer(serializers.Serializer):
    """`PATCH /api/repositories/{id}`: what a person says of one repository. Nothing else of a
    repository is written here: GitHub's answers are the scans'."""

    maintenance_override = serializers.ChoiceField(
        choices=Repository.Override.choices, allow_null=True, required=False,
        help_text="finished, inactive or deprecated over every signal; null gives the verdict back to them "
                  "(absent: the override stays)")
    maintenance_note = serializers.CharField(required=False, allow_blank=True, max_length=500,
                                             help_text="why, kept with the override and in the history "
                                                       "(absent: the note stays)")

    def validate(self, attrs):
        if unknown := sorted(set(self.initial_data) - set(self.fields)):
            raise serializers.ValidationError(
                {unknown[0]: ["not writable here; send maintenance_override and maintenance_note."]})
        return attrs


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="multipart upload of the list")
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                 help_text="the list itself, when not uploading a file")
    label = serializers.CharField(required=False, allow_blank=True, max_length=100)
    format = serializers.ChoiceField(choices=FORMATS, required=False, allow_null=True)

    def validate(self, attrs):
        if attrs.get("file") is None and attrs.get("text") is None:
            raise serializers.ValidationError("Send a `file` (multipart) or `text` (JSON) with the list to import.")
        if attrs.get("file") is not None and attrs.get("text") is not None:
            raise serializers.ValidationError("Send either `file` or `text`, not both.")
        return attrs


class InvalidLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="1-based; null when `location` is a JSON pointer")
    location = serializers.CharField(required=False, help_text="a dependency document's line or JSON pointer")
    text = serializers.CharField()
    reason = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    location = serializers.CharField(allow_null=True)
    reason = serializers.CharField()


class ResolverCountsSerializer(serializers.Serializer):
    requests = serializers.IntegerField(help_text="sent to deps.dev")
    cached = serializers.IntegerField(help_text="packages answered from the kept answers")
    unreachable = serializers.IntegerField(help_text="packages deps.dev did not answer in time: asked again later")


class ImportReportSerializer(serializers.Serializer):
    format = serializers.CharField()
    label = serializers.CharField(allow_null=True)
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="links to GitHub pages that are not repositories (markdown)")
    skipped_entries = InvalidLineSerializer(many=True, help_text="each skipped link: its line, text and why")
    invalid = InvalidLineSerializer(many=True)
    repository_ids = serializers.ListField(child=serializers.IntegerField())
    source_id = serializers.IntegerField(allow_null=True, help_text="the kept document: GET /api/sources/{id}")
    packages = serializers.IntegerField(help_text="a dependency document's packages (0 for a list of links)")
    unmapped = serializers.IntegerField(help_text="packages mapped to no repository")
    problems = ProblemSerializer(many=True, help_text="the standard's validator's findings")
    resolver = ResolverCountsSerializer(allow_null=True, help_text="null for a list of links")
