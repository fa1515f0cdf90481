from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin
from moderation import selectors
from moderation.models import (
    Appeal,
    Case,
    ClassifierArtifact,
    Event,
    Report,
    Threshold,
    WordEntry,
)


@admin.register(WordEntry)
class WordEntryAdmin(admin.ModelAdmin):
    list_display = ("term", "category", "action", "is_active", "created_at")
    list_filter = ("category", "action", "is_active")
    search_fields = ("term", "note")
    list_editable = ("action", "is_active")


@admin.register(Threshold)
class ThresholdAdmin(admin.ModelAdmin):
    list_display = ("content_type", "publish_below", "reject_at", "classifier_min_precision",
                    "reject_precision", "publish_precision")

    @admin.display(description=_("reject precision on past decisions"))
    def reject_precision(self, obj):
        p = selectors.threshold_precision(content_type=obj.content_type, publish_below=obj.publish_below,
                                          reject_at=obj.reject_at)
        return "—" if p["reject_precision"] is None else f"{p['reject_precision']:.1%} (n={p['reject_n']})"

    @admin.display(description=_("publish precision on past decisions"))
    def publish_precision(self, obj):
        p = selectors.threshold_precision(content_type=obj.content_type, publish_below=obj.publish_below,
                                          reject_at=obj.reject_at)
        return "—" if p["publish_precision"] is None else f"{p['publish_precision']:.1%} (n={p['publish_n']})"


@admin.register(Event)
class EventAdmin(ReadOnlyModelAdmin):
    """The audit log: append-only, read-only here."""

    list_display = ("created_at", "action", "content_type", "object_id", "actor", "reason", "old_state", "new_state")
    list_filter = ("action", "content_type")
    search_fields = ("object_id", "reason")
    list_select_related = ("actor",)


@admin.register(Case)
class CaseAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "content_type", "object_id", "state", "risk", "ai_decision", "decided_by", "created_at")
    list_filter = ("state", "content_type", "ai_decision")
    list_select_related = ("decided_by",)


@admin.register(Report)
class ReportAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "content_type", "object_id", "reporter", "reason_shown", "weight", "status")
    list_filter = ("status", "reason")
    list_select_related = ("reporter",)

    @admin.display(description=_("reason"), ordering="reason")
    def reason_shown(self, report):
        return report.reason_label


@admin.register(Appeal)
class AppealAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "case", "author", "status", "decided_by")
    list_filter = ("status",)


@admin.register(ClassifierArtifact)
class ClassifierArtifactAdmin(ReadOnlyModelAdmin):
    list_display = ("kind", "version", "is_active", "threshold", "trained_on", "created_at")
