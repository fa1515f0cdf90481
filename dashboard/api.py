"""GET /api/dashboard/kpis/: the dashboard's numbers as JSON, permission-checked like the pages.
Operators see every brand (or the one in ``brand``); brand staff only their own brands, with
platform figures as anonymous medians; anyone else gets 403."""
from django.urls import path
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.base import BaseApi, ErrorOutputSerializer
from dashboard import kpis
from dashboard.filters import FilterSerializer, is_operator, scope_for

KpiSerializer = inline_serializer("DashboardKpi", many=True, fields={
    "key": serializers.CharField(), "title": serializers.CharField(), "definition": serializers.CharField(),
    "unit": serializers.CharField(), "value": serializers.FloatField(allow_null=True),
    "previous": serializers.FloatField(allow_null=True), "change": serializers.FloatField(allow_null=True),
    "target": serializers.FloatField(allow_null=True), "yellow": serializers.FloatField(allow_null=True),
    "red": serializers.FloatField(allow_null=True),
    "status": serializers.CharField(help_text="green, yellow, red or none (no value or no line)"),
    "series": serializers.ListField(child=serializers.ListField(), help_text="[[day, value], ...] over 90 days"),
})
OutputSerializer = inline_serializer("DashboardKpis", {
    "from": serializers.DateField(), "to": serializers.DateField(), "days": serializers.IntegerField(),
    "previous_from": serializers.DateField(), "previous_to": serializers.DateField(),
    "kpis": KpiSerializer, "funnel": serializers.DictField(),
    "challenge_funnel": serializers.ListField(child=serializers.DictField(), help_text=(
        "per challenge: challenge_id, title (in the request's language), title_zh, title_en, views, entrants, "
        "entries, voters, votes, adopted; most viewed first")),
    "moderation": serializers.DictField(required=False, help_text="operators only"),
    "points": serializers.DictField(required=False, help_text="operators only"),
    "retention": serializers.DictField(required=False, help_text="operators only"),
    "benchmarks": serializers.DictField(required=False, help_text="brand staff: platform medians across brands"),
})


class DashboardKpisApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="dashboard_kpis",
        summary="Growth dashboard KPIs",
        description="The KPIs of the growth dashboard over [from, to] (site days, Asia/Shanghai, inclusive; "
                    "default the last 30 days), read from the rollup tables. Definitions: docs/dashboard.md.",
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD, not in the future"),
            OpenApiParameter("brand", int, description="one brand; brand staff: one of their own"),
            OpenApiParameter("category", int), OpenApiParameter("language", str, enum=["zh", "en"]),
            OpenApiParameter("kind", str, enum=["review", "entry", "comment"]),
        ],
        responses={200: OutputSerializer, 400: OpenApiResponse(ErrorOutputSerializer),
                   403: OpenApiResponse(ErrorOutputSerializer)},
    )
    def get(self, request):
        ser = FilterSerializer(data={k: v for k, v in request.query_params.items() if v != ""})
        if not ser.is_valid():
            raise ValidationError(ser.errors)
        filters = ser.validated_data
        operator = is_operator(request.user)
        scope = scope_for(request.user, filters, brand_view=not operator)
        if scope is None:
            raise PermissionDenied
        return Response(kpis.cached_dashboard(
            start=filters["from"], end=filters["to"], brand_ids=scope.brand_ids, category=filters.get("category"),
            language=filters.get("language"), kind=filters.get("kind"), operator=scope.operator,
            benchmarks=not operator))


urlpatterns = [path("dashboard/kpis/", DashboardKpisApi.as_view(), name="kpis")]
