import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from community import services
from community.models import HelpfulVote, Review
from core.errors import PermissionDeniedError, ServiceError
from core.stats import wilson_lower_bound
from tests import factories

pytestmark = pytest.mark.django_db


def test_star_tap_publishes_rating_only_review(shopper, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review, created = services.review_post(author=shopper, product=product, rating=4)
    assert created and review.status == Review.Status.PUBLISHED
    product.refresh_from_db()
    assert (product.rating_count, product.rating_sum, product.rating_histogram) == (1, 4, [0, 0, 0, 1, 0])


def test_posting_again_updates_the_one_review(shopper, product):
    services.review_post(author=shopper, product=product, rating=2)
    review, created = services.review_post(author=shopper, product=product, rating=5, text="用了两周，很好")
    assert not created
    assert Review.objects.filter(author=shopper, product=product).count() == 1
    assert review.rating == 5 and review.text == "用了两周，很好" and review.edited_at is not None


@pytest.mark.parametrize("rating", [0, 6, "x", None, -1])
def test_bad_rating_is_a_field_error(shopper, product, rating):
    with pytest.raises(ServiceError) as err:
        services.review_post(author=shopper, product=product, rating=rating)
    assert "rating" in err.value.fields
    assert not Review.objects.exists()


def test_tags_of_another_category_are_refused(shopper, product):
    other = factories.CategoryFactory()
    with pytest.raises(ServiceError) as err:
        services.review_post(author=shopper, product=product, rating=5, tag_ids=[other.aspect_tags.first().pk])
    assert "tags" in err.value.fields


def test_text_review_is_pending_until_screened_then_published(shopper, product, django_capture_on_commit_callbacks):
    review, _ = services.review_post(author=shopper, product=product, rating=5, text="用了两周，保温效果很好")
    assert review.status == Review.Status.PENDING  # hidden from others until screening decides
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = services.review_post(author=shopper, product=product, rating=5, text="用了三周，保温效果很好")
    review.refresh_from_db()
    assert review.status == Review.Status.PUBLISHED


def test_helpful_votes_count_from_rows_and_not_on_own_review(
    shopper, other_shopper, product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = services.review_post(author=shopper, product=product, rating=5, text="nice and warm")
    with pytest.raises(PermissionDeniedError):
        services.review_vote_helpful(user=shopper, review_id=review.pk, helpful=True)
    services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=True)
    services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=True)
    review.refresh_from_db()
    assert review.helpful_count == 1 and HelpfulVote.objects.count() == 1
    services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=False)
    review.refresh_from_db()
    assert (review.helpful_count, review.not_helpful_count) == (0, 1)
    services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=None)
    review.refresh_from_db()
    assert (review.helpful_count, review.not_helpful_count, HelpfulVote.objects.count()) == (0, 0, 0)


def test_wilson_lower_bound_edges():
    assert wilson_lower_bound(0, 0) == 0.0
    assert 0 < wilson_lower_bound(1, 1) < wilson_lower_bound(10, 10) < 1
    assert wilson_lower_bound(5, 10) < wilson_lower_bound(50, 100)


def test_photo_is_reencoded_and_thumbnailed(shopper, product, jpeg_bytes, django_capture_on_commit_callbacks):
    review, _ = services.review_post(author=shopper, product=product, rating=5)
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.review_photo_add(
            author=shopper, review=review, upload=SimpleUploadedFile("a.jpg", jpeg_bytes, "image/jpeg")
        )
    photo.refresh_from_db()
    assert photo.thumbnail and (photo.width, photo.height) == (64, 48)
    review.refresh_from_db()
    assert review.has_photos


def test_fake_image_stores_nothing(shopper, product, settings):
    review, _ = services.review_post(author=shopper, product=product, rating=5)
    with pytest.raises(ServiceError) as err:
        services.review_photo_add(
            author=shopper, review=review, upload=SimpleUploadedFile("a.jpg", b"<?php echo 1; ?>", "image/jpeg")
        )
    assert err.value.code == "image_invalid"
    assert review.photos.count() == 0
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_counters_rebuild_is_a_no_op_on_healthy_data_and_fixes_drift(
    shopper, other_shopper, product, django_capture_on_commit_callbacks
):
    from community.counters import counters_rebuild

    with django_capture_on_commit_callbacks(execute=True):
        review, _ = services.review_post(author=shopper, product=product, rating=5, text="good and warm")
    services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=True)
    assert counters_rebuild() == 0
    Review.objects.filter(pk=review.pk).update(helpful_count=99)
    assert counters_rebuild() == 1
    review.refresh_from_db()
    assert review.helpful_count == 1
