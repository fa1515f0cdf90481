"""The writing coach: POST /api/quality/coach/ scores a draft while the shopper types.

A draft is a review (``product``: its slug) or a challenge entry (``challenge``: its
id), scored with the matching ``kind`` so the coach agrees with the score the item gets
once submitted (``moderation.quality.services`` passes the adapter's kind too).

No writes. Queries: the product's aspects or the challenge's brief come from the cache
(one query set on a miss), then one near-duplicate lookup; the scorer itself is pure
(~0.1 ms). The JavaScript (static/js/coach.js) calls it debounced, ~400 ms after
typing stops.
"""
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from community.cocreation.selectors import challenge_get
from community.selectors import product_get
from core.api.base import MAX_ID, BaseApi, error_responses, parse_input
from core.api.throttling import SortedLogThrottle
from moderation.detectors.base import ScreenInput
from moderation.quality import scorer
from moderation.quality.bands import band_label

PRODUCT_CACHE_SECONDS = 300
CHALLENGE_CACHE_SECONDS = 300
MISSING_CACHE_SECONDS = 30  # an id that is not (yet) public: short, so a challenge just published is found
MAX_TEXT = 5000


class QualityCoachInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, trim_whitespace=False,
                                 help_text=_("The draft, as typed so far."))
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False,
                                 max_length=30, help_text=_("Aspect tag ids chosen so far."))
    photos = serializers.IntegerField(min_value=0, max_value=50, required=False, default=0)
    product = serializers.SlugField(max_length=140, required=False, help_text=_("Product slug."))
    challenge = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                         help_text=_("Challenge id: coach an entry instead of a review."))
    lang = serializers.ChoiceField(choices=[("zh", "中文"), ("en", "English")], required=False)

    def validate(self, attrs):
        if attrs.get("product") and attrs.get("challenge"):
            raise serializers.ValidationError({"challenge": _("Give a product or a challenge, not both.")})
        return attrs


class QualityHintOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class QualityCoachOutputSerializer(serializers.Serializer):
    score = serializers.IntegerField(help_text=_("0-100"))
    band = serializers.ChoiceField(choices=["low", "ok", "good", "great"])
    band_label = serializers.CharField()
    hints = QualityHintOutputSerializer(many=True)
    components = serializers.DictField()
    explanation = serializers.CharField()


class QualityCoachRateThrottle(UserRateThrottle, SortedLogThrottle):
    scope = "quality_coach"

    def __init__(self):
        self.rate = getattr(settings, "QUALITY_COACH_THROTTLE", "120/min")
        super().__init__()


def _product_context(slug):
    """{scope, refs, aspects} for a product slug, cached: the coach runs on every pause in typing."""
    if not slug:
        return None
    key = f"moderation:quality:coach:product:{slug}"
    ctx = cache.get(key)
    if ctx is None:
        product = product_get(slug=slug)
        if product is None:
            ctx = {}
        else:
            ctx = {
                "scope": f"product:{product.pk}",
                "refs": [t for t in (product.description_zh, product.description_en) if t],
                "aspects": [
                    {"id": t.pk, "label_zh": t.label_zh, "label_en": t.label_en, "negative": t.negative}
                    for t in product.category.aspect_tags.all()
                ],
            }
        cache.set(key, ctx, PRODUCT_CACHE_SECONDS)
    return ctx or None


def _challenge_context(challenge_id):
    """{scope, refs, aspects} for a public challenge (entries have no aspects; the brief is
    what an entry must not copy), cached like ``_product_context``; None when there is no
    such public challenge."""
    key = f"moderation:quality:coach:challenge:{challenge_id}"
    ctx = cache.get(key)
    if ctx is None:
        challenge = challenge_get(challenge_id)
        if challenge is None:
            cache.set(key, {}, MISSING_CACHE_SECONDS)
            return None
        ctx = {
            "scope": f"challenge:{challenge.pk}",
            "refs": [t for t in (challenge.brief_zh, challenge.brief_en) if t],
            "aspects": [],
        }
        cache.set(key, ctx, CHALLENGE_CACHE_SECONDS)
    return ctx or None


class QualityCoachApi(BaseApi):
    permission_classes = [IsAuthenticated]
    throttle_classes = [QualityCoachRateThrottle]

    @extend_schema(
        operation_id="quality_coach",
        request=QualityCoachInputSerializer,
        responses={200: QualityCoachOutputSerializer, **error_responses(400, 401, 429)},
        description="Score a draft review (or, with `challenge`, a draft challenge entry) and suggest how to "
                    "improve it. Nothing is stored.",
    )
    def post(self, request):
        data = parse_input(QualityCoachInputSerializer, request.data)
        text = data["text"]
        if data.get("challenge"):
            kind = "entry"
            ctx = _challenge_context(data["challenge"])
            if ctx is None:
                raise serializers.ValidationError({"challenge": [_("No such challenge.")]})
            rating = None  # an entry has no stars
        else:
            kind = "review"
            ctx = _product_context(data.get("product")) or {}
            rating = data.get("rating")
        aspects = ctx.get("aspects", [])
        chosen = set(data.get("tags") or [])
        tags = [a for a in aspects if a["id"] in chosen]
        similar, copies = 0, False
        if text.strip():
            from moderation.detectors.duplicate import DuplicateDetector

            result = DuplicateDetector().run(ScreenInput(
                text=text, language=data.get("lang", ""), content_type=kind, author_id=request.user.pk,
                scope=ctx.get("scope", ""), reference_texts=ctx.get("refs", []),
            ))
            similar = int((result.data or {}).get("matches", 0))
            copies = "copies_description" in result.labels
        quality = scorer.score_text(
            text, kind=kind, rating=rating, lang=data.get("lang"), aspects=aspects, tags=tags,
            photos=data.get("photos") or 0, similar_count=similar, copies_description=copies,
        )
        lang = (getattr(request, "LANGUAGE_CODE", "") or "").lower()
        return Response(QualityCoachOutputSerializer({
            "score": quality.score,
            "band": quality.band,
            "band_label": str(band_label(quality.band)),
            "hints": quality.hints,
            "components": quality.components,
            "explanation": quality.explanation_en if lang.startswith("en") else quality.explanation_zh,
        }).data)
