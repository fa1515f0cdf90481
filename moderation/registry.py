"""Content kinds the moderation pipeline knows, each behind one adapter.

An adapter tells moderation how to read a kind of content (text, images,
author, where it lives) and how to apply a decision to it, through the owning
app's service. Adding a kind (challenge entries, comments) means writing one
adapter and calling ``register``: the queue, reports, appeals and audit log do
not change.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

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
    def quality_input(self, object_id) -> dict | None:
        """{text, rating, lang, author_id, scope, reference_texts, aspects, tags, photos,
        helpful, not_helpful} or None when there is nothing to score."""
        return None

    def set_quality(self, object_id, score):
        """Hand the score to the owning app (denormalised for ranking)."""

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
        from community.models import Review

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
        from community.models import Review
        from community.services import review_moderate

        status = {
            PUBLISH: Review.Status.PUBLISHED,
            HIDE: Review.Status.PENDING,
            REJECT: Review.Status.REJECTED,
        }[decision]
        return review_moderate(review_id=object_id, status=status, reason=reason)

    def author_id(self, object_id):
        from community.models import Review

        return Review.objects.filter(pk=object_id).values_list("author_id", flat=True).first()

    def quality_input(self, object_id):
        from community.models import Review

        review = (
            Review.objects.select_related("product")
            .prefetch_related("tags", "photos", "product__category__aspect_tags")
            .filter(pk=object_id)
            .first()
        )
        if review is None or not (review.text.strip() or review.has_photos):
            return None
        product = review.product

        def tag(t):
            return {"id": t.pk, "label_zh": t.label_zh, "label_en": t.label_en, "negative": t.negative}

        return {
            "text": review.text,
            "rating": review.rating,
            "lang": review.language,
            "author_id": review.author_id,
            "scope": f"product:{product.pk}",
            "reference_texts": [t for t in (product.description_zh, product.description_en) if t],
            "aspects": [tag(t) for t in product.category.aspect_tags.all()],
            "tags": [tag(t) for t in review.tags.all()],
            "photos": len(review.photos.all()),
            "helpful": review.helpful_count,
            "not_helpful": review.not_helpful_count,
        }

    def scoreable_ids(self):
        from django.db.models import Q

        from community.models import Review

        return Review.objects.filter(Q(has_photos=True) | ~Q(text="")).order_by("pk").values_list("pk", flat=True)

    def set_quality(self, object_id, score):
        from community.services import review_set_quality

        return review_set_quality(review_id=object_id, score=score)

    def edit_url(self, object_id):
        from django.urls import NoReverseMatch, reverse

        from community.models import Review

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
