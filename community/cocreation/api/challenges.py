"""Challenges and entries in the API, with the pages' permissions:

- ``GET /api/challenges/`` (filters state, brand, kind), ``GET /api/challenges/<id>/``
- ``GET|POST /api/challenges/<id>/entries/`` (list with ``sort``; submit: text + images)
- ``GET /api/entries/<id>/``, ``POST|DELETE /api/entries/<id>/vote/`` (vote / withdraw)
- ``GET|POST /api/entries/<id>/comments/``

Anyone reads published challenges and entries; writing needs a signed-in user.
"""
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from community.api.serializers import BrandOutputSerializer
from community.cocreation import selectors, services
from community.cocreation.models import Challenge, EntryImage
from core.api.base import ApiPagination, BaseApi, check_id, error_responses, parse_input
from core.api.parsers import JSONParser


class ChallengeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    brand = BrandOutputSerializer()
    kind = serializers.CharField()
    state = serializers.CharField()
    title = serializers.CharField()
    brief = serializers.CharField()
    hashtag = serializers.CharField()
    rules = serializers.CharField()
    prize_description = serializers.CharField()
    prize_draw = serializers.BooleanField()
    prize_odds = serializers.CharField()
    draw_seed_hash = serializers.CharField()
    draw_seed = serializers.SerializerMethodField()
    draw_participant_ids = serializers.SerializerMethodField()
    draw_winner_ids = serializers.SerializerMethodField()
    opens_at = serializers.DateTimeField()
    entries_close_at = serializers.DateTimeField()
    voting_close_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    allow_overlap = serializers.BooleanField()
    entries_per_user = serializers.IntegerField()
    votes_per_user = serializers.IntegerField()
    participation_points = serializers.IntegerField()
    winner_points = serializers.IntegerField()
    entry_count = serializers.IntegerField()
    vote_count = serializers.IntegerField()

    # The seed and the lists are published only once the draw is revealed.
    def get_draw_seed(self, obj) -> str:
        return obj.draw_seed if obj.draw_revealed_at else ""

    def get_draw_participant_ids(self, obj) -> list[int]:
        return obj.draw_participant_ids if obj.draw_revealed_at else []

    def get_draw_winner_ids(self, obj) -> list[int]:
        return obj.draw_winner_ids if obj.draw_revealed_at else []


class ChallengeFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Challenge.State.choices, required=False)
    brand = serializers.SlugField(required=False)
    kind = serializers.ChoiceField(choices=Challenge.Kind.choices, required=False)


_DATETIME = serializers.DateTimeField()  # formats as the declared field does (settings' format and zone)


class EntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    challenge_id = serializers.IntegerField()
    author = serializers.CharField(source="author.public_name")
    text = serializers.CharField()
    status = serializers.CharField()
    vote_count = serializers.IntegerField()
    quality_score = serializers.IntegerField(allow_null=True)
    is_winner = serializers.BooleanField()
    adopted_note = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    voted = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def to_representation(self, obj):
        """The declared fields' answer, built directly. DRF deep-copies and binds every declared
        field for each serializer it makes (the vote's answer spent as much CPU there as in its
        own queries). The declared fields stay the schema; tests/test_vote_path.py checks this
        equals DRF's field-by-field answer."""
        return {
            "id": obj.pk,
            "challenge_id": obj.challenge_id,
            "author": str(obj.author.public_name),
            "text": str(obj.text),
            "status": str(obj.status),
            "vote_count": int(obj.vote_count),
            "quality_score": None if obj.quality_score is None else int(obj.quality_score),
            "is_winner": bool(obj.is_winner),
            "adopted_note": self.get_adopted_note(obj),
            "images": self.get_images(obj),
            "voted": self.get_voted(obj),
            "created_at": _DATETIME.to_representation(obj.created_at),
        }

    def get_adopted_note(self, obj) -> str:
        return obj.adopted_note if obj.adopted_at else ""

    def get_images(self, obj) -> list[str]:
        names = getattr(obj, "image_names", None)  # read with the entry by the vote path
        if names is not None:
            storage = EntryImage._meta.get_field("image").storage
            return [storage.url(name) for name in names]
        return [img.image.url for img in obj.images.all()]

    def get_voted(self, obj) -> bool:
        return obj.pk in self.context.get("voted", ())


class EntryInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class EntrySortSerializer(serializers.Serializer):
    sort = serializers.ChoiceField(choices=list(selectors.ENTRY_ORDER), default="fair")


class CommentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.public_name")
    text = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=1000)


def challenge_or_404(challenge_id):
    check_id(challenge_id, _("Challenge not found."))
    challenge = selectors.challenge_get(challenge_id)
    if challenge is None:
        raise NotFound(_("Challenge not found."))
    return challenge


def _entry_or_404(request, entry_id):
    check_id(entry_id, _("Entry not found."))
    entry = selectors.entry_get_for_user(entry_id, request.user)
    if entry is None:
        raise NotFound(_("Entry not found."))
    return entry


