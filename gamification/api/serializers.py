from rest_framework import serializers

from gamification.labels import entry_label


class PointsLevelOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class PointsMissingOutputSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    voters = serializers.IntegerField()
    days = serializers.IntegerField()


class PointsProgressOutputSerializer(serializers.Serializer):
    next = PointsLevelOutputSerializer(allow_null=True)
    level_points = serializers.IntegerField()
    missing = PointsMissingOutputSerializer()
    percent = serializers.IntegerField()


class PointsSummaryOutputSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    spendable = serializers.IntegerField()
    pending = serializers.IntegerField()
    level_points = serializers.IntegerField()
    level = PointsLevelOutputSerializer()


class PointsEntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField()
    action = serializers.CharField()
    reason = serializers.SerializerMethodField()
    source_type = serializers.CharField()
    source_id = serializers.IntegerField(allow_null=True)
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    pending = serializers.SerializerMethodField()
    vests_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_reason(self, entry) -> str:
        return entry_label(entry)

    def get_pending(self, entry) -> bool:
        return entry.vests_at is not None and entry.vested_at is None and entry.reverses_id is None


class CheckinOutputSerializer(serializers.Serializer):
    created = serializers.BooleanField()
    points = serializers.IntegerField()
    streak = serializers.IntegerField()
