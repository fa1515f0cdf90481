"""Input and output shapes of the moderation API (queue, decisions, reports, appeals)
and of the current user's notifications.

Output serializers read attributes the views prepared from selectors (see
``moderation.presentation``), so a page of queue items costs the same queries as one.
Text is always the masked text: personal data never leaves through this API.
Module-level names are unique across the project (drf-spectacular names components
after classes).
"""
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.api.serializers import LevelOutputSerializer
from community.models import Review
from core.api.base import MAX_ID
from moderation import registry, selectors
from moderation.forms import BULK_MAX, DECISIONS
from moderation.models import Appeal, Case, RejectReason, Report

# Only the choice sets each field name has already get an enum in the schema: a second
# set under the same field name in several components would collide (drf-spectacular
# names enums after the field). Outputs that would collide are plain strings.
LANGUAGES = Review.Language.choices


def _kinds():
    return [(kind.key, str(kind.label)) for kind in registry.kinds()]


# --- queue -------------------------------------------------------------------------------


class QueueFilterSerializer(serializers.Serializer):
    content_type = serializers.ChoiceField(choices=_kinds(), required=False, help_text=_("Kind of content."))
    reason = serializers.ChoiceField(
        choices=list(selectors.QUEUE_REASONS), required=False,
        help_text=_("Why it is queued; `reported` and `appeal` are the user complaint views."),
    )
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)


class CodeLabelOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class ModeratorRefOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="public_name")


class QueuePreviewOutputSerializer(serializers.Serializer):
    title = serializers.CharField()
    text = serializers.CharField(help_text=_("Personal data masked."))
    rating = serializers.IntegerField(allow_null=True)
    language = serializers.CharField()
    url = serializers.CharField()
    image_urls = serializers.ListField(child=serializers.CharField())


class QueueItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    kind_label = serializers.CharField()
    object_id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=Case.State.choices)
    language = serializers.CharField()
    risk = serializers.FloatField()
    classifier_score = serializers.FloatField(allow_null=True)
    reasons = CodeLabelOutputSerializer(many=True)
    queued_at = serializers.DateTimeField(allow_null=True)
    age_seconds = serializers.IntegerField(allow_null=True)
    sla = serializers.ChoiceField(choices=["ok", "warn", "over"],
                                  help_text=_("over: waiting past the 24 h SLA; warn: past half of it."))
    claimed_by = ModeratorRefOutputSerializer(allow_null=True, source="claimed_by_if_held")
    held_by_me = serializers.BooleanField()
    lease_expires_at = serializers.DateTimeField(allow_null=True, source="lease_if_held")
    preview = serializers.SerializerMethodField()

    @extend_schema_field(QueuePreviewOutputSerializer(allow_null=True))
    def get_preview(self, case):
        preview = getattr(case, "preview", None)
        if preview is None:
            return None
        return QueuePreviewOutputSerializer({
            "title": preview.title, "text": case.safe_text, "rating": preview.rating,
            "language": preview.language, "url": preview.url, "image_urls": preview.image_urls,
        }).data


class QueueClaimInputSerializer(QueueFilterSerializer):
    pass


# --- one item ------------------------------------------------------------------------------


class SegmentOutputSerializer(serializers.Serializer):
    text = serializers.CharField(help_text=_("Masked when personal."))
    labels = serializers.ListField(child=serializers.CharField(), help_text=_("Evidence labels; empty for plain text."))
    personal = serializers.BooleanField()
    severity = serializers.IntegerField(help_text=_("0 plain, 1 flag, 2 hold, 3 block."))


class DetectorOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    action = serializers.CharField()
    labels = CodeLabelOutputSerializer(many=True)


class AuthorHistoryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = LevelOutputSerializer()
    account_age_days = serializers.IntegerField()
    past_rejections = serializers.IntegerField()
    past_approvals = serializers.IntegerField()
    reports_against = serializers.IntegerField()


