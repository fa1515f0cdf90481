"""Non-trivial reads. Querysets come back with what their pages need already joined,
so list pages cost a fixed number of queries whatever the data size."""
from django.db import router
from django.db.models import F, Prefetch, Q

from community.models import AspectTag, Brand, Category, Product, Review, ReviewPhoto
from community.privacy.selectors import public_profile_granted_expr
from core import prepared

Status = Review.Status

# "helpful" (the default) orders by rank_score: helpfulness and quality combined, low
# quality never first (community.services.review_rank_score); ties keep vote order.
REVIEW_SORTS = {
    "helpful": ("-rank_score", "-helpful_score", "-id"),
    "newest": ("-created_at", "-id"),
    "photos": ("-rank_score", "-helpful_score", "-id"),
    "quality": (F("quality_score").desc(nulls_last=True), "-helpful_score", "-id"),
}
# A review "with content" has text or photos: something to read, and to vote helpful. The
# rest are star-only ratings: counted in the summary, listed collapsed (Review.has_content
# is the same test on a row; services.review_post stores text stripped, "" when empty).
WITH_CONTENT = Q(has_photos=True) | ~Q(text="")
RATING_ONLY = Q(has_photos=False, text="")
REVIEW_CONTENT_FILTERS = {"all": Q(), "with_content": WITH_CONTENT, "rating_only": RATING_ONLY}

# Below this quality score a review is never featured (home page, photo strip); keep in
# step with moderation.quality.bands (QUALITY_BANDS["ok"]).
def _low_below():
    from django.conf import settings

    return float((getattr(settings, "QUALITY_BANDS", None) or {}).get("ok", 30))


def _featured():
    return ~Q(quality_score__lt=_low_below())


def product_list(*, q=None, brand=None, category=None):
    qs = Product.objects.filter(is_active=True).select_related("brand", "category")
    if q:
        q = q.strip()[:100]
        qs = qs.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(brand__name__icontains=q))
    if brand:
        qs = qs.filter(brand__slug=brand)
    if category:
        qs = qs.filter(category__slug=category)
    return qs.order_by("-rating_count", "-id")


def _product_page_prefetches():
    return ("images", Prefetch("category__aspect_tags", queryset=AspectTag.objects.order_by("position", "id")))


def product_get(*, slug):
    return (
        Product.objects.filter(slug=slug, is_active=True)
        .select_related("brand", "category")
        .prefetch_related(*_product_page_prefetches())
        .first()
    )


def product_get_light(*, slug):
    """The product row with its brand and category (one query); ``product_prefetch`` adds the
    images and aspect tags when the page is rendered rather than taken from the cache."""
    return Product.objects.filter(slug=slug, is_active=True).select_related("brand", "category").first()


def product_prefetch(product, *, images=True):
    from django.db.models import prefetch_related_objects

    prefetches = _product_page_prefetches()
    prefetch_related_objects([product], *(prefetches if images else prefetches[1:]))
    return product


def _with_card_data(qs):
    # trial_application: a reverse one-to-one joined in, so the "free sample" label costs no query.
    # author_public: the author consented to a public profile (privacy), decided in the same
    # query; cards show the author's level and badges only then (community.views._decorate_reviews).
    return (
        qs.select_related("author", "trial_application")
        .annotate(author_public=public_profile_granted_expr("author_id"))
        .prefetch_related("tags", Prefetch("photos", queryset=ReviewPhoto.objects.order_by("position", "id")))
    )


def review_list_for_product(
    *, product, viewer=None, sort="helpful", rating=None, tag=None, with_photos=False, content="all"
):
    """Published reviews of a product, plus the viewer's own in any state (shown with its status).

    ``content``: "all", "with_content" (text or photos) or "rating_only" (stars alone)."""
    visible = Q(status=Status.PUBLISHED)
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(author_id=viewer.pk)
    qs = Review.objects.filter(visible, REVIEW_CONTENT_FILTERS[content], product=product)
    if sort == "photos" or with_photos:
        qs = qs.filter(has_photos=True)
    if rating:
        qs = qs.filter(rating=rating)
    if tag:
        qs = qs.filter(tags__id=tag)
    return _with_card_data(qs.order_by(*REVIEW_SORTS.get(sort, REVIEW_SORTS["helpful"])))


def review_count_for_viewer(product, viewer, *, content="all", photos_only=False):
    """What ``review_list_for_product(viewer=...)`` lists, counted from the product's caches plus
    the viewer's own review when it is not published (so not in the caches) and fits the filter:
    one small indexed query instead of a COUNT over every published review."""
    count = review_count_cached(product, content=content, photos_only=photos_only)
    if viewer is None or not viewer.is_authenticated:
        return count
    own = Review.objects.filter(REVIEW_CONTENT_FILTERS[content], product=product, author_id=viewer.pk).exclude(
        status=Status.PUBLISHED)
    if photos_only:
        own = own.filter(has_photos=True)
    return count + (1 if own.exists() else 0)


def review_count_cached(product, *, content="all", photos_only=False):
    """How many published reviews a product list shows, from the product's caches (no
    COUNT query): with photos, with content (text or photos), star-only, or all."""
    if photos_only:
        return 0 if content == "rating_only" else product.photo_review_count
    return {
        "all": product.rating_count,
        "with_content": product.content_review_count,
        "rating_only": product.rating_only_count,
    }[content]


