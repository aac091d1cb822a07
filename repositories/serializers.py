from rest_framework import serializers

from repositories.dependencies import FORMATS as DEPENDENCY_FORMATS
from repositories.importers import FORMATS as LIST_FORMATS

FORMATS = (*LIST_FORMATS, *DEPENDENCY_FORMATS)
from repositories.models import Repository


class RepositorySerializer(serializers.ModelSerializer):
    labels = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Repository
        fields = [
            "id", "full_name", "imported_name", "html_url", "health", "health_detail", "description", "homepage",
            "stars", "forks", "open_issues", "watchers", "language", "topics", "license", "default_branch",
            "archived", "disabled", "fork", "pushed_at", "created_at_github", "previous_names", "labels",
            "last_checked_at", "last_check_error", "last_check_failed_at", "added_at", "suspected",
        ]
        read_only_fields = fields


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
