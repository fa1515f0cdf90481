from django.contrib import admin

from dashboard.models import KpiLine, Watermark


@admin.register(KpiLine)
class KpiLineAdmin(admin.ModelAdmin):
    list_display = ("kpi", "target", "yellow", "red", "higher_is_better")


@admin.register(Watermark)
class WatermarkAdmin(admin.ModelAdmin):
    list_display = ("source", "last_id", "ran_at")
    readonly_fields = ("source", "last_id", "ran_at")
