"""The sources API: the documents imports kept, and the fix of each.

    GET /api/sources                 paginated: id, label, filename, format, version, created_at, entries
    GET /api/sources/{id}            the same, with the text and every link (`links`)
    GET /api/sources/{id}/fix?archived=leave|mark|move|replace&dead=leave|mark|delete&inactive=leave|mark
                                     {"text", "diff", "changes": [{"line", "kind", "old", "new"}]}
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from repohealth.web.api import BadParameter, DetailSerializer
from repositories.fixes import KINDS, POLICIES, BadPolicy, source_fix
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


class SourceDetailSerializer(SourceSerializer):
    text = serializers.CharField()
    created_by = serializers.IntegerField(source="created_by_id", allow_null=True)
    links = SourceLinkSerializer(many=True, source="entries.all")


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
