"""The community API through HTTP: products, reviews, votes, the current user, tokens,
throttling and the schema. Error bodies always have the shape
``{"error": {"code", "message", "fields"}}`` and bad input is never a 500."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from community import services
from community.models import HelpfulVote, Review, ReviewPhoto
from tests import factories

pytestmark = pytest.mark.django_db

BOUNDARY = "BoUnDaRyStRiNg"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def shopper_api(shopper):
    client = APIClient()
    client.force_login(shopper)
    return client


@pytest.fixture
def other_api(other_shopper):
    client = APIClient()
    client.force_login(other_shopper)
    return client


def _error(resp, status):
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def _set_status(review, status, reason=""):
    # Stands in for a moderation decision, which is the moderation app's service to make.
    Review.objects.filter(pk=review.pk).update(status=status, status_reason=reason)


def _media_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- products ----------------------------------------------------------------------------


def test_product_list_searches_and_filters(api, product):
    other_category = factories.CategoryFactory(slug="shoes")
    other = factories.ProductFactory(name_en="Trail runner", name_zh="越野跑鞋", category=other_category)
    factories.ProductFactory(is_active=False, name_en="Trail ghost")

    assert {p["slug"] for p in api.get("/api/products/").json()["results"]} == {product.slug, other.slug}
    assert [p["slug"] for p in api.get("/api/products/", {"q": "trail"}).json()["results"]] == [other.slug]
    assert [p["slug"] for p in api.get("/api/products/", {"q": "越野"}).json()["results"]] == [other.slug]
    resp = api.get("/api/products/", {"brand": product.brand.slug})
    assert [p["slug"] for p in resp.json()["results"]] == [product.slug]
    resp = api.get("/api/products/", {"category": "shoes"})
    assert [p["slug"] for p in resp.json()["results"]] == [other.slug]
    assert api.get("/api/products/", {"brand": "no-such-brand"}).json()["count"] == 0


def test_product_list_bad_params_and_pages(api, product):
    err = _error(api.get("/api/products/", {"brand": "not a slug!"}), 400)
    assert "brand" in err["fields"]
    assert _error(api.get("/api/products/", {"q": "x" * 101}), 400)["fields"].keys() == {"q"}
    assert _error(api.get("/api/products/", {"q": "a\x00b"}), 400)["fields"].keys() == {"q"}  # PostgreSQL refuses NUL
    for page in ["2", "0", "abc", "9" * 30, "9" * 5000]:
        _error(api.get("/api/products/", {"page": page}), 404)


def test_product_detail_has_rating_summary_tags_and_images(api, shopper, other_shopper, product, png_bytes):
    quality, value = list(product.category.aspect_tags.all()[:2])
    services.review_post(author=shopper, product=product, rating=5, tag_ids=[quality.pk, value.pk])
    services.review_post(author=other_shopper, product=product, rating=2, tag_ids=[value.pk])
    services.product_stats_refresh(product_id=product.pk)
    image = product.images.create(image=SimpleUploadedFile("p.png", png_bytes, "image/png"), position=0)

    resp = api.get(f"/api/products/{product.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200
    body = resp.json()
    assert body["name"] == product.name_en  # localized for the request's language
    rating = body["rating"]
    assert rating["average"] == 3.5 and rating["count"] == 2
    assert [(b["stars"], b["count"], b["percent"]) for b in rating["distribution"]] == [
        (5, 1, 50), (4, 0, 0), (3, 0, 0), (2, 1, 50), (1, 0, 0)
    ]
    assert rating["tags"][0] == {
        "id": value.pk, "slug": "value", "label_zh": "性价比高", "label_en": "Good value",
        "label": "Good value", "negative": False, "count": 2,
    }
    assert [t["slug"] for t in body["aspect_tags"]] == ["quality", "value", "delivery", "looks", "flimsy"]
    assert body["images"][0]["id"] == image.pk and body["images"][0]["url"].startswith("http://testserver/media/")

    resp = api.get(f"/api/products/{product.slug}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert resp.json()["aspect_tags"][0]["label"] == "质量好"


def test_unknown_or_inactive_product_is_404(api):
    inactive = factories.ProductFactory(is_active=False)
    for slug in ["nope", inactive.slug]:
        _error(api.get(f"/api/products/{slug}/"), 404)
        _error(api.get(f"/api/products/{slug}/reviews/"), 404)


# --- review lists --------------------------------------------------------------------------


def test_review_list_filters_and_sorts(api, product, png_bytes, django_capture_on_commit_callbacks):
    tag = product.category.aspect_tags.first()
    users = factories.UserFactory.create_batch(4)
    factories.public_profile_on(users[2])  # the level is part of a public profile (test_review_author_privacy.py)
    r1, _ = services.review_post(author=users[0], product=product, rating=1, tag_ids=[tag.pk])
    r5 = factories.review_with_words(author=users[1], product=product, rating=5)
    r4, _ = services.review_post(author=users[2], product=product, rating=4)
    with django_capture_on_commit_callbacks(execute=True):  # the photo is screened, then published
        photo = services.review_photo_add(
            author=users[2], review=r4, upload=SimpleUploadedFile("a.png", png_bytes, "image/png")
        )
    services.review_vote_helpful(user=users[3], review_id=r5.pk, helpful=True)
    url = f"/api/products/{product.slug}/reviews/"

    def ids(**params):
        resp = api.get(url, params)
        assert resp.status_code == 200, resp.content
        return [r["id"] for r in resp.json()["results"]]

    assert ids() == [r5.pk, r4.pk, r1.pk]  # most helpful first
    assert ids(sort="newest") == [r4.pk, r5.pk, r1.pk]
    assert ids(sort="photos") == ids(with_photos="true") == [r4.pk]
    assert ids(rating=1) == [r1.pk]
    assert ids(tag=tag.pk) == [r1.pk]
    assert ids(tag=999999) == []

    card = api.get(url, {"sort": "photos"}).json()["results"][0]
    photo.refresh_from_db()  # the thumbnail task ran on commit
    assert photo.thumbnail
    assert (card["author"]["id"], card["author"]["name"]) == (users[2].pk, users[2].public_name)
    assert card["author"]["level"]["number"] == 1 and card["author"]["level"]["name"]
    assert card["photos"] == [
        {
            "id": photo.pk,
            "url": "http://testserver" + photo.image.url,
            "thumbnail_url": "http://testserver" + photo.thumbnail.url,
            "width": 64,
            "height": 48,
        }
    ]
    assert card["is_own"] is False and card["my_vote"] is None and card["status"] == "published"
    tagged = api.get(url, {"tag": tag.pk}).json()["results"][0]
    assert tagged["tags"] == [
        {
            "id": tag.pk, "slug": tag.slug, "label_zh": "质量好", "label_en": "Good quality",
            "label": "质量好", "negative": False,
        }
    ]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"sort": "foo"}, "sort"),
        ({"rating": "9"}, "rating"),
        ({"rating": "0"}, "rating"),
        ({"rating": "x"}, "rating"),
        ({"tag": "abc"}, "tag"),
        ({"tag": "9" * 30}, "tag"),
        ({"with_photos": "maybe"}, "with_photos"),
    ],
)
def test_review_list_bad_params_are_field_errors(api, product, params, field):
    err = _error(api.get(f"/api/products/{product.slug}/reviews/", params), 400)
    assert err["code"] == "invalid" and field in err["fields"]


def test_review_list_page_out_of_range_is_404_json(api, product, shopper):
    services.review_post(author=shopper, product=product, rating=3)
    _error(api.get(f"/api/products/{product.slug}/reviews/", {"page": 10**20}), 404)
    assert api.get(f"/api/products/{product.slug}/reviews/", {"page": "last"}).status_code == 200


@pytest.mark.parametrize("status", [Review.Status.PENDING, Review.Status.REJECTED, Review.Status.REMOVED])
def test_unpublished_review_is_visible_only_to_its_author(api, shopper_api, other_api, shopper, product, status):
    review, _ = services.review_post(author=shopper, product=product, rating=4, text="still being checked")
    _set_status(review, status, reason="contains a phone number")
    list_url = f"/api/products/{product.slug}/reviews/"

    for client in (api, other_api):
        assert client.get(list_url).json()["results"] == []
        _error(client.get(f"/api/reviews/{review.pk}/"), 404)

    own = shopper_api.get(list_url).json()["results"]
    assert [(r["id"], r["status"], r["is_own"]) for r in own] == [(review.pk, status, True)]
    assert own[0]["status_reason"] == "contains a phone number"
    detail = shopper_api.get(f"/api/reviews/{review.pk}/").json()
    assert detail["status"] == status and detail["product"]["slug"] == product.slug


def test_status_reason_is_shown_only_to_the_author(api, shopper_api, shopper, product):
    review, _ = services.review_post(author=shopper, product=product, rating=4)
    Review.objects.filter(pk=review.pk).update(status_reason="note")
    assert api.get(f"/api/reviews/{review.pk}/").json()["status_reason"] == ""
    assert shopper_api.get(f"/api/reviews/{review.pk}/").json()["status_reason"] == "note"


# --- posting reviews -------------------------------------------------------------------------


def test_one_click_rating_creates_then_updates(shopper_api, shopper, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resp = shopper_api.post("/api/reviews/", {"product": product.slug, "rating": 4}, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["rating"], body["status"], body["is_own"], body["text"]) == (4, "published", True, "")
    assert body["author"]["id"] == shopper.pk and body["product"]["slug"] == product.slug
    product.refresh_from_db()
    assert (product.rating_count, product.rating_sum) == (1, 4)

    tag = product.category.aspect_tags.first()
    resp = shopper_api.post(
        "/api/reviews/",
        {"product": product.slug, "rating": 5, "tags": [tag.pk], "text": "Works well after two weeks."},
        format="json",
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["id"] == Review.objects.get().pk
    assert (body["rating"], body["text"], body["language"]) == (5, "Works well after two weeks.", "en")
    assert [t["id"] for t in body["tags"]] == [tag.pk] and body["edited_at"] is not None
    assert Review.objects.count() == 1


def test_form_encoded_post_works_too(shopper_api, product):
    tags = list(product.category.aspect_tags.values_list("pk", flat=True)[:2])
    resp = shopper_api.post("/api/reviews/", {"product": product.slug, "rating": "3", "tags": tags})
    assert resp.status_code == 201, resp.content
    assert sorted(t["id"] for t in resp.json()["tags"]) == sorted(tags)


def test_posting_a_review_needs_sign_in(api, product):
    err = _error(api.post("/api/reviews/", {"product": product.slug, "rating": 4}, format="json"), 401)
    assert err["code"] == "not_authenticated"
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "x"}, "rating"),
        ({"rating": None}, "rating"),
        ({}, "rating"),
        ({"rating": 4, "tags": ["abc"]}, "tags"),
        ({"rating": 4, "tags": [2**64]}, "tags"),
        ({"rating": 4, "tags": "1"}, "tags"),
        ({"rating": 4, "text": "x" * 5001}, "text"),
        ({"rating": 4, "text": "a\x00b"}, "text"),
        ({"rating": 4, "language": "fr"}, "language"),
        ({"rating": 4, "product": "no-such-product"}, "product"),
        ({"rating": 4, "product": None}, "product"),
    ],
)
def test_bad_review_input_is_a_field_error(shopper_api, product, payload, field):
    resp = shopper_api.post("/api/reviews/", {"product": product.slug, **payload}, format="json")
    err = _error(resp, 400)
    assert field in err["fields"], err
    assert not Review.objects.exists()


def test_tag_of_another_category_is_a_field_error(shopper_api, product):
    foreign = factories.CategoryFactory().aspect_tags.first()
    resp = shopper_api.post(
        "/api/reviews/", {"product": product.slug, "rating": 4, "tags": [foreign.pk]}, format="json"
    )
    err = _error(resp, 400)
    assert err["code"] == "tags_invalid" and "tags" in err["fields"]
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('"just a string"', "application/json"),
        ("null", "application/json"),
        ("\xff\xfe", "application/json"),
        ("rating=4", "text/plain"),
    ],
)
def test_malformed_bodies_are_4xx_not_500(shopper_api, body, content_type):
    resp = shopper_api.post("/api/reviews/", body, content_type=content_type)
    assert resp.status_code in (400, 415), resp.content
    assert "error" in resp.json()


def test_inactive_product_cannot_be_reviewed(shopper_api):
    inactive = factories.ProductFactory(is_active=False)
    err = _error(shopper_api.post("/api/reviews/", {"product": inactive.slug, "rating": 4}, format="json"), 400)
    assert "product" in err["fields"]


# --- one review ------------------------------------------------------------------------------------


def test_review_detail_and_404s(api, shopper, product):
    review, _ = services.review_post(author=shopper, product=product, rating=3)
    body = api.get(f"/api/reviews/{review.pk}/").json()
    assert (body["id"], body["rating"], body["is_own"]) == (review.pk, 3, False)
    _error(api.get(f"/api/reviews/{review.pk + 1}/"), 404)
    _error(api.get(f"/api/reviews/{10**30}/"), 404)


def test_author_edits_review_by_patch(shopper_api, shopper, product):
    review, _ = services.review_post(author=shopper, product=product, rating=3)
    tag = product.category.aspect_tags.last()
    resp = shopper_api.patch(f"/api/reviews/{review.pk}/", {"tags": [tag.pk], "text": "做工一般"}, format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert (body["rating"], body["text"], body["language"]) == (3, "做工一般", "zh")
    assert [t["slug"] for t in body["tags"]] == ["flimsy"]
    resp = shopper_api.patch(f"/api/reviews/{review.pk}/", {"rating": 1}, format="json")
    assert resp.json()["rating"] == 1 and resp.json()["text"] == "做工一般"
    err = _error(shopper_api.patch(f"/api/reviews/{review.pk}/", {"rating": 7}, format="json"), 400)
    assert "rating" in err["fields"]
    review.refresh_from_db()
    assert review.rating == 1


def test_only_the_author_may_patch(api, other_api, shopper, product):
    review, _ = services.review_post(author=shopper, product=product, rating=3)
    _error(other_api.patch(f"/api/reviews/{review.pk}/", {"rating": 1}, format="json"), 403)
    _error(api.patch(f"/api/reviews/{review.pk}/", {"rating": 1}, format="json"), 401)
    _error(other_api.patch(f"/api/reviews/{review.pk + 100}/", {"rating": 1}, format="json"), 404)
    review.refresh_from_db()
    assert review.rating == 3


def test_removed_review_cannot_be_edited(shopper_api, shopper, product):
    review, _ = services.review_post(author=shopper, product=product, rating=3)
    _set_status(review, Review.Status.REMOVED)
    _error(shopper_api.patch(f"/api/reviews/{review.pk}/", {"rating": 5}, format="json"), 403)
    _error(shopper_api.post("/api/reviews/", {"product": product.slug, "rating": 5}, format="json"), 403)
    review.refresh_from_db()
    assert review.rating == 3


# --- photos ------------------------------------------------------------------------------------------


@pytest.fixture
def own_review(shopper, product):
    return services.review_post(author=shopper, product=product, rating=5)[0]


def _upload(client, review, content, name="photo.jpg", content_type="image/jpeg"):
    return client.post(
        f"/api/reviews/{review.pk}/photos/", {"image": SimpleUploadedFile(name, content, content_type)}
    )


def test_photo_upload_stores_a_clean_image(shopper_api, own_review, jpeg_bytes, settings):
    resp = _upload(shopper_api, own_review, jpeg_bytes)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    photo = ReviewPhoto.objects.get()
    assert body["id"] == photo.pk and (body["width"], body["height"]) == (64, 48)
    assert body["url"] == "http://testserver" + photo.image.url
    assert (settings.MEDIA_ROOT / photo.image.name).is_file()
    own_review.refresh_from_db()
    assert own_review.has_photos
    card = shopper_api.get(f"/api/reviews/{own_review.pk}/").json()
    assert [p["id"] for p in card["photos"]] == [photo.pk]


@pytest.mark.parametrize(
    "case, code",
    [
        ("fake", "image_invalid"),
        ("empty", "image_empty"),
        ("too_large", "image_too_large"),
        ("too_many_pixels", "image_too_many_pixels"),
        ("pdf", "image_invalid"),
    ],
)
def test_bad_photo_is_refused_and_nothing_is_stored(shopper_api, own_review, jpeg_bytes, settings, case, code):
    content = {
        "fake": b"GIF89a this is not really an image",
        "empty": b"",
        "too_large": jpeg_bytes,
        "too_many_pixels": jpeg_bytes,
        "pdf": b"%PDF-1.4\n%...",
    }[case]
    if case == "too_large":
        settings.COCREATE_IMAGE_MAX_BYTES = 100
    if case == "too_many_pixels":
        settings.COCREATE_IMAGE_MAX_PIXELS = 64 * 48 - 1
    err = _error(_upload(shopper_api, own_review, content), 400)
    assert err["code"] == code and "image" in err["fields"]
    assert not ReviewPhoto.objects.exists()
    assert _media_files(settings) == []
    own_review.refresh_from_db()
    assert not own_review.has_photos


def test_photo_upload_needs_a_file_and_multipart(shopper_api, own_review):
    err = _error(shopper_api.post(f"/api/reviews/{own_review.pk}/photos/", {}), 400)
    assert "image" in err["fields"]
    err = _error(shopper_api.post(f"/api/reviews/{own_review.pk}/photos/", {"image": "x"}, format="json"), 415)
    assert err["code"] == "unsupported_media_type"


def test_photo_on_someone_elses_review(api, other_api, own_review, jpeg_bytes, settings):
    _error(_upload(other_api, own_review, jpeg_bytes), 403)
    _error(_upload(api, own_review, jpeg_bytes), 401)
    _error(other_api.post("/api/reviews/999999/photos/", {"image": SimpleUploadedFile("a.jpg", jpeg_bytes)}), 404)
    assert not ReviewPhoto.objects.exists() and _media_files(settings) == []


def test_photo_limit_is_a_field_error(shopper_api, own_review, jpeg_bytes, settings):
    settings.COCREATE_REVIEW_MAX_PHOTOS = 1
    assert _upload(shopper_api, own_review, jpeg_bytes).status_code == 201
    err = _error(_upload(shopper_api, own_review, jpeg_bytes), 400)
    assert err["code"] == "too_many_photos"
    assert ReviewPhoto.objects.count() == 1


def test_photo_remove(shopper_api, other_api, own_review, jpeg_bytes, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):  # screened and published again
        photo_id = _upload(shopper_api, own_review, jpeg_bytes).json()["id"]
    url = f"/api/reviews/{own_review.pk}/photos/{photo_id}/"
    _error(other_api.delete(url), 403)
    _error(shopper_api.delete(f"/api/reviews/{own_review.pk}/photos/{photo_id + 1}/"), 404)
    _error(shopper_api.delete(f"/api/reviews/{own_review.pk}/photos/{10**30}/"), 404)
    with django_capture_on_commit_callbacks(execute=True):
        resp = shopper_api.delete(url)
    assert resp.status_code == 204
    assert not ReviewPhoto.objects.exists() and _media_files(settings) == []
    own_review.refresh_from_db()
    assert not own_review.has_photos


# --- helpful votes ------------------------------------------------------------------------------------


@pytest.fixture
def own_written_review(shopper, product):
    return factories.review_with_words(author=shopper, product=product)


def test_helpful_vote_cast_change_withdraw(other_api, own_written_review):
    own_review = own_written_review
    url = f"/api/reviews/{own_review.pk}/helpful/"
    resp = other_api.post(url, {"helpful": True}, format="json")
    assert resp.json() == {"id": own_review.pk, "helpful_count": 1, "not_helpful_count": 0, "vote": True}
    resp = other_api.post(url, {"helpful": False}, format="json")
    assert resp.json() == {"id": own_review.pk, "helpful_count": 0, "not_helpful_count": 1, "vote": False}
    card = other_api.get(f"/api/reviews/{own_review.pk}/").json()
    assert card["my_vote"] is False and card["not_helpful_count"] == 1
    resp = other_api.delete(url)
    assert resp.json() == {"id": own_review.pk, "helpful_count": 0, "not_helpful_count": 0, "vote": None}
    assert not HelpfulVote.objects.exists()


def test_helpful_vote_errors(api, shopper_api, other_api, own_written_review, shopper, other_shopper, product):
    own_review = own_written_review
    url = f"/api/reviews/{own_review.pk}/helpful/"
    assert _error(shopper_api.post(url, {"helpful": True}, format="json"), 403)["code"] == "own_review"
    _error(api.post(url, {"helpful": True}, format="json"), 401)
    assert "helpful" in _error(other_api.post(url, {}, format="json"), 400)["fields"]
    assert "helpful" in _error(other_api.post(url, {"helpful": "perhaps"}, format="json"), 400)["fields"]
    # A form post without the field is missing, not "false".
    assert "helpful" in _error(other_api.post(url, {}), 400)["fields"]
    _error(other_api.post("/api/reviews/999999/helpful/", {"helpful": True}, format="json"), 404)
    _error(other_api.post(f"/api/reviews/{10**30}/helpful/", {"helpful": True}, format="json"), 404)
    _set_status(own_review, Review.Status.PENDING)
    _error(other_api.post(url, {"helpful": True}, format="json"), 404)
    assert not HelpfulVote.objects.exists()


def test_helpful_vote_on_a_rating_alone_is_refused(other_api, own_review, shopper, product):
    """A star rating without text or photos has nothing to judge: 400, nothing stored; once the
    author adds words it can be voted on, and a vote left on it can always be withdrawn."""
    url = f"/api/reviews/{own_review.pk}/helpful/"
    error = _error(other_api.post(url, {"helpful": True}, format="json"), 400)
    assert error["code"] == "nothing_to_judge" and error["message"]  # the message is in the request's language
    assert not HelpfulVote.objects.exists()
    card = other_api.get(f"/api/reviews/{own_review.pk}/").json()
    assert card["has_content"] is False
    # Words added (and published): now it can be judged.
    factories.review_with_words(author=shopper, product=product, text="Keeps tea hot.")
    assert other_api.post(url, {"helpful": True}, format="json").json()["vote"] is True
    # The words deleted again: the vote left on it can still be withdrawn, not changed.
    services.review_post(author=shopper, product=product, rating=5, text="")
    assert _error(other_api.post(url, {"helpful": False}, format="json"), 400)["code"] == "nothing_to_judge"
    assert other_api.delete(url).json()["vote"] is None
    assert not HelpfulVote.objects.exists()


# --- the current user ------------------------------------------------------------------------------------


def test_me_needs_sign_in(api):
    assert _error(api.get("/api/me/"), 401)["code"] == "not_authenticated"
    _error(api.patch("/api/me/", {"display_name": "x"}, format="json"), 401)


def test_me_shows_and_updates_profile(shopper_api, shopper, product):
    services.review_post(author=shopper, product=product, rating=4)
    body = shopper_api.get("/api/me/").json()
    assert body["id"] == shopper.pk and body["email"] == shopper.email
    assert body["review_count"] == 1 and body["avatar_url"] is None and body["level"]["number"] == 1

    resp = shopper_api.patch("/api/me/", {"display_name": "  小红  ", "timezone": "Europe/Paris"}, format="json")
    assert resp.status_code == 200, resp.content
    assert (resp.json()["display_name"], resp.json()["timezone"]) == ("小红", "Europe/Paris")
    shopper.refresh_from_db()
    assert shopper.display_name == "小红"

    err = _error(shopper_api.patch("/api/me/", {"display_name": "x" * 41}, format="json"), 400)
    assert "display_name" in err["fields"]
    assert "timezone" in _error(shopper_api.patch("/api/me/", {"timezone": "Mars/Base"}, format="json"), 400)["fields"]


def test_me_avatar_upload(shopper_api, shopper, png_bytes, settings):
    def patch(content):
        data = encode_multipart(BOUNDARY, {"avatar": SimpleUploadedFile("me.png", content, "image/png")})
        return shopper_api.patch("/api/me/", data, content_type=f"multipart/form-data; boundary={BOUNDARY}")

    err = _error(patch(b"not an image"), 400)
    assert "avatar" in err["fields"] and _media_files(settings) == []
    resp = patch(png_bytes)
    assert resp.status_code == 200, resp.content
    shopper.refresh_from_db()
    assert resp.json()["avatar_url"] == "http://testserver" + shopper.avatar.url


# --- token auth ------------------------------------------------------------------------------------------


def test_token_auth(api, shopper):
    resp = api.post("/api/auth/token/", {"email": shopper.email, "password": "pass12345!"}, format="json")
    assert resp.status_code == 200, resp.content
    token = resp.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").json()["email"] == shopper.email
    # Same token on a second log-in.
    again = api.post("/api/auth/token/", {"email": shopper.email.upper(), "password": "pass12345!"}, format="json")
    assert again.json()["token"] == token

    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    _error(client.get("/api/me/"), 401)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"email": "user@example.com", "password": "wrong"}, "non_field_errors"),
        ({"email": "nobody@example.com", "password": "pass12345!"}, "non_field_errors"),
        ({"email": "not-an-email", "password": "x"}, "email"),
        ({"password": "x"}, "email"),
        ({"email": "user@example.com"}, "password"),
    ],
)
def test_token_auth_refuses_bad_credentials(api, payload, field):
    factories.UserFactory(email="user@example.com")
    err = _error(api.post("/api/auth/token/", payload, format="json"), 400)
    assert field in err["fields"]


def test_inactive_user_gets_no_token(api):
    user = factories.UserFactory(is_active=False)
    _error(api.post("/api/auth/token/", {"email": user.email, "password": "pass12345!"}, format="json"), 400)


# --- throttling -----------------------------------------------------------------------------------------


def test_writes_are_throttled_with_json_429(shopper_api, product, monkeypatch):
    # DRF reads rates into the class at import time, so patch the class attribute.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000/min", "user": "1000/min", "writes": "2/min"}
    )
    for rating in (3, 4):
        resp = shopper_api.post("/api/reviews/", {"product": product.slug, "rating": rating}, format="json")
        assert resp.status_code in (200, 201)
    err = _error(shopper_api.post("/api/reviews/", {"product": product.slug, "rating": 5}, format="json"), 429)
    assert err["code"] == "throttled" and err["retry_after"] > 0
    # Reads are not counted against the writes budget.
    assert shopper_api.get(f"/api/products/{product.slug}/reviews/").status_code == 200


def test_anonymous_reads_are_throttled(api, product, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "1000/min", "writes": "1000/min"}
    )
    for _ in range(3):
        assert api.get("/api/products/").status_code == 200
    assert _error(api.get("/api/products/"), 429)["code"] == "throttled"


def test_token_endpoint_is_throttled(api, shopper, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000/min", "user": "1000/min", "writes": "3/min"}
    )
    for _ in range(3):
        _error(api.post("/api/auth/token/", {"email": shopper.email, "password": "guess"}, format="json"), 400)
    _error(api.post("/api/auth/token/", {"email": shopper.email, "password": "pass12345!"}, format="json"), 429)


# --- schema and docs -------------------------------------------------------------------------------------


def test_schema_and_docs(api):
    resp = api.get("/api/schema/")
    assert resp.status_code == 200
    schema = resp.content.decode()
    for path in ["/api/products/{slug}/reviews/", "/api/reviews/{review_id}/photos/", "/api/auth/token/", "/api/me/"]:
        assert path in schema
    assert api.get("/api/docs/").status_code == 200
