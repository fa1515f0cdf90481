"""JSON API for badges, leaderboards and the rewards store (interfaces only).

Included under /api/ from config/urls.py; errors leave through the project's
exception handler as ``{"error": {"code", "message", "fields"}}``.
"""
from django.db.models import Count
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.base import ApiPagination, BaseApi, error_responses
from gamification import leaderboards, rewards, selectors
from gamification.models import Badge

app_name = "gamification_api"


# --- serializers ----------------------------------------------------------------------------------


class BadgeOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    tier = serializers.CharField()
    icon_emoji = serializers.CharField()
    icon_url = serializers.SerializerMethodField()
    holder_count = serializers.IntegerField(required=False)

    def get_icon_url(self, obj) -> str | None:
        if not obj.icon_image:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(obj.icon_image.url) if request else obj.icon_image.url


class BadgeHolderOutputSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField(source="user.public_name")
    awarded_at = serializers.DateTimeField()


class LeaderboardRowOutputSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user_id = serializers.IntegerField()
    name = serializers.CharField(source="user.public_name")
    points = serializers.IntegerField()


class LeaderboardRankOutputSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    points = serializers.IntegerField()


class LeaderboardOutputSerializer(serializers.Serializer):
    period = serializers.CharField()
    scope = serializers.CharField()
    rows = LeaderboardRowOutputSerializer(many=True)
    me = LeaderboardRankOutputSerializer(allow_null=True)


class LeaderboardFilterSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=leaderboards.PERIODS, default="week")
    scope = serializers.RegexField(r"^(overall|challenge:\d{1,18})$", default=leaderboards.OVERALL)


class RewardOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    brand = serializers.CharField(source="brand.name")
    cost = serializers.IntegerField()
    per_user_limit = serializers.IntegerField()
    stock = serializers.IntegerField()
    ends_at = serializers.DateTimeField(allow_null=True)


class RewardRedeemInputSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=rewards.KEY_MAX, help_text="Idempotency key: the same key redeems once.")


class RedemptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reward_id = serializers.IntegerField()
    title = serializers.CharField(source="reward.title")
    brand = serializers.CharField(source="reward.brand.name")
    code = serializers.CharField(source="code.code")
    cost = serializers.IntegerField()
    created_at = serializers.DateTimeField()


def _parse(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- views --------------------------------------------------------------------------------------------


class BadgeListApi(BaseApi):
    @extend_schema(operation_id="badges_list", responses={200: BadgeOutputSerializer(many=True), **error_responses(429)})
    def get(self, request):
        badges = Badge.objects.filter(is_active=True).annotate(holder_count=Count("holders"))
        return Response(BadgeOutputSerializer(badges, many=True, context={"request": request}).data)


class BadgeHolderListApi(BaseApi):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="badges_holders_list",
        responses={200: BadgeHolderOutputSerializer(many=True), **error_responses(404, 429)},
    )
    def get(self, request, slug):
        badge = Badge.objects.filter(slug=slug, is_active=True).first()
        if badge is None:
            raise NotFound()
        holders = selectors.badge_holders_public(badge)  # people with a public profile only
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(holders, request, view=self)
        return paginator.get_paginated_response(BadgeHolderOutputSerializer(page, many=True).data)


class LeaderboardApi(BaseApi):
    @extend_schema(
        operation_id="leaderboards_retrieve",
        parameters=[LeaderboardFilterSerializer],
        responses={200: LeaderboardOutputSerializer, **error_responses(400, 429)},
    )
    def get(self, request):
        data = _parse(LeaderboardFilterSerializer, request.query_params)
        board = leaderboards.leaderboard_get(period=data["period"], scope=data["scope"], viewer=request.user)
        return Response(LeaderboardOutputSerializer(board).data)


class RewardListApi(BaseApi):
    @extend_schema(operation_id="rewards_list", responses={200: RewardOutputSerializer(many=True), **error_responses(429)})
    def get(self, request):
        return Response(RewardOutputSerializer(rewards.reward_list_open(), many=True).data)


class RewardRedeemApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="rewards_redeem_create",
        summary="Redeem a reward for points",
        request=RewardRedeemInputSerializer,
        responses={201: RedemptionOutputSerializer, **error_responses(400, 401, 404, 429)},
    )
    def post(self, request, reward_id):
        data = _parse(RewardRedeemInputSerializer, request.data)
        redemption = rewards.reward_redeem(user_id=request.user.pk, reward_id=reward_id, key=data["key"])
        return Response(RedemptionOutputSerializer(redemption).data, status=status.HTTP_201_CREATED)


class MyRedemptionListApi(BaseApi):
    permission_classes = [IsAuthenticated]
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="me_rewards_list", responses={200: RedemptionOutputSerializer(many=True), **error_responses(401, 404, 429)}
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            rewards.redemption_list_for_user(user_id=request.user.pk), request, view=self
        )
        return paginator.get_paginated_response(RedemptionOutputSerializer(page, many=True).data)


urlpatterns = [
    path("badges/", BadgeListApi.as_view(), name="badge-list"),
    path("badges/<slug:slug>/holders/", BadgeHolderListApi.as_view(), name="badge-holders"),
    path("leaderboards/", LeaderboardApi.as_view(), name="leaderboard"),
    path("rewards/", RewardListApi.as_view(), name="reward-list"),
    path("rewards/<int:reward_id>/redeem/", RewardRedeemApi.as_view(), name="reward-redeem"),
    path("me/rewards/", MyRedemptionListApi.as_view(), name="my-rewards"),
]
