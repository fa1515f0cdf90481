"""The gamification core JSON API: the viewer's points and the daily check-in.

Same shape as community.api: parse, call one selector or service, render an output
serializer; errors leave through core.api.errors.exception_handler.
"""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.base import ApiPagination, BaseApi, error_responses
from gamification import selectors, streaks
from gamification.api import serializers as s


class PointsMeApi(BaseApi):
    """Balance, level, progress to the next level, and the ledger history (paginated, newest first)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_points_retrieve",
        responses={
            200: inline_serializer(
                "PointsMeOutput",
                {
                    "summary": s.PointsSummaryOutputSerializer(),
                    "progress": s.PointsProgressOutputSerializer(),
                    "count": serializers.IntegerField(),
                    "next": serializers.CharField(allow_null=True),
                    "previous": serializers.CharField(allow_null=True),
                    "results": s.PointsEntryOutputSerializer(many=True),
                },
            ),
            **error_responses(401, 429),
        },
    )
    def get(self, request):
        totals = selectors.user_points(request.user.pk)
        progress = selectors.level_progress(request.user, points=totals)
        paginator = ApiPagination()
        page = paginator.paginate_queryset(selectors.points_history(request.user.pk), request, view=self)
        response = paginator.get_paginated_response(s.PointsEntryOutputSerializer(page, many=True).data)
        response.data = {
            "summary": s.PointsSummaryOutputSerializer(totals).data,
            "progress": s.PointsProgressOutputSerializer(progress).data,
            **response.data,
        }
        return response


class CheckinApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_checkin_create", request=None,
                   responses={200: s.CheckinOutputSerializer, **error_responses(401, 429)})
    def post(self, request):
        created, entry, streak = streaks.checkin(user_id=request.user.pk)
        return Response(s.CheckinOutputSerializer({"created": created, "points": entry.amount if entry else 0,
                                                   "streak": streak}).data)