class SimilarItemOutputSerializer(serializers.Serializer):
    content_type = serializers.CharField()
    object_id = serializers.IntegerField()
    similarity = serializers.FloatField(allow_null=True)
    case_id = serializers.IntegerField(allow_null=True)
    state = serializers.CharField(allow_null=True)


class CaseEventOutputSerializer(serializers.Serializer):
    action = serializers.CharField()
    reason = serializers.CharField()
    old_state = serializers.CharField()
    new_state = serializers.CharField()
    actor = serializers.CharField(allow_null=True, help_text=_("Moderator's public name; null for the AI."))
    created_at = serializers.DateTimeField()


APPEAL_STATUS_HELP = format_lazy(_("One of: {codes}."), codes=", ".join(Appeal.Status.values))
REPORT_STATUS_HELP = format_lazy(_("One of: {codes}."), codes=", ".join(Report.Status.values))


class CaseAppealOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text=APPEAL_STATUS_HELP)
    message = serializers.CharField()
    created_at = serializers.DateTimeField()


class CaseDecisionStateOutputSerializer(serializers.Serializer):
    reject_reason = serializers.CharField()
    note = serializers.CharField()
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class CaseDetailOutputSerializer(QueueItemOutputSerializer):
    """A queue item plus what a moderator needs to decide; the view attaches the sources."""

    segments = SegmentOutputSerializer(many=True)
    detectors = DetectorOutputSerializer(many=True, source="detector_summary")
    author = AuthorHistoryOutputSerializer(source="author_history")
    similar = SimilarItemOutputSerializer(many=True, source="similar_items")
    history = CaseEventOutputSerializer(many=True, source="history_events")
    appeal = CaseAppealOutputSerializer(allow_null=True, source="appeal_if_any")
    decision = CaseDecisionStateOutputSerializer(source="decision_state")


# --- decisions ------------------------------------------------------------------------------


def _require_reason(data):
    if data.get("decision") == "reject" and not data.get("reason"):
        raise serializers.ValidationError({"reason": [_("Choose a reason for the rejection.")]})
    return data


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DECISIONS)
    reason = serializers.ChoiceField(choices=RejectReason.choices, required=False, allow_blank=True,
                                     help_text=_("Required to reject."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000,
                                 help_text=_("Shown to the author."))

    def validate(self, data):
        return _require_reason(data)


class DecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=Case.State.choices)
    reject_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class BulkDecisionInputSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
                                min_length=1, max_length=BULK_MAX)
    decision = serializers.ChoiceField(choices=DECISIONS)
    reason = serializers.CharField(required=False, allow_blank=True,
                                   help_text=_("Required to reject; the same codes as a single decision."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    def validate_reason(self, value):
        if value and value not in RejectReason.values:
            raise serializers.ValidationError(_("Unknown reason."))
        return value

    def validate(self, data):
        return _require_reason(data)


class BulkDecisionOutputSerializer(serializers.Serializer):
    decided = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.ListField(child=serializers.IntegerField(),
                                    help_text=_("Held by another moderator, already decided or not found."))


# --- reports and appeals ---------------------------------------------------------------------


class ReportCreateInputSerializer(serializers.Serializer):
    content_type = serializers.ChoiceField(choices=_kinds())
    object_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    message = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    object_id = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField(help_text=REPORT_STATUS_HELP)
    created_at = serializers.DateTimeField()


class AppealCreateInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=2000, help_text=_("Why the decision should change."))


class AppealOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    status = serializers.CharField(help_text=APPEAL_STATUS_HELP)
    message = serializers.CharField()
    created_at = serializers.DateTimeField()


# --- notifications ------------------------------------------------------------------------------


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("Dotted code, e.g. moderation.review.rejected."))
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField(help_text=_("A path on this site, or empty."))
    read = serializers.SerializerMethodField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_read(self, note) -> bool:
        return note.read_at is not None


class NotificationReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                max_length=500, help_text=_("Mark only these; all when omitted."))


class NotificationReadOutputSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread_count = serializers.IntegerField()
