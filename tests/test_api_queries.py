"""Query budgets of the API list endpoints: the same number of queries for 5 rows and
for 500, on SQLite and PostgreSQL alike, so N+1 queries cannot come back."""
import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from community import services
from community.models import Review, ReviewPhoto, User
from core.api.authentication import token_cache_key, user_changed_key
from tests import factories

pytestmark = pytest.mark.django_db


def _bulk_reviews(product, n, *, prefix="bulk"):
    """n published reviews by n new users, built with bulk_create; a third have photos,
    most have tags, a few have helpful votes, so every prefetch has rows to fetch."""
    users = User.objects.bulk_create(
        [
            User(email=f"{prefix}{i}@example.com", username=f"{prefix}{i}@example.com", password="!", display_name="")
            for i in range(n)
        ]
    )
    now = timezone.now()
    reviews = Review.objects.bulk_create(
        [
            Review(
                product=product,
                author=user,
                rating=i % 5 + 1,
                text=f"review {i}" if i % 2 else "",
                status=Review.Status.PUBLISHED,
                published_at=now,
                created_at=now - timezone.timedelta(minutes=i),
                has_photos=i % 3 == 0,
                helpful_count=i % 7,
                helpful_score=(i % 7) / 10,
            )
            for i, user in enumerate(users)
        ]
    )
    tags = list(product.category.aspect_tags.all())
    Through = Review.tags.through
    Through.objects.bulk_create(
        [Through(review_id=r.pk, aspecttag_id=tags[j].pk) for i, r in enumerate(reviews) for j in range(i % 3)]
    )
    image = default_storage.save("reviews/bulk.jpg", ContentFile(factories.image_bytes("JPEG")))
    ReviewPhoto.objects.bulk_create(
        [
            ReviewPhoto(review=r, image=image, thumbnail=image if i % 2 else "", width=64, height=48)
            for i, r in enumerate(reviews)
            if r.has_photos
            for _ in range(2)
        ]
    )
    services.product_stats_refresh(product_id=product.pk)
    return reviews


