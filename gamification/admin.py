"""Operators edit rules, levels and privileges here; the ledger is read-only (corrections are
reversing rows written by services, never edits)."""
from django.contrib import admin

from gamification.models import ActivityDay, Level, PointsEntry, PrivilegeGrant, Rule, UserPoints


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["action", "points", "daily_cap_count", "daily_cap_points", "quality_scaled", "counts_toward_level",
                    "vests", "is_active"]
    list_editable = ["points", "daily_cap_count", "daily_cap_points", "quality_scaled", "counts_toward_level", "vests",
                     "is_active"]
    search_fields = ["action"]


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["number", "name_zh", "name_en", "min_points", "min_distinct_voters", "min_distinct_days"]
    list_editable = ["name_zh", "name_en", "min_points", "min_distinct_voters", "min_distinct_days"]


@admin.register(PrivilegeGrant)
class PrivilegeGrantAdmin(admin.ModelAdmin):
    list_display = ["privilege", "min_level", "value", "is_active"]
    list_editable = ["min_level", "value", "is_active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "amount", "action", "source_type", "source_id", "reverses", "vests_at", "vested_at",
                    "created_at"]
    list_filter = ["action"]
    search_fields = ["key", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "reverses"]


@admin.register(UserPoints)
class UserPointsAdmin(ReadOnlyAdmin):
    list_display = ["user", "total", "spendable", "level_points", "level", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]


@admin.register(ActivityDay)
class ActivityDayAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "day"]
    list_filter = ["kind"]


from gamification import admin_public  # noqa: E402,F401  badges and the rewards store
