"""Poll options in the API, with the pages' permissions:

- ``GET /api/challenges/<id>/options/``: the options of a published poll in the brand's order,
  with ``vote_count``, ``percent`` (share of valid votes) and ``voted`` for the signed-in user
- ``POST|DELETE /api/poll-options/<id>/vote/``: vote (a second POST withdraws, like the page)
  or withdraw; signed-in users only, throttled like ``POST /api/entries/<id>/vote/``

Errors use the project's JSON error shape.
"""
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from community.cocreation import polls, selectors
from community.cocreation.api.challenges import challenge_or_404
from core.api.base import ApiPagination, BaseApi, check_id, error_responses


class PollOptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    challenge_id = serializers.IntegerField()
    position = serializers.IntegerField()
    label = serializers.CharField()
    description = serializers.CharField()
    image = serializers.SerializerMethodField()
    image_width = serializers.IntegerField(allow_null=True)
    image_height = serializers.IntegerField(allow_null=True)
    vote_count = serializers.IntegerField(help_text="Valid votes.")
    percent = serializers.IntegerField(help_text="Share of the poll's valid votes, a whole number (0 when none).")
    voted = serializers.BooleanField(help_text="The signed-in user voted for this option.")

    def get_image(self, obj) -> str | None:
        return obj.image.url if obj.image else None


def _with_share(option, *, voted):
    """What the output serializer reads beyond the row, for a single option."""
    option.percent = selectors.poll_percent(option.vote_count, selectors.poll_total_votes(option.challenge_id))
    option.voted = voted
    return option


class ChallengePollOptionListApi(BaseApi):
    pagination_class = ApiPagination

    @extend_schema(operation_id="challenges_poll_options_list",
                   responses={200: PollOptionOutputSerializer(many=True), **error_responses(404, 429)})
    def get(self, request, challenge_id):
        challenge = challenge_or_404(challenge_id)
        options = selectors.poll_options(challenge=challenge, viewer=request.user)  # all: percent needs the total
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(options, request, view=self)
        return paginator.get_paginated_response(PollOptionOutputSerializer(page, many=True).data)


class PollOptionVoteApi(BaseApi):
    """POST votes (a second POST withdraws: the same one-tap toggle as the page); DELETE withdraws."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="poll_options_vote", request=None,
                   responses={200: PollOptionOutputSerializer, **error_responses(400, 401, 403, 404, 429)})
    def post(self, request, option_id):
        check_id(option_id, _("Poll option not found."))
        option, voted = polls.poll_vote_toggle(user=request.user, option_id=option_id)
        return Response(PollOptionOutputSerializer(_with_share(option, voted=voted)).data)

    @extend_schema(operation_id="poll_options_vote_withdraw", request=None,
                   responses={200: PollOptionOutputSerializer, **error_responses(400, 401, 403, 404, 429)})
    def delete(self, request, option_id):
        check_id(option_id, _("Poll option not found."))
        option = polls.poll_vote_withdraw(user=request.user, option_id=option_id)
        return Response(PollOptionOutputSerializer(_with_share(option, voted=False)).data)


urlpatterns = [
    path("challenges/<int:challenge_id>/options/", ChallengePollOptionListApi.as_view(), name="challenge-poll-options"),
    path("poll-options/<int:option_id>/vote/", PollOptionVoteApi.as_view(), name="poll-option-vote"),
]
