"""The server-rendered site: pages, the one-click star tap, details, votes, i18n.

State is built through services (bulk rows only where a test needs hundreds of
reviews, followed by product_stats_refresh as the real caches would be).
"""
import datetime
import json
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from community import services, usercache
from community.models import AspectTag, HelpfulVote, Review, ReviewPhoto, User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(settings):
    """These tests read the English interface; the site's default (zh-hans) has its own tests."""
    settings.LANGUAGE_CODE = "en"

Status = Review.Status


def product_url(product):
    return f"/products/{product.slug}/"


def add_bulk_reviews(product, n, *, prefix="bulk"):
    """n published reviews by n new users, with tags on every review and photos on every third."""
    User.objects.bulk_create(
        [
            User(username=f"{prefix}{product.pk}-{i}@example.com", email=f"{prefix}{product.pk}-{i}@example.com",
                 display_name=f"Bulk {i}")
            for i in range(n)
        ]
    )
    authors = list(User.objects.filter(username__startswith=f"{prefix}{product.pk}-").order_by("id"))
    now = timezone.now()
    Review.objects.bulk_create(
        [
            Review(
                product=product,
                author=author,
                rating=(i % 5) + 1,
                text=f"Bulk review number {i}",
                status=Status.PUBLISHED,
                published_at=now,
                created_at=now - datetime.timedelta(minutes=i),
                has_photos=i % 3 == 0,
                incentive="free_sample" if i % 10 == 0 else "",
                helpful_count=i % 7,
                helpful_score=(i % 7) / 10,
            )
            for i, author in enumerate(authors)
        ]
    )
    reviews = list(Review.objects.filter(product=product, author__in=authors).order_by("id"))
    tags = list(product.category.aspect_tags.order_by("position"))
    Review.tags.through.objects.bulk_create(
        [Review.tags.through(review_id=r.pk, aspecttag_id=tags[i % len(tags)].pk) for i, r in enumerate(reviews)]
        + [Review.tags.through(review_id=r.pk, aspecttag_id=tags[1].pk) for i, r in enumerate(reviews) if i % len(tags) != 1]
    )
    ReviewPhoto.objects.bulk_create(
        [
            ReviewPhoto(review=r, image=f"reviews/bulk-{r.pk}.jpg", thumbnail=f"reviews/thumbs/bulk-{r.pk}.jpg")
            for r in reviews
            if r.has_photos
        ]
    )
    services.product_stats_refresh(product_id=product.pk)
    product.refresh_from_db()
    return reviews


def png_upload(name="photo.png", data=None):
    return SimpleUploadedFile(name, data or factories.image_bytes("PNG", size=(80, 60)), content_type="image/png")


# --- query budgets: the same number of queries at 5 and at 500 reviews -------------------------------

# product, images, aspect tags, review page, its tags, its photos, photo strip,
# + the authors' levels (gamification), the authors' badges (one query for the page)
PRODUCT_PAGE_QUERIES_ANONYMOUS = 9
PRODUCT_PAGE_QUERIES_ANONYMOUS_CACHED = 0  # the whole page comes from the cache
# Signed in, the shared body of the page comes from the cache (community.pagecache): the viewer's
# review (+ its tags, photos), the viewer's votes on the page, the own review's quality score and
# hints (moderation.quality), the aspect tags of the details form (rendered live for a viewer with
# a review of the product). The session, the user (core/sessionauth.py), the product row, the id
# of the viewer's review and the header's counts (community.usercache) come from the cache.
# tests/test_product_page_bodies.py counts a viewer without a review.
PRODUCT_PAGE_QUERIES_SIGNED_IN = 6
# The first signed-in view of a page version renders the body too: + the product, the viewer's review
# id, the header's counts, the product's images, the review page, its tags, its photos, the photo
# strip, the authors' levels and badges.
PRODUCT_PAGE_QUERIES_SIGNED_IN_COLD = 17


@pytest.mark.parametrize("n", [5, 500])
def test_product_page_query_count_anonymous(client, product, django_assert_num_queries, n):
    add_bulk_reviews(product, n)
    with django_assert_num_queries(PRODUCT_PAGE_QUERIES_ANONYMOUS):
        resp = client.get(product_url(product))
    assert resp.status_code == 200
    assert resp.content.decode().count('class="review-card') == min(n, 10)


