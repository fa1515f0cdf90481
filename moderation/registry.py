"""Content kinds the moderation pipeline knows, each behind one adapter.

An adapter tells moderation how to read a kind of content (text, images,
author, where it lives) and how to apply a decision to it, through the owning
app's service. Adding a kind (challenge entries, comments) means writing one
adapter and calling ``register``: the queue, reports, appeals and audit log do
not change.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from community.models import Review
from community.services import review_moderate, review_set_quality_many
from moderation.detectors.base import ImageInput, ScreenInput

# Decisions an adapter applies to its content.
PUBLISH, HIDE, REJECT = "publish", "hide", "reject"

_REGISTRY = {}


@dataclass
class Preview:
    """What the queue shows of an item (built in bulk, so the page's query count is fixed)."""

    text: str
    title: str
    url: str
    image_urls: list
    rating: int | None = None
    language: str = ""
    status: str = ""


class ContentAdapter:
    key = ""
    label = ""

    def screen_input(self, object_id) -> ScreenInput | None:
        raise NotImplementedError

    def apply(self, object_id, decision, reason=""):
        raise NotImplementedError

    def previews(self, object_ids) -> dict:
        """{object_id: Preview} for many ids in a fixed number of queries."""
        raise NotImplementedError

    def author_id(self, object_id):
        raise NotImplementedError

    # Quality scoring (moderation.quality); a kind without these is simply not scored.
    holds_low_quality = True  # a score under QUALITY_HOLD_BELOW holds the item for the queue
    def quality_inputs(self, object_ids) -> dict:
        """{object_id: {text, rating, lang, kind, author_id, scope, reference_texts, aspects,
        tags, photos, helpful, not_helpful}} for the ids that have something to score, in a
        fixed number of queries (ids that are gone or hold only a rating are left out)."""
        return {}

    def quality_input(self, object_id) -> dict | None:
        return self.quality_inputs([object_id]).get(object_id)

    def set_quality_many(self, scores) -> int:
        """Hand {object_id: score or None} to the owning app (denormalised for ranking);
        returns how many items changed."""
        return 0

    def set_quality(self, object_id, score) -> bool:
        return bool(self.set_quality_many({object_id: score}))

    def edit_url(self, object_id) -> str:
        return ""

    def scoreable_ids(self):
        """Ids of every item with something to score, ascending (for ``quality rescore``)."""
        return []


def register(adapter):
    _REGISTRY[adapter.key] = adapter
    return adapter


def get(key) -> ContentAdapter:
    return _REGISTRY[key]


def kinds():
    return list(_REGISTRY.values())


def get_text(content_type, object_id):
    inp = get(content_type).screen_input(object_id)
    return inp.text if inp else ""


class ReviewAdapter(ContentAdapter):
    key = "review"
    label = _("Review")

    def _qs(self):
        return Review.objects.select_related("product", "author")

    def screen_input(self, object_id):
        from django.utils import timezone

        review = self._qs().prefetch_related("photos").filter(pk=object_id).first()
        if review is None:
            return None
        images = []
        for photo in review.photos.all():
            try:
                with photo.image.open("rb") as fh:
                    images.append(ImageInput(key=photo.image.name, data=fh.read()))
            except OSError:
                continue
        product = review.product
        return ScreenInput(
            text=review.text,
            language=review.language,
            content_type=self.key,
            object_id=review.pk,
            author_id=review.author_id,
            scope=f"product:{product.pk}",
            reference_texts=[t for t in (product.description_zh, product.description_en) if t],
            images=images,
            metadata={
                "rating": review.rating,
                "account_age_days": (timezone.now() - review.author.date_joined).days,
                "photos": len(images),
            },
        )

    def apply(self, object_id, decision, reason=""):
        status = {
            PUBLISH: Review.Status.PUBLISHED,
            HIDE: Review.Status.PENDING,
            REJECT: Review.Status.REJECTED,
        }[decision]
        return review_moderate(review_id=object_id, status=status, reason=reason)

    def author_id(self, object_id):
        return Review.objects.filter(pk=object_id).values_list("author_id", flat=True).first()

    def quality_inputs(self, object_ids):
        from django.db.models import Count


        reviews = (
            Review.objects.filter(pk__in=list(object_ids))
            .select_related("product__category")
            .prefetch_related("tags", "product__category__aspect_tags")
            .annotate(photo_count=Count("photos"))
            .only("id", "text", "rating", "language", "author_id", "has_photos", "helpful_count",
                  "not_helpful_count", "product__id", "product__description_zh", "product__description_en",
                  "product__category__id")
        )

        def tag(t):
            return {"id": t.pk, "label_zh": t.label_zh, "label_en": t.label_en, "negative": t.negative}

        out = {}
        for review in reviews:
            if not (review.text.strip() or review.photo_count):
                continue
            product = review.product
            out[review.pk] = {
                "text": review.text,
                "rating": review.rating,
                "lang": review.language,
                "kind": "review",
                "author_id": review.author_id,
                "scope": f"product:{product.pk}",
                "reference_texts": [t for t in (product.description_zh, product.description_en) if t],
                "aspects": [tag(t) for t in product.category.aspect_tags.all()],
                "tags": [tag(t) for t in review.tags.all()],
                "photos": review.photo_count,
                "helpful": review.helpful_count,
                "not_helpful": review.not_helpful_count,
            }
        return out

    def scoreable_ids(self):
        from django.db.models import Q


        return Review.objects.filter(Q(has_photos=True) | ~Q(text="")).order_by("pk").values_list("pk", flat=True)

    def set_quality_many(self, scores):
        return review_set_quality_many(scores=scores)

    def edit_url(self, object_id):
        from django.urls import NoReverseMatch, reverse


        slug = Review.objects.filter(pk=object_id).values_list("product__slug", flat=True).first()
        try:
            return reverse("community:review_details", args=[slug]) if slug else ""
        except NoReverseMatch:
            return ""

    def previews(self, object_ids):
        from django.urls import NoReverseMatch, reverse

        out = {}
        for review in self._qs().prefetch_related("photos").filter(pk__in=list(object_ids)):
            try:
                url = reverse("community:product_detail", args=[review.product.slug])
            except NoReverseMatch:
                url = ""
            out[review.pk] = Preview(
                text=review.text,
                title=str(review.product),
                url=url,
                image_urls=[p.thumbnail_or_image_url for p in review.photos.all()],
                rating=review.rating,
                language=review.language,
                status=review.status,
            )
        return out


register(ReviewAdapter())
