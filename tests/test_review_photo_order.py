"""Review photos in the author's chosen order (issue 15, item 6): the service, the review form
(the photo picker posts photo_order and remove_photos; without JavaScript new photos go last)
and the API. Photos are told apart by their width."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from community import services
from community.models import Review, ReviewPhoto
from core.errors import ServiceError
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


def upload(width, name=None):
    data = factories.image_bytes("PNG", size=(width, 40))
    return SimpleUploadedFile(name or f"w{width}.png", data, content_type="image/png")


def widths(review):
    return [photo.width for photo in ReviewPhoto.objects.filter(review=review)]  # the model's ordering


@pytest.fixture
def review(shopper, product):
    review, _ = services.review_post(author=shopper, product=product, rating=4)
    for width in (40, 50, 60):
        services.review_photo_add(author=shopper, review=review, upload=upload(width))
    return review


def photo_ids(review):
    return {photo.width: photo.pk for photo in review.photos.all()}


# --- the service ---------------------------------------------------------------------------------------


def test_new_photos_go_last_and_reorder_puts_them_in_the_given_order(shopper, review):
    assert widths(review) == [40, 50, 60]
    ids = photo_ids(review)
    order = services.review_photos_reorder(author=shopper, review_id=review.pk, photo_ids=[ids[60], ids[40]])
    assert order == [ids[60], ids[40], ids[50]]  # left out: follows in its old order
    assert widths(review) == [60, 40, 50]
    services.review_photo_add(author=shopper, review=review, upload=upload(70))
    assert widths(review) == [60, 40, 50, 70]
    # Asking again for the order it is in changes nothing.
    before = list(ReviewPhoto.objects.filter(review=review).values_list("id", "position"))
    services.review_photos_reorder(author=shopper, review_id=review.pk, photo_ids=[ids[60], ids[40]])
    assert list(ReviewPhoto.objects.filter(review=review).values_list("id", "position")) == before


def test_reorder_refuses_other_photos_and_other_authors(shopper, other_shopper, product, review):
    theirs, _ = services.review_post(author=other_shopper, product=product, rating=2)
    foreign = services.review_photo_add(author=other_shopper, review=theirs, upload=upload(90))
    with pytest.raises(ServiceError) as error:
        services.review_photos_reorder(author=shopper, review_id=review.pk, photo_ids=[foreign.pk])
    assert error.value.code == "photo_order_invalid" and "photo_ids" in error.value.fields
    with pytest.raises(ServiceError) as error:
        services.review_photos_reorder(author=other_shopper, review_id=review.pk, photo_ids=[])
    assert error.value.status_code == 404
    assert widths(review) == [40, 50, 60]


# --- the review form ---------------------------------------------------------------------------------


def details_url(product):
    return f"/products/{product.slug}/review/"


def test_form_stores_the_pickers_order_with_removals_and_new_photos(client, shopper, product, review):
    client.force_login(shopper)
    ids = photo_ids(review)
    # Tiles: new 80, stored 60, new 70, stored 40; stored 50 removed.
    resp = client.post(details_url(product), {
        "rating": "4",
        "photos": [upload(80), upload(70)],
        "photo_order": f"n0,p{ids[60]},n1,p{ids[40]}",
        "remove_photos": [ids[50]],
    })
    assert resp.status_code == 302, resp.content.decode()
    assert widths(review) == [80, 60, 70, 40]
    review.refresh_from_db()
    assert review.has_photos


def test_form_without_order_keeps_stored_order_and_adds_new_photos_last(client, shopper, product, review):
    """What the page sends without JavaScript: the stored order, and the plain file input."""
    client.force_login(shopper)
    page = client.get(details_url(product)).content.decode()
    ids = photo_ids(review)
    assert f'name="photo_order" value="p{ids[40]},p{ids[50]},p{ids[60]}"' in page
    assert page.count('name="remove_photos"') == 3
    resp = client.post(details_url(product), {"rating": "4", "photos": [upload(80)],
                                              "photo_order": f"p{ids[40]},p{ids[50]},p{ids[60]}"})
    assert resp.status_code == 302
    assert widths(review) == [40, 50, 60, 80]


def test_form_removal_makes_room_under_the_limit(client, shopper, product, review, settings):
    settings.COCREATE_REVIEW_MAX_PHOTOS = 3
    client.force_login(shopper)
    ids = photo_ids(review)
    resp = client.post(details_url(product), {"rating": "4", "photos": [upload(80)], "remove_photos": [ids[40]],
                                              "photo_order": f"n0,p{ids[50]},p{ids[60]}"})
    assert resp.status_code == 302
    assert widths(review) == [80, 50, 60]


def test_form_refuses_an_unreadable_order_and_foreign_photos(client, shopper, other_shopper, product, review):
    client.force_login(shopper)
    resp = client.post(details_url(product), {"rating": "4", "photo_order": "p1,<script>"})
    assert resp.status_code == 400
    assert "The order of the photos could not be read." in resp.content.decode()
    theirs, _ = services.review_post(author=other_shopper, product=product, rating=2)
    foreign = services.review_photo_add(author=other_shopper, review=theirs, upload=upload(90))
    resp = client.post(details_url(product), {"rating": "4", "remove_photos": [foreign.pk]})
    assert resp.status_code == 400
    assert "field-error" in resp.content.decode()
    resp = client.post(details_url(product), {"rating": "4", "photo_order": f"p{foreign.pk}"})
    assert resp.status_code == 400
    assert f"Photo {foreign.pk} is not one of this review" in resp.content.decode()
    assert widths(review) == [40, 50, 60] and theirs.photos.count() == 1


def test_a_failed_new_photo_drops_out_of_the_order(client, shopper, product, review):
    client.force_login(shopper)
    ids = photo_ids(review)
    broken = SimpleUploadedFile("broken.png", b"not an image", content_type="image/png")
    resp = client.post(details_url(product), {"rating": "4", "photos": [broken, upload(80)],
                                              "photo_order": f"n1,p{ids[60]},n0,p{ids[40]},p{ids[50]}"})
    assert resp.status_code == 400
    assert "Photo 1 (broken.png) was not added" in resp.content.decode()
    assert widths(review) == [80, 60, 40, 50]


def test_review_card_shows_photos_in_order(client, shopper, product, review):
    ids = photo_ids(review)
    services.review_photos_reorder(author=shopper, review_id=review.pk, photo_ids=[ids[60], ids[50], ids[40]])
    services.review_moderate(review_id=review.pk, status=Review.Status.PUBLISHED)
    services.product_stats_refresh(product_id=product.pk)  # on commit, in the running site
    body = client.get(f"/products/{product.slug}/").content.decode()
    card = body[body.index(f'id="review-{review.pk}"'):]
    urls = [ReviewPhoto.objects.get(pk=ids[w]).image.url for w in (60, 50, 40)]
    positions = [card.index(url) for url in urls]
    assert positions == sorted(positions)


# --- the API -----------------------------------------------------------------------------------------


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_api_orders_photos(shopper, other_shopper, review):
    ids = photo_ids(review)
    url = f"/api/reviews/{review.pk}/photos/order/"
    resp = token_client(shopper).put(url, {"photo_ids": [ids[50], ids[60], ids[40]]}, format="json")
    assert resp.status_code == 200
    assert [p["id"] for p in resp.json()["photos"]] == [ids[50], ids[60], ids[40]]
    assert [p["width"] for p in token_client(shopper).get(f"/api/reviews/{review.pk}/").json()["photos"]] == [
        50, 60, 40
    ]
    resp = token_client(shopper).put(url, {"photo_ids": [10**6]}, format="json")
    assert resp.status_code == 400 and "photo_ids" in resp.json()["error"]["fields"]
    resp = token_client(shopper).put(url, {"photo_ids": "first"}, format="json")
    assert resp.status_code == 400 and "photo_ids" in resp.json()["error"]["fields"]
    Review.objects.filter(pk=review.pk).update(status=Review.Status.PUBLISHED)  # visible to others
    assert token_client(other_shopper).put(url, {"photo_ids": []}, format="json").status_code == 403
    assert APIClient().put(url, {"photo_ids": []}, format="json").status_code == 401
    assert widths(review) == [50, 60, 40]
