"""The watch API's contract, also the validation of the pages' forms (one set of rules)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from repohealth.runtime import outbound
from repositories.history import CHANGE_FIELDS, EVENT_ALIASES, event_names
from repositories.models import Label, RepositoryChange, Source
from watch.models import EVENTS, ONE_SCOPE, SOURCE_HELP, Delivery, Schedule, Subscription

Channel = Subscription.Channel


def source_field() -> serializers.PrimaryKeyRelatedField:
    """A source's id, taken as a label's name is: optional, null for none, an unknown one refused."""
    return serializers.PrimaryKeyRelatedField(queryset=Source.objects.all(), allow_null=True, required=False,
                                              help_text=f"a source's id: {SOURCE_HELP}; null: none")


def check_one_scope(attrs: dict, current, kind: str) -> None:
    """A label or a source, not both, counting what an update leaves as it is."""
    label = attrs["label"] if "label" in attrs else getattr(current, "label", None)
    source = attrs["source"] if "source" in attrs else getattr(current, "source", None)
    if label is not None and source is not None:
        raise serializers.ValidationError({"source": f"a {kind} {ONE_SCOPE}: set label to null to cover a source"})


class ScheduleSerializer(serializers.ModelSerializer):
    label = serializers.SlugRelatedField(slug_field="name", queryset=Label.objects.all(), allow_null=True,
                                         required=False, help_text="a label's name; null (and no source): the whole "
                                                                   "catalog")
    source = source_field()
    interval_minutes = serializers.IntegerField(min_value=1, max_value=525_600)
    max_repositories = serializers.IntegerField(min_value=1, max_value=10_000_000, allow_null=True, required=False,
                                                help_text="the least recently checked this many per run; null: all")
    budget_share = serializers.IntegerField(min_value=1, max_value=100, required=False, default=100,
                                            help_text="percent of each token's rate limit a run may spend")
    last_scan_id = serializers.UUIDField(read_only=True, allow_null=True)
    running = serializers.BooleanField(read_only=True)

    class Meta:
        model = Schedule
        fields = ["id", "name", "label", "source", "interval_minutes", "max_repositories", "budget_share", "active",
                  "next_run_at", "last_run_at", "last_scan_id", "running", "last_error"]
        read_only_fields = ["next_run_at", "last_run_at", "last_error"]

    def validate(self, attrs):
        check_one_scope(attrs, self.instance, "schedule")
        return attrs


class SubscriptionSerializer(serializers.ModelSerializer):
    """`secret` is optional on create (generated when absent) and returned in full only in the
    create answer (and by rotate-secret); elsewhere only its last four characters."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    target_url = serializers.CharField(max_length=2000, required=False, allow_blank=True, allow_null=True,
                                       help_text="webhook only: https:// and a public address")
    label = serializers.SlugRelatedField(slug_field="name", queryset=Label.objects.all(), allow_null=True,
                                         required=False, help_text="a label's name; null (and no source): everything")
    source = source_field()
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[*RepositoryChange.Event.choices,
                                               *((old, f"old name of {new}") for old, new in EVENT_ALIASES.items())]),
        required=False, allow_empty=False,
        help_text=f"any of {', '.join(EVENTS)} (`stale` is taken as `inactive`); default all")
    format = serializers.ChoiceField(choices=Subscription.Format.choices, required=False,
                                     help_text="webhook only: json, or slack ({\"text\": ...}, also Discord)")
    secret = serializers.CharField(
        min_length=16, max_length=100, required=False,
        help_text="optional on create (generated when absent); shown in full only then",
        # Declared here, the field loses the model's unique check: without it a repeat was a 500.
        validators=[UniqueValidator(queryset=Subscription.objects.all(),
                                    message="this secret cannot be used; choose another, or leave it out")])
    active = serializers.BooleanField(required=False, default=True)
    active_since = serializers.DateTimeField(
        read_only=True, help_text="when it was created or last switched on: it is told only of transitions since")

    class Meta:
        model = Subscription
        fields = ["id", "channel", "target_url", "label", "source", "events", "format", "secret", "active",
                  "active_since"]

    def validate(self, attrs):
        current = self.instance
        check_one_scope(attrs, current, "subscription")
        channel = attrs.get("channel", current.channel if current else None)
        target = attrs.get("target_url", current.target_url if current else "") or ""
        fmt = attrs.get("format", current.format if current else Subscription.Format.JSON)
        if channel == Channel.WEBHOOK:
            if not target:
                raise serializers.ValidationError({"target_url": "a webhook needs a target_url"})
            if "target_url" in attrs or current is None:
                try:
                    outbound.check_url(target)
                except outbound.UnsafeTarget as exc:
                    raise serializers.ValidationError({"target_url": str(exc)}) from None
        elif target:
            raise serializers.ValidationError({"target_url": f"only a webhook has a target_url, not {channel}"})
        if fmt != Subscription.Format.JSON and channel != Channel.WEBHOOK:
            raise serializers.ValidationError({"format": "only a webhook has a format"})
        attrs["target_url"] = target
        if "events" in attrs:
            attrs["events"] = event_names(attrs["events"])
        elif current is None:
            attrs["events"] = list(EVENTS)
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["target_url"] = instance.target_url or None
        if not self.context.get("reveal_secret"):
            data["secret"] = instance.masked_secret
        return data


class RotatedSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="the new secret, in full (only here)")


class DeliverySerializer(serializers.ModelSerializer):
    scan_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = Delivery
        fields = ["id", "kind", "status", "scan_id", "transitions", "attempts", "status_code", "response_ms", "error",
                  "created_at", "delivered_at", "next_attempt_at"]
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    """A change row: the keys of a digest's transitions, plus its id and (to users who may see
    that scan) the scan that found it."""

    id = serializers.IntegerField()
    repository_id = serializers.IntegerField()
    full_name = serializers.CharField()
    event = serializers.ChoiceField(choices=RepositoryChange.Event.choices, allow_null=True)
    field = serializers.ChoiceField(choices=CHANGE_FIELDS)
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    at = serializers.DateTimeField()
    scan_id = serializers.UUIDField(allow_null=True)


class MetricSerializer(serializers.Serializer):
    day = serializers.DateField()
    stars = serializers.IntegerField()
    forks = serializers.IntegerField()
    open_issues = serializers.IntegerField()
    watchers = serializers.IntegerField()


class HistorySerializer(serializers.Serializer):
    repository_id = serializers.IntegerField()
    full_name = serializers.CharField()
    suspected = serializers.BooleanField()
    changes = TransitionSerializer(many=True, help_text="newest first")
    metrics = MetricSerializer(many=True, help_text="one a day at most, written when a count changed; oldest first")