@pytest.mark.parametrize("n", [5, 500])
def test_product_page_query_count_anonymous_cached(client, product, django_assert_num_queries, n):
    add_bulk_reviews(product, n)
    first = client.get(product_url(product), {"sort": "newest"}).content.decode()
    with django_assert_num_queries(PRODUCT_PAGE_QUERIES_ANONYMOUS_CACHED):
        resp = client.get(product_url(product), {"sort": "newest"})
    assert resp.status_code == 200
    second = resp.content.decode()
    assert second.count('class="review-card') == min(n, 10)
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", first) == strip.sub("", second)


@pytest.mark.parametrize("n", [5, 500])
@pytest.mark.parametrize("sort", ["helpful", "newest", "photos"])
def test_product_page_query_count_signed_in(
    client, product, shopper, django_assert_num_queries, django_capture_on_commit_callbacks, n, sort
):
    reviews = add_bulk_reviews(product, n)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_post(author=shopper, product=product, rating=5, tag_ids=[], text="Mine")
        services.review_vote_helpful(user=shopper, review_id=reviews[0].pk, helpful=True)
    client.force_login(shopper)
    # The review was just written: its own-review entry is retired for a few seconds
    # (community.usercache.RETIRE_SECONDS); as once they have passed:
    cache.delete(usercache.OWN_REVIEW_KEY.format(shopper.pk, product.pk))
    with django_assert_num_queries(PRODUCT_PAGE_QUERIES_SIGNED_IN_COLD):
        cold = client.get(product_url(product), {"sort": sort, "page": 1})
    client.get(product_url(product), {"sort": sort, "page": 1})  # the product row is stored
    with django_assert_num_queries(PRODUCT_PAGE_QUERIES_SIGNED_IN):
        resp = client.get(product_url(product), {"sort": sort, "page": 1})
    assert resp.status_code == 200
    assert 'id="my-review"' in resp.content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", cold.content.decode()) == strip.sub("", resp.content.decode())


PRODUCT_LIST_QUERIES = 5  # count, page, images of the page, brands, categories


@pytest.mark.parametrize("n", [5, 500])
def test_product_list_query_count(client, brand, category, django_assert_num_queries, n):
    products = [factories.ProductFactory(brand=brand, category=category) for _ in range(15)]
    add_bulk_reviews(products[0], n)
    with django_assert_num_queries(PRODUCT_LIST_QUERIES):
        resp = client.get("/products/")
    assert resp.status_code == 200
    assert resp.content.decode().count('class="product-card"') == 12


# products, their images, recent reviews (product and author joined), their tags, their photos,
# + the authors' levels, the authors' badges, + open trials (product and brand joined)
HOME_QUERIES = 9  # ... + open trials + open challenges


@pytest.mark.parametrize("n", [5, 500])
def test_home_query_count(client, product, django_assert_num_queries, n):
    add_bulk_reviews(product, n)
    with django_assert_num_queries(HOME_QUERIES):
        resp = client.get("/")
    assert resp.status_code == 200
    assert resp.content.decode().count('class="review-card') == min(n, 6)


# --- product page content --------------------------------------------------------------------------


def test_product_page_shows_summary_tags_photos_and_disclosure(client, product):
    add_bulk_reviews(product, 20)
    body = client.get(product_url(product)).content.decode()
    assert product.name_en in body
    assert product.brand.name in body
    # 20 reviews rated 1..5 four times each: average 3.0, every bar 20%.
    assert ">3.0<" in body
    assert body.count('class="bar-fill pct-20"') == 5
    value_tag = AspectTag.objects.get(category=product.category, slug="value")
    # Every bulk review carries the "value" tag: "20 said 性价比高".
    assert f"<strong>20</strong> said {value_tag.label_en}" in body
    assert "Incentivized review · got a free sample" in body  # reviews 0, 10 (every tenth)
    assert 'class="photo-strip"' in body


def test_product_page_empty_state_invites_first_review(client, product):
    body = client.get(product_url(product)).content.decode()
    assert "No reviews yet. Be the first" in body
    assert 'name="rating" value="5"' in body


