"""The dashboard's filters and who may see what: shared by the pages, the CSV export and the API."""
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from community.models import BrandMembership
from dashboard.rollups import site_day

MAX_DAYS = 366
LANGUAGES = [("zh", _("Chinese")), ("en", _("English"))]
KIND_CHOICES = [("review", _("Reviews")), ("entry", _("Challenge entries")), ("comment", _("Comments"))]


def is_operator(user):
    return user.is_authenticated and user.is_staff and user.has_perm("dashboard.view_dashboard")


def member_brand_ids(user):
    if not user.is_authenticated:
        return []
    return list(BrandMembership.objects.filter(user=user).values_list("brand_id", flat=True).order_by("brand_id"))


class FilterSerializer(serializers.Serializer):
    """Query parameters: ``from`` and ``to`` are site days (Asia/Shanghai), inclusive; the default
    is the 30 days up to today."""

    from_ = serializers.DateField(required=False, label=_("from"))
    to = serializers.DateField(required=False, label=_("to"))
    brand = serializers.IntegerField(required=False, min_value=1, label=_("brand"))
    category = serializers.IntegerField(required=False, min_value=1, label=_("category"))
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, label=_("language"))
    kind = serializers.ChoiceField(choices=KIND_CHOICES, required=False, label=_("content kind"))

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        today = site_day(timezone.now())
        end = attrs.get("to") or today
        start = attrs.get("from") or end - timedelta(days=29)
        if start > end:
            raise serializers.ValidationError({"from": [_("The start date is after the end date.")]})
        if (end - start).days + 1 > MAX_DAYS:
            raise serializers.ValidationError({"from": [_("Choose at most %(n)d days.") % {"n": MAX_DAYS}]})
        if end > today:
            raise serializers.ValidationError({"to": [_("The end date is in the future.")]})
        attrs["from"], attrs["to"] = start, end
        return attrs


def clean_params(data):
    """(filters, errors): the validated filters, or the field errors."""
    ser = FilterSerializer(data={k: v for k, v in data.items() if v not in ("", None)})
    if ser.is_valid():
        return ser.validated_data, None
    return None, {k: [str(m) for m in v] for k, v in ser.errors.items()}


class Scope:
    """What one request may see: ``brand_ids`` None means every brand (operators)."""

    def __init__(self, *, operator, brand_ids, member_ids=()):
        self.operator = operator
        self.brand_ids = brand_ids
        self.member_ids = member_ids


def scope_for(user, filters, *, brand_view):
    """The scope, or None when the user may not see it (another brand, no permission)."""
    brand = filters.get("brand")
    if not brand_view:
        if not is_operator(user):
            return None
        return Scope(operator=True, brand_ids=[brand] if brand else None)
    mine = member_brand_ids(user)
    if not mine:
        return None
    if brand is not None:
        if brand not in mine:
            return None
        return Scope(operator=False, brand_ids=[brand], member_ids=mine)
    return Scope(operator=False, brand_ids=mine, member_ids=mine)

