"""Input and output shapes of the community API.

Input serializers only parse and type-check; the services make the decisions.
Output serializers read only what the selectors already joined or prefetched, so
a page of rows costs the same number of queries as one row.

Serializers are module-level (not nested ``InputSerializer`` classes) because
drf-spectacular names schema components after the class: two nested classes both
called ``InputSerializer`` would collide in /api/schema/.
"""
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from community import selectors
from community.models import Review
from core.api.base import MAX_ID

# Ids beyond a signed 64-bit integer would make the database raise (500) instead of
# matching nothing, so they are refused while parsing.


class StrictBooleanField(serializers.BooleanField):
    """A boolean that is required in form posts too.

    DRF reads a missing boolean in form/multipart data as ``False``; for a vote
    that would silently record "not helpful".
    """

    default_empty_html = empty


def _absolute(request, url):
    return request.build_absolute_uri(url) if request is not None else url


# --- shared pieces -------------------------------------------------------------


class BrandOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()


class CategoryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class AspectTagOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    label_zh = serializers.CharField()
    label_en = serializers.CharField()
    label = serializers.CharField(help_text=_("Label in the request's language."))
    negative = serializers.BooleanField()


class LevelOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()




# --- products ----------------------------------------------------------------------


class ProductListFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text=_("Search by name."))
    brand = serializers.SlugField(required=False, help_text=_("Brand slug."))
    category = serializers.SlugField(required=False, help_text=_("Category slug."))


class RatingOutputSerializer(serializers.Serializer):
    average = serializers.FloatField(source="rating_average", allow_null=True)
    count = serializers.IntegerField(source="rating_count")


class ProductListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    brand = BrandOutputSerializer()
    category = CategoryOutputSerializer()
    rating = RatingOutputSerializer(source="*")
    photo_review_count = serializers.IntegerField()


class ProductImageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    position = serializers.IntegerField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, image):
        return _absolute(self.context.get("request"), image.image.url)


class RatingBarOutputSerializer(serializers.Serializer):
    stars = serializers.IntegerField()
    count = serializers.IntegerField()
    percent = serializers.IntegerField()


class TagCountOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="tag.id")
    slug = serializers.SlugField(source="tag.slug")
    label_zh = serializers.CharField(source="tag.label_zh")
    label_en = serializers.CharField(source="tag.label_en")
    label = serializers.CharField(source="tag.label")
    negative = serializers.BooleanField(source="tag.negative")
    count = serializers.IntegerField()


class RatingSummaryOutputSerializer(serializers.Serializer):
    """Built from ``selectors.product_rating_summary`` (the product's cached counters)."""

    average = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()
    distribution = RatingBarOutputSerializer(source="bars", many=True, help_text=_("From 5 stars down to 1."))
    tags = TagCountOutputSerializer(many=True, help_text=_("Most ticked first."))
    with_content = serializers.IntegerField(help_text=_("Published reviews with text or photos."))
    rating_only = serializers.IntegerField(help_text=_("Published star-only ratings (counted in the average)."))


class ProductDetailOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    description = serializers.CharField()
    description_zh = serializers.CharField()
    description_en = serializers.CharField()
    brand = BrandOutputSerializer()
    category = CategoryOutputSerializer()
    images = ProductImageOutputSerializer(many=True)
    aspect_tags = AspectTagOutputSerializer(
        source="category.aspect_tags.all", many=True, help_text=_("Tags a review of this product may tick.")
    )
    rating = serializers.SerializerMethodField()
    photo_review_count = serializers.IntegerField()

    @extend_schema_field(RatingSummaryOutputSerializer)
    def get_rating(self, product):
        return RatingSummaryOutputSerializer(selectors.product_rating_summary(product)).data


# --- reviews ---------------------------------------------------------------------------


class ReviewListFilterSerializer(serializers.Serializer):
    sort = serializers.ChoiceField(
        choices=[("helpful", _("Most helpful")), ("newest", _("Newest")), ("photos", _("With photos")),
                 ("quality", _("Best written"))],
        default="helpful",
        required=False,
    )
    rating = serializers.IntegerField(required=False, min_value=1, max_value=5)
    tag = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=_("Aspect tag id."))
    with_photos = serializers.BooleanField(required=False, default=False)
    content = serializers.ChoiceField(
        choices=[("all", _("Every rating")), ("with_content", _("Reviews with text or photos")),
                 ("rating_only", _("Star-only ratings (no text, no photos)"))],
        default="all",
        required=False,
        help_text=_(
            "all (the default): every review; with_content: reviews with text or photos, as the product "
            "page lists them; rating_only: star ratings alone, which the product page shows collapsed."
        ),
    )


class ReviewPhotoOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField(
        help_text=_("The image itself until the thumbnail has been made.")
    )
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, photo):
        return _absolute(self.context.get("request"), photo.image.url)

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail_url(self, photo):
        return _absolute(self.context.get("request"), photo.thumbnail_or_image_url)


class ReviewAuthorOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="public_name")
    level = serializers.SerializerMethodField(
        help_text=_("Null unless the author consented to a public profile (level and badges are part of it).")
    )

    @extend_schema_field(LevelOutputSerializer(allow_null=True))
    def get_level(self, user):
        # Levels are looked up once per page in the view (``levels``), never per row; the view
        # leaves out authors without a public profile.
        level = self.context["levels"].get(user.pk)
        return LevelOutputSerializer(level).data if level is not None else None


class ReviewOutputSerializer(serializers.Serializer):
    """A review card. Reads only the author join and the tags/photos prefetches."""

    id = serializers.IntegerField()
    author = ReviewAuthorOutputSerializer()
    rating = serializers.IntegerField()
    tags = AspectTagOutputSerializer(source="tags.all", many=True)
    text = serializers.CharField()
    language = serializers.ChoiceField(choices=Review.Language.choices)
    status = serializers.ChoiceField(
        choices=Review.Status.choices, help_text=_("Other people only ever see published reviews.")
    )
    status_reason = serializers.SerializerMethodField(help_text=_("Why it was not published; author only."))
    incentivized = serializers.BooleanField(
        help_text=_(
            "True when the author got something of value in exchange for this review: the card is labelled "
            "\"Incentivized review\" with the reason (docs/incentives.md). Points that every review earns "
            "alike, whatever its rating, do not make a review incentivized."
        )
    )
    incentive = serializers.ChoiceField(
        choices=Review.Incentive.choices, allow_blank=True,
        help_text=_("Why it is incentivized (free_sample: the author got a free sample); empty when it is not."),
    )
    incentive_label = serializers.CharField(
        source="get_incentive_display",
        help_text=_("The reason as the card shows it after \"Incentivized review\", in the request's language."),
    )
    trial_sample = serializers.SerializerMethodField(
        help_text=_("Written by a trial tester as their trial report (incentive free_sample).")
    )
    photos = ReviewPhotoOutputSerializer(
        source="photos.all", many=True, help_text=_("In the order the author chose.")
    )
    has_content = serializers.BooleanField(
        help_text=_("Text or photos. Only these can be voted helpful; a star rating alone cannot.")
    )
    helpful_count = serializers.IntegerField()
    not_helpful_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    is_own = serializers.SerializerMethodField()
    my_vote = serializers.SerializerMethodField(
        help_text=_("The viewer's helpful vote: true, false, or null when none (or signed out).")
    )

    def _is_own(self, review):
        return review.author_id == self.context.get("viewer_id")

    @extend_schema_field(OpenApiTypes.STR)
    def get_status_reason(self, review):
        return review.status_reason if self._is_own(review) else ""

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_trial_sample(self, review):
        # The reverse one-to-one is joined by the selectors (no query); only incentivized reviews can be one.
        return bool(review.incentivized and getattr(review, "trial_application", None) is not None)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_own(self, review):
        return self._is_own(review)

    @extend_schema_field({"type": "boolean", "nullable": True})
    def get_my_vote(self, review):
        # Looked up once per page (selectors.helpful_votes_for_user), never per row.
        return self.context.get("votes", {}).get(review.pk)

    def to_representation(self, review):
        """The card DRF's generic path builds field by field, written out. The generic path
        costs a field lookup, a callable check and, for the author's level, a new serializer per
        value: about 40% of the review list's CPU. The declared fields stay the schema; the
        datetime and choice fields still format through their own ``to_representation``, and
        ``tests/test_api_review_representation.py`` checks this equals the generic result on
        varied reviews (tags, photos, incentives, own, voted, edited, erased authors)."""
        fields = self.fields
        request = self.context.get("request")
        author = review.author
        own = review.author_id == self.context.get("viewer_id")
        data = {
            "id": int(review.pk),
            "author": {"id": int(author.pk), "name": str(author.public_name),
                       "level": self._level(author.pk)},
            "rating": int(review.rating),
            "tags": [{"id": int(t.pk), "slug": str(t.slug), "label_zh": str(t.label_zh), "label_en": str(t.label_en),
                      "label": str(t.label), "negative": bool(t.negative)} for t in review.tags.all()],
            "text": str(review.text),
            "language": fields["language"].to_representation(review.language),
            "status": fields["status"].to_representation(review.status),
            "status_reason": review.status_reason if own else "",
            "incentivized": bool(review.incentivized),
            "incentive": fields["incentive"].to_representation(review.incentive),
            "incentive_label": str(review.get_incentive_display()),
            "trial_sample": self.get_trial_sample(review),
            "photos": [{"id": int(p.pk), "url": _absolute(request, p.image.url),
                        "thumbnail_url": _absolute(request, p.thumbnail_or_image_url),
                        "width": int(p.width), "height": int(p.height)} for p in review.photos.all()],
            "has_content": bool(review.has_content),
            "helpful_count": int(review.helpful_count),
            "not_helpful_count": int(review.not_helpful_count),
            "created_at": fields["created_at"].to_representation(review.created_at),
            "edited_at": fields["edited_at"].to_representation(review.edited_at) if review.edited_at else None,
            "is_own": own,
            "my_vote": self.get_my_vote(review),
        }
        for name in fields.keys() - data.keys():  # a subclass's extra fields (the detail's product)
            field = fields[name]
            value = field.get_attribute(review)
            data[name] = None if value is None else field.to_representation(value)
        return data

    def _level(self, user_id):
        # As ``ReviewAuthorOutputSerializer.get_level``: looked up once per page in the view, and
        # None for an author without a public profile (the view leaves them out).
        level = self.context["levels"].get(user_id)
        return None if level is None else {"number": int(level["number"]), "name": str(level["name"])}

    def generic_representation(self, review):
        """DRF's field-by-field path (what ``to_representation`` must equal; tests only)."""
        return super().to_representation(review)


class ReviewProductOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()


class ReviewDetailOutputSerializer(ReviewOutputSerializer):
    product = ReviewProductOutputSerializer()


class ReviewPostInputSerializer(serializers.Serializer):
    product = serializers.SlugField(help_text=_("Product slug."))
    rating = serializers.IntegerField(min_value=1, max_value=5)
    tags = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=50,
        help_text=_("Aspect tag ids of the product's category; replaces the current tags."),
    )
    text = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    language = serializers.ChoiceField(choices=Review.Language.choices, required=False)

    def validate_product(self, slug):
        product = selectors.product_get_for_review(slug=slug)
        if product is None:
            raise serializers.ValidationError(_("There is no product with this slug."))
        return product


class ReviewUpdateInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False)
    tags = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=50
    )
    text = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    language = serializers.ChoiceField(choices=Review.Language.choices, required=False)


class ReviewPhotoAddInputSerializer(serializers.Serializer):
    # A plain FileField: services.review_photo_add (community/images.py) does the
    # checking, so API and pages refuse the same files with the same messages.
    image = serializers.FileField(allow_empty_file=True)


class ReviewPhotoOrderInputSerializer(serializers.Serializer):
    photo_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=50,
        help_text=_("The review's photo ids in the order to show them; photos left out follow, in their order."),
    )


class HelpfulVoteInputSerializer(serializers.Serializer):
    helpful = StrictBooleanField(help_text=_("true: helpful, false: not helpful."))


class HelpfulVoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    helpful_count = serializers.IntegerField()
    not_helpful_count = serializers.IntegerField()
    vote = serializers.BooleanField(allow_null=True, help_text=_("Your vote now; null when withdrawn."))


# --- the current user -------------------------------------------------------------------


class UserMeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    public_name = serializers.CharField()
    avatar_url = serializers.SerializerMethodField()
    timezone = serializers.CharField()
    email_notifications = serializers.BooleanField()
    level = serializers.SerializerMethodField()
    review_count = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_avatar_url(self, user):
        return _absolute(self.context.get("request"), user.avatar.url) if user.avatar else None

    @extend_schema_field(LevelOutputSerializer)
    def get_level(self, user):
        return LevelOutputSerializer(self.context["level"]).data

    @extend_schema_field(OpenApiTypes.INT)
    def get_review_count(self, user):
        return self.context["review_count"]


class UserMeUpdateInputSerializer(serializers.Serializer):
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=40)
    avatar = serializers.FileField(required=False, allow_empty_file=True)
    timezone = serializers.CharField(required=False, max_length=64)
    email_notifications = serializers.BooleanField(required=False)


# --- token auth ---------------------------------------------------------------------------


class AuthTokenInputSerializer(serializers.Serializer):
    """DRF's AuthTokenSerializer, but users sign in with their email address."""

    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)

    def validate(self, attrs):
        user = authenticate(request=self.context.get("request"), email=attrs["email"], password=attrs["password"])
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                _("Unable to log in with the email and password provided."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class AuthTokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