class ChallengeListApi(BaseApi):
    pagination_class = ApiPagination

    @extend_schema(operation_id="challenges_list", parameters=[ChallengeFilterSerializer],
                   responses={200: ChallengeOutputSerializer(many=True), **error_responses(400, 404, 429)})
    def get(self, request):
        filters = parse_input(ChallengeFilterSerializer, request.query_params)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.challenge_list(**filters), request, view=self)
        return paginator.get_paginated_response(ChallengeOutputSerializer(page, many=True).data)


class ChallengeDetailApi(BaseApi):
    @extend_schema(operation_id="challenges_detail", responses={200: ChallengeOutputSerializer, **error_responses(404, 429)})
    def get(self, request, challenge_id):
        return Response(ChallengeOutputSerializer(challenge_or_404(challenge_id)).data)


class ChallengeEntryListApi(BaseApi):
    pagination_class = ApiPagination
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(operation_id="challenges_entries_list", parameters=[EntrySortSerializer],
                   responses={200: EntryOutputSerializer(many=True), **error_responses(400, 404, 429)})
    def get(self, request, challenge_id):
        challenge = challenge_or_404(challenge_id)
        sort = parse_input(EntrySortSerializer, request.query_params)["sort"]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.entry_list(challenge=challenge, sort=sort, viewer=request.user), request, view=self
        )
        voted = selectors.voted_entry_ids(viewer=request.user, challenge=challenge)
        return paginator.get_paginated_response(EntryOutputSerializer(page, many=True, context={"voted": voted}).data)

    @extend_schema(operation_id="challenges_entries_submit", request=EntryInputSerializer,
                   responses={201: EntryOutputSerializer, **error_responses(400, 401, 403, 404, 429)})
    def post(self, request, challenge_id):
        check_id(challenge_id, _("Challenge not found."))
        data = parse_input(EntryInputSerializer, request.data)
        entry = services.entry_submit(
            author=request.user, challenge_id=challenge_id, text=data["text"], images=request.FILES.getlist("images")
        )
        return Response(EntryOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class EntryDetailApi(BaseApi):
    @extend_schema(operation_id="entries_detail", responses={200: EntryOutputSerializer, **error_responses(404, 429)})
    def get(self, request, entry_id):
        entry = _entry_or_404(request, entry_id)
        voted = selectors.voted_entry_ids(viewer=request.user, challenge=entry.challenge)
        return Response(EntryOutputSerializer(entry, context={"voted": voted}).data)


class EntryVoteApi(BaseApi):
    """POST votes (a second POST withdraws: the same one-tap toggle as the page); DELETE withdraws."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="entries_vote", request=None, responses={200: EntryOutputSerializer, **error_responses(400, 401, 403, 404, 429)})
    def post(self, request, entry_id):
        check_id(entry_id, _("Entry not found."))
        entry, voted = services.entry_vote_toggle(user=request.user, entry_id=entry_id)
        return Response(EntryOutputSerializer(entry, context={"voted": {entry.pk} if voted else set()}).data)

    @extend_schema(operation_id="entries_vote_withdraw", request=None, responses={200: EntryOutputSerializer, **error_responses(400, 401, 403, 404, 429)})
    def delete(self, request, entry_id):
        check_id(entry_id, _("Entry not found."))
        entry = services.entry_vote_withdraw(user=request.user, entry_id=entry_id) or _entry_or_404(request, entry_id)
        return Response(EntryOutputSerializer(entry, context={"voted": set()}).data)


class EntryCommentApi(BaseApi):
    pagination_class = ApiPagination

    @extend_schema(operation_id="entries_comments_list", responses={200: CommentOutputSerializer(many=True), **error_responses(404, 429)})
    def get(self, request, entry_id):
        entry = _entry_or_404(request, entry_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.entry_comments(entry, request.user), request, view=self)
        return paginator.get_paginated_response(CommentOutputSerializer(page, many=True).data)

    @extend_schema(operation_id="entries_comments_post", request=CommentInputSerializer,
                   responses={201: CommentOutputSerializer, **error_responses(400, 401, 404, 429)})
    def post(self, request, entry_id):
        check_id(entry_id, _("Entry not found."))
        data = parse_input(CommentInputSerializer, request.data)
        comment = services.entry_comment_post(author=request.user, entry_id=entry_id, text=data["text"])
        return Response(CommentOutputSerializer(comment).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("challenges/", ChallengeListApi.as_view(), name="challenge-list"),
    path("challenges/<int:challenge_id>/", ChallengeDetailApi.as_view(), name="challenge-detail"),
    path("challenges/<int:challenge_id>/entries/", ChallengeEntryListApi.as_view(), name="challenge-entries"),
    path("entries/<int:entry_id>/", EntryDetailApi.as_view(), name="entry-detail"),
    path("entries/<int:entry_id>/vote/", EntryVoteApi.as_view(), name="entry-vote"),
    path("entries/<int:entry_id>/comments/", EntryCommentApi.as_view(), name="entry-comments"),
]
