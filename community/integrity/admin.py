from django.contrib import admin

from community.integrity.models import InteractionDaily, InteractionEvent
from core.admin import ReadOnlyModelAdmin


@admin.register(InteractionEvent)
class InteractionEventAdmin(ReadOnlyModelAdmin):
    """The interaction log: written by services only, read-only here."""

    list_display = ("at", "action", "actor", "target_ct", "target_id", "target_author", "ua_family",
                    "account_age_days", "actor_level", "valid")
    list_filter = ("action", "valid", "signals_expired", "ua_family")
    search_fields = ("=actor__id", "=target_id", "=device_hash", "=ip_prefix_hash")
    list_select_related = ("actor", "target_ct", "target_author")
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(InteractionDaily)
class InteractionDailyAdmin(ReadOnlyModelAdmin):
    list_display = ("day", "action", "count")
    list_filter = ("action",)
    date_hierarchy = "day"
