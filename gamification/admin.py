"""Operators edit rules, levels and privileges here; the ledger is read-only (corrections are
reversing rows written by services, never edits)."""
import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from community.admin import BrandScopedAdmin
from core.admin import ReadOnlyAdminMixin, ReadOnlyModelAdmin
from core.errors import ServiceError
from gamification import badges as badge_registry
from gamification.models import (
    ActivityDay,
    Badge,
    Level,
    PointsEntry,
    PrivilegeGrant,
    Redemption,
    Reward,
    RewardCode,
    Rule,
    UserBadge,
    UserPoints,
)
from gamification.rewards import reward_codes_add


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


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "user", "amount", "action", "source_type", "source_id", "reverses", "vests_at", "vested_at",
                    "created_at"]
    list_filter = ["action"]
    search_fields = ["key", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "reverses"]


@admin.register(UserPoints)
class UserPointsAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "total", "spendable", "level_points", "level", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]


@admin.register(ActivityDay)
class ActivityDayAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "kind", "day"]
    list_filter = ["kind"]


# --- badges (operators) and the rewards store (brand staff, limited to their brand) -----------


class BadgeForm(forms.ModelForm):
    criterion = forms.ChoiceField(label=_("criterion"), choices=())

    class Meta:
        model = Badge
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = badge_registry.criterion_choices()
        lines = []
        for code, crit in sorted(badge_registry.REGISTRY.items()):
            params = ", ".join(f'"{p.name}": {p.default}' for p in crit.params) or "-"
            lines.append(f"{code}: {{{params}}}")
        self.fields["params"].help_text = _("JSON parameters of the criterion. Defaults: ") + "; ".join(lines)

    def clean(self):
        data = super().clean()
        code = data.get("criterion")
        if code:
            try:
                data["params"] = badge_registry.badge_criterion_validate(criterion_code=code, params=data.get("params"))
            except ServiceError as error:
                self.add_error("params", str(error.message))
        return data


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    form = BadgeForm
    list_display = ("slug", "name_zh", "name_en", "tier", "criterion", "params_display", "is_active", "position")
    list_filter = ("tier", "is_active", "criterion")
    list_editable = ("is_active", "position")
    prepopulated_fields = {"slug": ("name_en",)}
    search_fields = ("slug", "name_zh", "name_en")
    actions = ["grant_now"]

    @admin.display(description=_("parameters"))
    def params_display(self, obj):
        return json.dumps(obj.params, ensure_ascii=False)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        badge_registry.badges_cache_forget()  # names, icons or activity may have changed on cards

    @admin.action(description=_("Grant to everyone who qualifies now"))
    def grant_now(self, request, queryset):
        result = badge_registry.badges_backfill(badge_ids=list(queryset.values_list("pk", flat=True)))
        messages.success(request, _("New holders: %(result)s") % {"result": result})


@admin.register(UserBadge)
class UserBadgeAdmin(admin.ModelAdmin):
    list_display = ("user", "badge", "awarded_at")
    list_filter = ("badge",)
    list_select_related = ("user", "badge")
    raw_id_fields = ("user",)
    search_fields = ("user__email",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RewardForm(forms.ModelForm):
    new_codes = forms.CharField(
        label=_("add codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One coupon code per line. Duplicates are skipped."),
    )

    class Meta:
        model = Reward
        fields = "__all__"


class RewardCodeInline(admin.TabularInline):
    model = RewardCode
    extra = 0
    fields = ("code", "redeemed_at")
    readonly_fields = ("code", "redeemed_at")
    can_delete = False
    max_num = 0
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Reward)
class RewardAdmin(BrandScopedAdmin):
    form = RewardForm
    list_display = ("title_zh", "title_en", "brand", "cost", "per_user_limit", "stock", "is_active", "ends_at")
    list_filter = ("is_active",)
    list_select_related = ("brand",)
    search_fields = ("title_zh", "title_en")
    inlines = [RewardCodeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            free_codes=Count("codes", filter=Q(codes__redeemed_at__isnull=True))
        )

    @admin.display(description=_("codes left"), ordering="free_codes")
    def stock(self, obj):
        return obj.free_codes

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        codes = (form.cleaned_data.get("new_codes") or "").splitlines()
        if codes:
            try:
                added = reward_codes_add(reward=obj, codes=codes)
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("%(n)d codes added.") % {"n": added})


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdminMixin, BrandScopedAdmin):
    brand_path = "reward__brand"
    list_display = ("user", "reward", "cost", "created_at", "voided_at")
    list_select_related = ("user", "reward")
    raw_id_fields = ("user",)
