"""The sources API: the documents imports kept, and the fix of each.

    GET /api/sources                 paginated: id, label, filename, format, version, created_at, entries
    GET /api/sources/{id}            the same, with the text and every link (`links`)
    GET /api/sources/{id}/fix?archived=leave|mark|move|replace&dead=leave|mark|delete&inactive=leave|mark
                                     {"text", "diff", "changes": [{"line", "kind", "old", "new"}]}
    GET /api/sources/{id}/dependencies?ecosystem=&provenance=&health=&maintenance=&mapped=&name_reused=
                                     paginated (page_size <= 1000), one row per package of a dependency
                                     document (repositories.packages.package_row): ecosystem, name,
                                     version, purl, repository ({id, full_name, health, maintenance,
                                     maintenance_reasons, name_reused} or null), provenance, reason
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from repohealth.web.api import BadParameter, DetailSerializer
from repositories.filters import InvalidFilter
from repositories.fixes import KINDS, POLICIES, BadPolicy, source_fix
from repositories.models import Repository
from repositories.packages import PROVENANCES, package_row, packages_filtered, source_summary
from repositories.serializers import ReasonSerializer
from repositories.sources import sources


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    filename = serializers.CharField()
    format = serializers.CharField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    entries = serializers.IntegerField(source="entry_count", help_text="repository links in the document")


class SourceLinkSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    column = serializers.IntegerField(allow_null=True, help_text="0-based; null when the link cannot be edited")
    end_column = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text="exactly as written")
    repository_id = serializers.IntegerField(allow_null=True)


class SummarySerializer(serializers.Serializer):
    packages = serializers.IntegerField()
    repositories = serializers.IntegerField(help_text="each counted once, however many of its packages there are")
    not_mapped = serializers.IntegerField(help_text="packages mapped to no repository")
    health = serializers.DictField(child=serializers.IntegerField(), help_text="repositories by health")
    maintenance = serializers.DictField(child=serializers.IntegerField(), help_text="repositories by verdict")
    name_reused = serializers.IntegerField(help_text="repositories a name of which now belongs to another")
    text = serializers.CharField(help_text='the counts line of the source\'s page: "412 packages → 388 repositories: '
                                          '9 archived, 4 deprecated, 17 inactive, 1 name re-used, 24 not mapped"')


class SourceDetailSerializer(SourceSerializer):
    text = serializers.CharField()
    created_by = serializers.IntegerField(source="created_by_id", allow_null=True)
    links = SourceLinkSerializer(many=True, source="entries.all")
    summary = serializers.SerializerMethodField(help_text="a dependency document's packages and repositories")

    @extend_schema_field(SummarySerializer)
    def get_summary(self, source) -> dict:
        return source_summary(source)


class PackageRepositorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    health = serializers.CharField()
    maintenance = serializers.CharField()
    maintenance_reasons = ReasonSerializer(many=True, help_text="what decided the verdict")
    name_reused = serializers.BooleanField(help_text="a name of it now belongs to another repository")


class PackageSerializer(serializers.Serializer):
    ecosystem = serializers.CharField(allow_null=True, help_text="the package-URL type; null when not known")
    name = serializers.CharField(help_text="as the document spells it")
    version = serializers.CharField(allow_null=True, help_text="null: not pinned")
    purl = serializers.CharField(allow_null=True)
    repository = PackageRepositorySerializer(allow_null=True)
    provenance = serializers.CharField(allow_null=True,
                                       help_text='"declared", "module_path" or "resolver:<relationProvenance>"')
    reason = serializers.CharField(allow_null=True, help_text="why it maps to no repository")

    def to_representation(self, package) -> dict:
        return package_row(package)  # the page's exports write the same rows


class ChangeSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=KINDS)
    old = serializers.CharField()
    new = serializers.CharField()


class FixSerializer(serializers.Serializer):
    text = serializers.CharField()
    diff = serializers.CharField(help_text="unified diff from the document as imported")
    changes = ChangeSerializer(many=True)


DEFAULTS = {"archived": "mark", "dead": "mark", "inactive": "leave"}
PACKAGE_FILTERS = {
    "ecosystem": "comma-separated ecosystems (package-URL types) of this document's packages",
    "provenance": f"comma-separated, of {', '.join(PROVENANCES)}: `resolver` is any deps.dev answer, `unverified` "
                  "one from the package's metadata only (resolver:UNVERIFIED_METADATA), `none` no mapping",
    "health": f"comma-separated health of the repository: {', '.join(Repository.Health.values)}",
    "maintenance": f"comma-separated verdicts of the repository: {', '.join(Repository.Maintenance.values)}",
    "mapped": "yes: only packages mapped to a repository; no: only those mapped to none",
    "name_reused": "yes: only packages whose repository's name now belongs to another; no: the others (mapped)",
}


def policies(params) -> dict[str, str]:
    """The fix's policies from a query string (DEFAULTS); BadParameter names a bad one."""
    chosen = {name: params.get(name) or default for name, default in DEFAULTS.items()}
    for name, choices in POLICIES.items():
        if chosen[name] not in choices:
            raise BadParameter({name: [f"{chosen[name]!r} is not one of {', '.join(choices)}."]})
    return chosen


class SourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return sources()

    def get_serializer_class(self):
        return SourceDetailSerializer if self.action == "retrieve" else SourceSerializer

    @extend_schema(parameters=[OpenApiParameter(name, str, enum=list(choices), description=f"default {DEFAULTS[name]}")
                               for name, choices in POLICIES.items()],
                   responses={200: FixSerializer, 400: DetailSerializer})
    @action(detail=True, methods=["get"])
    def fix(self, request, pk=None):
        chosen = policies(request.query_params)
        try:
            fix = source_fix(source=self.get_object(), **chosen)
        except BadPolicy as exc:  # (checked above; kept so the service's own check cannot 500)
            raise BadParameter({exc.parameter: [str(exc)]}) from None
        return Response(fix.as_dict())

    @extend_schema(parameters=[OpenApiParameter(name, str, description=description)
                               for name, description in PACKAGE_FILTERS.items()],
                   responses={200: PackageSerializer(many=True), 400: DetailSerializer})
    @action(detail=True, methods=["get"])
    def dependencies(self, request, pk=None):
        try:
            rows = packages_filtered(self.get_object(), request.query_params)
        except InvalidFilter as exc:
            raise BadParameter(exc.errors) from None
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PackageSerializer(page, many=True).data)
