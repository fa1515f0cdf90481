"""Operators (superusers) only: they publish policy versions and review the consent records,
the staff-access log and sign-ins, which are append-only and read-only here.

Operators follow exports and deletions (read-only: only the services change them). Rows
show the account's id, never its e-mail: the admin is no way around the deletion."""
from django.contrib import admin
from django.utils import timezone

from community.privacy import services
from community.privacy.models import (
    ConsentRecord,
    DataExport,
    DeletionRequest,
    LoginEvent,
    PolicyVersion,
    StaffAccessRecord,
)
from core.admin import ReadOnlyModelAdmin


class OperatorsOnlyMixin:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(PolicyVersion)
class PolicyVersionAdmin(OperatorsOnlyMixin, admin.ModelAdmin):
    list_display = ("version", "published_at")
    search_fields = ("version",)

    def has_delete_permission(self, request, obj=None):
        return False  # consents point at the version people accepted

    def has_change_permission(self, request, obj=None):
        # A published text is what people accepted: publish a new version instead of editing it.
        if obj is not None and obj.published_at <= timezone.now():
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.policy_publish(version=obj)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(OperatorsOnlyMixin, ReadOnlyModelAdmin):
    list_display = ("at", "user_id", "purpose", "granted", "method", "policy_version")
    list_filter = ("purpose", "granted", "method")
    list_select_related = ("policy_version",)
    search_fields = ("=user__id",)
    date_hierarchy = "at"


@admin.register(StaffAccessRecord)
class StaffAccessRecordAdmin(OperatorsOnlyMixin, ReadOnlyModelAdmin):
    list_display = ("at", "actor", "actor_role", "subject_id", "field", "reason", "object_ref")
    list_filter = ("actor_role", "field", "reason", ("actor", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("actor",)
    search_fields = ("=subject__id", "object_ref")
    date_hierarchy = "at"


@admin.register(LoginEvent)
class LoginEventAdmin(OperatorsOnlyMixin, ReadOnlyModelAdmin):
    list_display = ("at", "user_id", "client_family", "network_hash")
    list_filter = ("client_family",)
    search_fields = ("=user__id",)
    date_hierarchy = "at"


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "user_id", "status", "progress", "created_at", "expires_at", "error")
    list_filter = ("status",)
    fields = readonly_fields = ("user_id", "status", "progress", "language", "size", "created_at", "finished_at",
                                "expires_at", "error")


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "user_id", "status", "keep_content", "requested_at", "scheduled_for", "completed_at")
    list_filter = ("status", "keep_content")
    fields = readonly_fields = ("user_id", "status", "keep_content", "requested_at", "scheduled_for", "cancelled_at",
                                "completed_at", "rows_erased")