def review_list_viewer_state(*, product_id, user, review_ids):
    """What a review list shows only to ``user``: their own review of the product as
    ``(status, status_reason)`` or None, and their votes on the listed reviews as
    ``{review_id: helpful}`` (``helpful_votes_for_user``), in one round trip. Plain SQL: on the
    shared review list this replaces two ORM queries, whose compilation cost more than they do;
    prepared where the connection allows it (core/prepared.py)."""
    from community.models import HelpfulVote

    reviews, votes = Review._meta.db_table, HelpfulVote._meta.db_table
    ids = [int(pk) for pk in review_ids]
    sql = (f"SELECT 0, status, status_reason, NULL FROM {reviews} WHERE product_id = %s AND author_id = %s")
    params = [int(product_id), int(user.pk)]
    if ids:
        sql += (f" UNION ALL SELECT review_id, NULL, NULL, helpful FROM {votes}"
                f" WHERE user_id = %s AND review_id IN ({', '.join(['%s'] * len(ids))})")
        params += [int(user.pk), *ids]
    own, found = None, {}
    for review_id, status, reason, helpful in prepared.fetch_all(router.db_for_read(Review), sql, params):
        if status is not None:
            own = (status, reason)
        else:
            found[review_id] = bool(helpful)
    return own, found


def review_get_for_user(*, review_id, user):
    """A review the user may see: published, or their own."""
    visible = Q(status=Status.PUBLISHED)
    if user is not None and user.is_authenticated:
        visible |= Q(author_id=user.pk)
    return _with_card_data(Review.objects.filter(visible, pk=review_id)).select_related("product").first()


def review_get_own(*, product, user):
    if not user.is_authenticated:
        return None
    return _with_card_data(Review.objects.filter(product=product, author=user)).first()


def review_list_recent(*, limit=8):
    """The home page feed: the newest published reviews with text or photos (a bare star
    rating has nothing to read), never a low-quality one."""
    return _with_card_data(
        Review.objects.filter(_featured(), WITH_CONTENT, status=Status.PUBLISHED).select_related("product")
    ).order_by("-created_at", "-id")[:limit]


def review_list_rating_only(*, product, limit=20):
    """The newest published star-only ratings of a product, for the compact collapsed list
    (stars, name, date): the author joined, nothing else."""
    return (
        Review.objects.filter(RATING_ONLY, product=product, status=Status.PUBLISHED)
        .select_related("author")
        .order_by("-created_at", "-id")[:limit]
    )


def review_photos_strip(*, product, limit=12):
    return (
        ReviewPhoto.objects.filter(review__product=product, review__status=Status.PUBLISHED)
        .exclude(review__quality_score__lt=_low_below())
        .select_related("review")
        .order_by("-review__rank_score", "-review__helpful_score", "-review_id", "position", "id")[:limit]
    )


def review_list_for_author(*, user):
    return _with_card_data(Review.objects.filter(author=user).select_related("product")).order_by("-created_at")


def product_rating_summary(product):
    """Average, count, distribution bars and tag counts, from the product's caches."""
    histogram = product.rating_histogram or [0, 0, 0, 0, 0]
    total = sum(histogram)
    bars = [
        {"stars": stars, "count": histogram[stars - 1], "percent": round(100 * histogram[stars - 1] / total) if total else 0}
        for stars in range(5, 0, -1)
    ]
    counts = product.tag_counts or {}
    tags = [
        {"tag": tag, "count": counts.get(str(tag.pk), 0)} for tag in product.category.aspect_tags.all()
    ]
    tags.sort(key=lambda t: -t["count"])
    return {
        "average": product.rating_average,
        "count": total,
        "bars": bars,
        "tags": tags,
        "with_content": product.content_review_count,
        "rating_only": product.rating_only_count,
    }


def brand_list():
    return Brand.objects.order_by("name")


def category_list():
    return Category.objects.order_by("slug")


def helpful_votes_for_user(*, user, review_ids):
    """{review_id: helpful(bool)} for the user's votes on these reviews, in one query (pages show pressed buttons)."""
    from community.models import HelpfulVote

    if user is None or not user.is_authenticated or not review_ids:
        return {}
    # Plain SQL, as in review_list_viewer_state: every signed-in product page asks this, and
    # compiling the ORM query cost more than running it; prepared where the connection allows
    # it, as PostgreSQL spent longer planning it than running it (core/prepared.py).
    ids = [int(pk) for pk in review_ids]
    sql = (f"SELECT review_id, helpful FROM {HelpfulVote._meta.db_table}"
           f" WHERE user_id = %s AND review_id IN ({', '.join(['%s'] * len(ids))})")
    rows = prepared.fetch_all(router.db_for_read(HelpfulVote), sql, [int(user.pk), *ids])
    return {review_id: bool(helpful) for review_id, helpful in rows}


def product_get_for_review(*, slug):
    """An active product by slug, nothing joined: one query for review lists and review writes."""
    return Product.objects.filter(slug=slug, is_active=True).first()


# --- public profile (/u/<id>/) ------------------------------------------------------------