def test_review_text_is_escaped(client, product, shopper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.review_post(author=shopper, product=product, rating=4, text="<script>alert(1)</script>\nline two")
    body = client.get(product_url(product)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>line two" in body


@pytest.mark.parametrize(
    "query",
    [{"page": "abc"}, {"page": "-1"}, {"page": "99999"}, {"sort": "bogus"}, {"sort": "photos", "page": "0"}, {"page": ""}],
)
def test_bad_query_parameters_never_fail(client, product, query):
    add_bulk_reviews(product, 25)
    resp = client.get(product_url(product), query)
    assert resp.status_code == 200
    assert 'class="review-card' in resp.content.decode()


def test_sort_tabs_order_and_paginate(client, product):
    add_bulk_reviews(product, 25)
    newest = client.get(product_url(product), {"sort": "newest"}).content.decode()
    # created_at decreases with i, so review 0 is newest.
    assert newest.index("Bulk review number 0<") < newest.index("Bulk review number 1<")
    helpful = client.get(product_url(product)).content.decode()
    assert helpful.index("Bulk review number 20<") < helpful.index("Bulk review number 5<")
    assert "Bulk review number 0<" not in helpful  # no helpful votes: not on the first page
    assert "Page 1 of 3" in helpful
    page3 = client.get(product_url(product), {"page": 3}).content.decode()
    assert page3.count('class="review-card') == 5
    photos = client.get(product_url(product), {"sort": "photos"}).content.decode()
    assert photos.count('class="review-card') == 9  # reviews 0, 3, ..., 24
    assert "Page 1 of" not in photos


def test_unknown_product_is_a_404_page(client):
    resp = client.get("/products/no-such-thing/")
    assert resp.status_code == 404
    assert "We could not find that page" in resp.content.decode()


def test_inactive_product_is_a_404(client, product):
    product.is_active = False
    product.save()
    assert client.get(product_url(product)).status_code == 404


# --- one-click review ----------------------------------------------------------------------------


def test_star_tap_plain_form_creates_review_and_redirects(client, product, shopper, django_capture_on_commit_callbacks):
    client.force_login(shopper)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"{product_url(product)}rate/", {"rating": "4"})
    assert resp.status_code == 302
    assert resp["Location"] == f"{product_url(product)}#details"
    review = Review.objects.get(product=product, author=shopper)
    assert (review.rating, review.status) == (4, Status.PUBLISHED)
    page = client.get(resp["Location"]).content.decode()
    assert "Thank you! You gave 4 stars." in page
    assert 'id="details"' in page and 'id="details" aria-labelledby="details-title" hidden' not in page
    assert ">4.0<" in page  # the summary was refreshed


def test_star_tap_anonymous_goes_to_login_and_back(client, product):
    resp = client.post(f"{product_url(product)}rate/", {"rating": "5"})
    assert resp.status_code == 302
    assert resp["Location"].startswith("/accounts/login/?next=")
    assert "%2Fproducts%2F" in resp["Location"]
    assert not Review.objects.exists()
    resp = client.post(f"{product_url(product)}rate/", {"rating": "5"}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 401
    assert resp.json()["login_url"].startswith("/accounts/login/?next=")


def test_star_tap_json_answers_in_place(client, product, shopper):
    client.force_login(shopper)
    resp = client.post(f"{product_url(product)}rate/", {"rating": "5"}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 201
    data = resp.json()
    assert data["ok"] is True and data["created"] is True
    assert data["review"]["rating"] == 5
    assert "5 stars" in data["message"]
    resp = client.post(f"{product_url(product)}rate/", {"rating": "2"}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 200
    assert resp.json()["created"] is False
    assert Review.objects.get(product=product, author=shopper).rating == 2


@pytest.mark.parametrize("rating", ["0", "6", "abc", ""])
def test_bad_rating_is_a_message_not_an_error(client, product, shopper, rating):
    client.force_login(shopper)
    resp = client.post(f"{product_url(product)}rate/", {"rating": rating}, follow=True)
    assert resp.status_code == 200
    assert "Choose a rating from 1 to 5 stars." in resp.content.decode()
    resp = client.post(f"{product_url(product)}rate/", {"rating": rating}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 400
    assert resp.json()["fields"]["rating"]
    assert not Review.objects.exists()


def test_rate_needs_post(client, product):
    assert client.get(f"{product_url(product)}rate/").status_code == 405


# --- add details ------------------------------------------------------------------------------------


def test_add_details_with_tags_and_photo(client, product, shopper, django_capture_on_commit_callbacks):
    client.force_login(shopper)
    client.post(f"{product_url(product)}rate/", {"rating": "5"})
    quality, value = AspectTag.objects.filter(category=product.category, slug__in=["quality", "value"]).order_by("position")
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            f"{product_url(product)}review/",
            {"tags": [quality.pk, value.pk], "text": "Sturdy and cheap.", "photos": [png_upload()]},
        )
    assert resp.status_code == 302
    assert resp["Location"] == f"{product_url(product)}#my-review"
    review = Review.objects.get(product=product, author=shopper)
    assert review.rating == 5
    assert review.text == "Sturdy and cheap."
    assert set(review.tags.values_list("slug", flat=True)) == {"quality", "value"}
    photo = review.photos.get()
    assert photo.thumbnail  # made by the on-commit Celery task
    body = client.get(product_url(product)).content.decode()
    assert quality.label_en in body and "Sturdy and cheap." in body
    assert photo.thumbnail.url in body
    assert "Thank you! Your review is saved." in body


def test_bad_photo_names_the_photo_and_keeps_what_was_saved(client, product, shopper):
    client.force_login(shopper)
    client.post(f"{product_url(product)}rate/", {"rating": "3"})
    value = AspectTag.objects.get(category=product.category, slug="value")
    resp = client.post(
        f"{product_url(product)}review/",
        {
            "tags": [value.pk],
            "text": "Keep these words.",
            "photos": [png_upload("good.png"), SimpleUploadedFile("broken.png", b"not an image", content_type="image/png")],
        },
    )
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "Photo 2 (broken.png) was not added" in body
    assert "not a valid image" in body
    assert "Your rating, tags and words are saved. 1 photo was added." in body
    assert "Keep these words." in body  # still in the form and in the saved review card
    review = Review.objects.get(product=product, author=shopper)
    assert review.text == "Keep these words."
    assert list(review.tags.values_list("slug", flat=True)) == ["value"]
    assert review.photos.count() == 1


def test_details_without_a_rating_asks_for_a_star(client, product, shopper):
    client.force_login(shopper)
    resp = client.post(f"{product_url(product)}review/", {"text": "No stars given"})
    assert resp.status_code == 400
    assert "Tap a star to rate first." in resp.content.decode()
    assert not Review.objects.exists()


def test_details_page_with_rating_radios_creates_review(client, product, shopper):
    client.force_login(shopper)
    assert client.get(f"{product_url(product)}review/").status_code == 200
    resp = client.post(f"{product_url(product)}review/", {"rating": "4", "text": "Good"})
    assert resp.status_code == 302
    assert Review.objects.get(product=product, author=shopper).rating == 4


def test_tag_of_another_category_is_shown_next_to_tags(client, product, shopper):
    client.force_login(shopper)
    client.post(f"{product_url(product)}rate/", {"rating": "3"})
    foreign = factories.CategoryFactory().aspect_tags.first()
    resp = client.post(f"{product_url(product)}review/", {"tags": [foreign.pk]})
    # Not one of the form's choices: the form refuses it before the service is called.
    assert resp.status_code == 400
    assert "field-error" in resp.content.decode()


def test_details_page_needs_login(client, product):
    resp = client.get(f"{product_url(product)}review/")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/accounts/login/")


# --- helpful votes -------------------------------------------------------------------------------


@pytest.fixture
def others_review(product, other_shopper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = services.review_post(author=other_shopper, product=product, rating=4, text="Nice")
    return review


def test_helpful_vote_plain_form(client, product, shopper, others_review):
    client.force_login(shopper)
    back = f"{product_url(product)}?sort=newest#review-{others_review.pk}"
    resp = client.post(f"/reviews/{others_review.pk}/helpful/", {"helpful": "1", "next": back})
    assert resp.status_code == 302
    assert resp["Location"] == back
    others_review.refresh_from_db()
    assert others_review.helpful_count == 1
    body = client.get(product_url(product)).content.decode()
    assert 'data-vote="1" class="vote-btn" aria-pressed="true"' in body
    # Tapping the pressed button again withdraws the vote.
    client.post(f"/reviews/{others_review.pk}/helpful/", {"helpful": ""})
    assert not HelpfulVote.objects.exists()


def test_helpful_vote_json(client, shopper, others_review):
    client.force_login(shopper)
    resp = client.post(f"/reviews/{others_review.pk}/helpful/", {"helpful": "0"}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 200
    assert resp.json() == {
        "ok": True,
        "message": "Thanks for your vote.",
        "my_vote": False,
        "helpful_count": 0,
        "not_helpful_count": 1,
    }


def test_helpful_vote_refusals(client, product, shopper, other_shopper, others_review):
    unsafe = {"helpful": "1", "next": "https://evil.example/"}
    resp = client.post(f"/reviews/{others_review.pk}/helpful/", unsafe)
    assert resp["Location"].startswith("/accounts/login/?next=%2Fproducts%2F")  # never the foreign next
    client.force_login(other_shopper)
    resp = client.post(f"/reviews/{others_review.pk}/helpful/", {"helpful": "1"}, follow=True)
    assert "You cannot vote on your own review." in resp.content.decode()
    resp = client.post(f"/reviews/{others_review.pk}/helpful/", {"helpful": "maybe"}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 400
    assert client.post("/reviews/999999/helpful/", {"helpful": "1"}).status_code == 404
    assert not HelpfulVote.objects.exists()


# --- the viewer's own review and its status ------------------------------------------------------------


def test_own_pending_review_visible_to_author_with_badge_and_hidden_from_others(
    client, product, shopper, other_shopper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = services.review_post(author=shopper, product=product, rating=2, text="Awaiting a moderator")
    # Moderation holds it (the moderation app will do this through its own service).
    Review.objects.filter(pk=review.pk).update(status=Status.PENDING, published_at=None)
    services.product_stats_refresh(product_id=product.pk)

    client.force_login(shopper)
    body = client.get(product_url(product)).content.decode()
    assert "Awaiting a moderator" in body
    assert 'badge badge-status badge-pending">Pending review<' in body
    profile = client.get("/me/").content.decode()
    assert "Awaiting a moderator" in profile and ">Pending review<" in profile

    client.force_login(other_shopper)
    assert "Awaiting a moderator" not in client.get(product_url(product)).content.decode()
    client.logout()
    assert "Awaiting a moderator" not in client.get(product_url(product)).content.decode()
    assert "Awaiting a moderator" not in client.get("/").content.decode()


def test_rejected_review_shows_reason_to_author(client, product, shopper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = services.review_post(author=shopper, product=product, rating=1, text="Call me")
    Review.objects.filter(pk=review.pk).update(status=Status.REJECTED, status_reason="Contact details")
    client.force_login(shopper)
    body = client.get(product_url(product)).content.decode()
    assert ">Rejected<" in body and "Contact details" in body


# --- product list -------------------------------------------------------------------------------------


def test_product_list_search_filters_and_empty_state(client, category):
    acme = factories.BrandFactory(name="Acme", slug="acme")
    other = factories.BrandFactory(name="Other", slug="other")
    kettle = factories.ProductFactory(brand=acme, category=category, name_zh="电水壶", name_en="Kettle")
    lamp = factories.ProductFactory(brand=other, category=category, name_zh="台灯", name_en="Desk lamp")
    for query in ("水壶", "kettle"):  # either language's name matches
        body = client.get("/products/", {"q": query}).content.decode()
        assert kettle.name_en in body and lamp.name_en not in body
    body = client.get("/products/", {"brand": "other"}).content.decode()
    assert lamp.name_en in body and kettle.name_en not in body
    body = client.get("/products/", {"category": category.slug, "brand": "acme"}).content.decode()
    assert kettle.name_en in body and lamp.name_en not in body
    body = client.get("/products/", {"q": "nothing-like-this"}).content.decode()
    assert "No products match your search." in body
    assert client.get("/products/", {"page": "zz"}).status_code == 200


def test_home_empty_state_says_what_to_do(client, db):
    body = client.get("/").content.decode()
    assert "There are no products here yet." in body
    assert "No reviews yet." in body


# --- language, profile, account pages -----------------------------------------------------------------


def test_language_switch_shows_english(client, product, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the site's default
    body = client.get(product_url(product)).content.decode()
    assert '<html lang="zh-hans">' in body
    assert product.name_zh in body
    assert "有用" in body  # the interface itself is translated, not only the content
    resp = client.post("/i18n/setlang/", {"language": "en", "next": product_url(product)})
    assert resp.status_code == 302 and resp["Location"] == product_url(product)
    body = client.get(product_url(product)).content.decode()
    assert '<html lang="en">' in body
    assert product.name_en in body and product.name_zh not in body
    assert 'value="en" lang="en" aria-pressed="true"' in body


def test_profile_needs_login(client):
    resp = client.get("/me/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_profile_update_with_avatar(client, shopper):
    client.force_login(shopper)
    resp = client.post(
        "/me/", {"display_name": "小明", "timezone": "Europe/London", "avatar": png_upload("me.png")}
    )
    assert resp.status_code == 302
    shopper.refresh_from_db()
    assert shopper.display_name == "小明"
    assert shopper.timezone == "Europe/London"
    assert shopper.avatar.name.endswith(".jpg")  # re-encoded by the image pipeline
    body = client.get("/me/").content.decode()
    assert "Your profile is saved." in body and shopper.avatar.url in body


def test_profile_bad_avatar_message_next_to_field(client, shopper):
    client.force_login(shopper)
    resp = client.post(
        "/me/",
        {"display_name": "New", "timezone": "Asia/Shanghai",
         "avatar": SimpleUploadedFile("x.png", b"garbage", content_type="image/png")},
    )
    assert resp.status_code == 400
    assert "not a valid image" in resp.content.decode()
    shopper.refresh_from_db()
    assert shopper.display_name != "New"  # nothing half-saved


def test_allauth_pages_use_the_site_layout(client):
    for url in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        body = client.get(url).content.decode()
        assert 'class="card auth-card"' in body, url
        assert "css/app.css" in body and "共创" in body


def test_signed_in_header_has_logout_form(client, shopper):
    client.force_login(shopper)
    body = client.get("/").content.decode()
    assert 'action="/accounts/logout/"' in body
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_json_payloads_are_json(client, product, shopper):
    client.force_login(shopper)
    resp = client.post(f"{product_url(product)}rate/", {"rating": "3"}, HTTP_ACCEPT="application/json")
    assert resp["Content-Type"] == "application/json"
    json.loads(resp.content)


# --- the anonymous product-page cache -------------------------------------------------------------------


def _csrf_from(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_cached_page_carries_a_working_csrf_token_for_each_visitor(product):
    from community.views import csrf_marker

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    html_1 = first.get(product_url(product)).content.decode()
    html_2 = second.get(product_url(product)).content.decode()  # served from the cache
    assert csrf_marker() not in html_1 and csrf_marker() not in html_2
    # Each visitor's token works with their own cookie (the language switch is a CSRF-checked POST).
    resp = second.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": _csrf_from(html_2)})
    assert resp.status_code == 302
    resp = first.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": _csrf_from(html_1)})
    assert resp.status_code == 302


def test_cached_page_shows_a_new_review_at_once(client, product, other_shopper, django_capture_on_commit_callbacks):
    from community.views import PRODUCT_PAGE_CACHE_SECONDS

    assert PRODUCT_PAGE_CACHE_SECONDS <= 10
    assert "No ratings yet." in client.get(product_url(product)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.review_post(author=other_shopper, product=product, rating=4, text="Fresh words")
    # The stored page carries the product's page version, which the new review retired.
    body = client.get(product_url(product)).content.decode()
    assert "Fresh words" in body and "No ratings yet." not in body


def test_signed_in_pages_are_never_served_from_the_cache(
    client, product, shopper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.review_post(author=shopper, product=product, rating=5, text="My own words")
    assert 'id="my-review"' not in client.get(product_url(product)).content.decode()  # now cached
    client.force_login(shopper)
    body = client.get(product_url(product)).content.decode()
    assert 'id="my-review"' in body and "My account" in body
    client.logout()
    body = client.get(product_url(product)).content.decode()
    assert 'id="my-review"' not in body and "My account" not in body


def test_cached_page_is_per_language(client, product, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    assert product.name_zh in client.get(product_url(product)).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(product_url(product)).content.decode()
    assert product.name_en in body and product.name_zh not in body


@pytest.mark.parametrize("zone", ["", "Not/AZone"])
def test_bad_stored_time_zone_never_breaks_a_page(client, shopper, product, zone):
    User.objects.filter(pk=shopper.pk).update(timezone=zone)
    client.force_login(shopper)
    assert client.get(product_url(product)).status_code == 200
    assert client.get("/me/").status_code == 200


def test_dates_follow_the_viewers_time_zone(client, product, shopper, other_shopper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = services.review_post(author=other_shopper, product=product, rating=4, text="Late")
    # 2024-01-01 20:30 UTC is already 2 January in Shanghai, still 1 January in New York.
    Review.objects.filter(pk=review.pk).update(created_at=datetime.datetime(2024, 1, 1, 20, 30, tzinfo=datetime.timezone.utc))
    User.objects.filter(pk=shopper.pk).update(timezone="America/New_York")
    client.force_login(shopper)
    assert ">2024-01-01<" in client.get(product_url(product)).content.decode()
    client.logout()
    assert ">2024-01-02<" in client.get(product_url(product)).content.decode()
