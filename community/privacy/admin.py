"""Operators follow exports and deletions (read-only: only the services change them). Rows
show the account's id, never its e-mail: the admin is no way around the deletion."""
from django.contrib import admin

from community.privacy.models import DataExport, DeletionRequest
from core.admin import ReadOnlyModelAdmin


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