def _token_client(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    # The user was saved moments ago, which keeps their token from being cached for a few seconds
    # (core/api/authentication.py): settle that now, so the counts below do not depend on the clock.
    cache.delete_many([user_changed_key(user.pk), token_cache_key(token.key)])
    return client


@pytest.mark.parametrize("n_reviews, n_products", [(5, 2), (500, 30)])
def test_product_list_query_count_is_fixed(product, n_reviews, n_products, django_assert_num_queries):
    _bulk_reviews(product, n_reviews)
    factories.ProductFactory.create_batch(n_products - 1, brand=product.brand, category=product.category)
    client = APIClient()
    # COUNT for the pager, then one page with brand and category joined.
    with django_assert_num_queries(2):
        resp = client.get("/api/products/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == n_products
    assert len(body["results"]) == min(n_products, 20)
    top = body["results"][0]  # ordered by rating count: the product with the reviews
    assert top["slug"] == product.slug
    assert top["rating"]["count"] == n_reviews
    assert top["brand"]["slug"] == product.brand.slug and top["category"]["slug"] == product.category.slug


@pytest.mark.parametrize("n_reviews", [5, 500])
def test_product_detail_query_count_is_fixed(product, n_reviews, django_assert_num_queries):
    _bulk_reviews(product, n_reviews)
    client = APIClient()
    # The product (brand, category joined), its images, its category's aspect tags.
    with django_assert_num_queries(3):
        resp = client.get(f"/api/products/{product.slug}/")
    assert resp.status_code == 200
    rating = resp.json()["rating"]
    assert rating["count"] == n_reviews
    assert sum(bar["count"] for bar in rating["distribution"]) == n_reviews


@pytest.mark.parametrize("n_reviews", [5, 500])
@pytest.mark.parametrize("query", ["", "?sort=newest", "?sort=photos", "?with_photos=true&rating=1", "?tag={tag}"])
def test_review_list_query_count_is_fixed_for_anonymous(product, n_reviews, query, django_assert_num_queries):
    _bulk_reviews(product, n_reviews)
    tag = product.category.aspect_tags.first()
    client = APIClient()
    url = f"/api/products/{product.slug}/reviews/" + query.format(tag=tag.pk)
    # Product, COUNT (only when filtering by rating or tag: otherwise the product's cached
    # count serves), the page (authors joined), tags, photos, author levels.
    filtered = "rating=" in query or "tag=" in query
    with django_assert_num_queries(6 if filtered else 5):
        resp = client.get(url)
    assert resp.status_code == 200
    if not filtered:
        product.refresh_from_db()
        photos_only = "photos" in query
        assert resp.json()["count"] == (product.photo_review_count if photos_only else product.rating_count)
    with django_assert_num_queries(0):  # anonymous lists are cached for a few seconds
        assert client.get(url).json() == resp.json()
    results = resp.json()["results"]
    assert 0 < len(results) <= 20
    if query == "?sort=photos":
        assert all(len(r["photos"]) == 2 for r in results)


@pytest.mark.parametrize("n_reviews", [5, 500])
def test_review_list_query_count_is_fixed_for_signed_in_viewer(
    product, shopper, other_shopper, n_reviews, django_assert_num_queries
):
    reviews = _bulk_reviews(product, n_reviews)
    voted = [review for review in reviews if review.has_content][:3]  # a rating alone has nothing to judge
    for review in voted:
        services.review_vote_helpful(user=shopper, review_id=review.pk, helpful=True)
    # The viewer's own review, not published: it is listed for them, with its status.
    own, _ = services.review_post(author=shopper, product=product, rating=2)
    Review.objects.filter(pk=own.pk).update(status=Review.Status.PENDING)
    client = _token_client(shopper)
    # Token (user joined), product, the viewer's own review's state (unpublished: this list is
    # theirs alone, not the shared answer), COUNT of it, page, tags, photos, the viewer's votes.
    with django_assert_num_queries(9):
        resp = client.get(f"/api/products/{product.slug}/reviews/?sort=newest")
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == n_reviews + 1
    first = body["results"][0]
    assert first["id"] == own.pk and first["is_own"] and first["status"] == "pending"
    by_id = {r["id"]: r for r in body["results"]}
    assert [by_id[r.pk]["my_vote"] for r in voted] == [True, True, True]
    assert by_id[next(r for r in reviews if r not in voted).pk]["my_vote"] is None
    # Someone else stored everyone's answer meanwhile: the viewer still gets their own list, and
    # its state is read once (the token now cached; own state + votes, product, COUNT, page, tags,
    # photos, votes).
    assert APIClient().get(f"/api/products/{product.slug}/reviews/?sort=newest").status_code == 200
    with django_assert_num_queries(7):
        again = client.get(f"/api/products/{product.slug}/reviews/?sort=newest")
    assert again.content == resp.content


@pytest.mark.parametrize("n_reviews", [5, 500])
def test_shared_review_list_query_count_is_fixed_for_signed_in_viewer(
    product, shopper, n_reviews, django_assert_num_queries
):
    """The viewer's own review is published: their list is everyone's stored answer, with their
    card and votes marked. Built: token, product, own review's state, page, tags, photos, the
    authors' levels (a cold cache), votes; then served from the cache (the token too): one query
    for the viewer's own review's state and votes together."""
    reviews = _bulk_reviews(product, n_reviews)
    voted = [review for review in reviews if review.has_content][:2]
    for review in voted:
        services.review_vote_helpful(user=shopper, review_id=review.pk, helpful=False)
    own, _ = services.review_post(author=shopper, product=product, rating=5)
    services.product_stats_refresh(product_id=product.pk)  # the task review_post enqueues on commit
    client = _token_client(shopper)
    url = f"/api/products/{product.slug}/reviews/?sort=newest"
    with django_assert_num_queries(8):
        first = client.get(url)
    with django_assert_num_queries(1):
        again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    body = first.json()
    assert body["count"] == n_reviews + 1
    by_id = {r["id"]: r for r in body["results"]}
    assert by_id[own.pk]["is_own"] is True and by_id[own.pk]["my_vote"] is None
    assert [by_id[r.pk]["my_vote"] for r in voted] == [False, False]
    assert sum(r["is_own"] for r in body["results"]) == 1
    assert sum(r["my_vote"] is not None for r in body["results"]) == 2
    # Anonymous: the same stored answer, no SQL at all.
    with django_assert_num_queries(0):
        anon = APIClient().get(url)
    assert not any(r["is_own"] or r["my_vote"] is not None for r in anon.json()["results"])


@pytest.mark.parametrize("n_reviews", [5, 500])
def test_review_list_query_count_is_fixed_with_session_auth(product, shopper, n_reviews, django_assert_num_queries):
    _bulk_reviews(product, n_reviews)
    client = APIClient()
    client.force_login(shopper)
    # User, product, COUNT, page, tags, photos, the viewer's votes (the session is cached).
    with django_assert_num_queries(8):
        resp = client.get(f"/api/products/{product.slug}/reviews/?page=2&page_size=3")
    assert resp.status_code == 200
    assert len(resp.json()["results"]) == min(3, n_reviews - 3)
