"""The review card's written-out ``to_representation`` (the fast path of the review list and
detail API) must answer byte for byte what DRF's generic field-by-field path answers."""
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from community import services
from community.api.serializers import ReviewOutputSerializer
from community.models import AspectTag, HelpfulVote, Review, ReviewPhoto
from community.privacy import services as privacy_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(product):
    viewer = factories.UserFactory(display_name="Viewer")
    tags = [AspectTag.objects.create(category=product.category, slug=f"t{i}", label_zh=f"标签{i}",
                                     label_en=f"Tag {i}", negative=i == 1, position=i) for i in range(3)]
    now = timezone.now()
    own = Review.objects.create(product=product, author=viewer, rating=2, text="还在审核的评价 <b>x</b>",
                                status=Review.Status.PENDING, status_reason="Waiting for a moderator",
                                incentive=Review.Incentive.FREE_SAMPLE, has_photos=True,
                                created_at=now - timedelta(days=3), edited_at=now - timedelta(hours=2))
    own.tags.set(tags[:2])
    ReviewPhoto.objects.create(review=own, image="reviews/2026/12/a.jpg", thumbnail="reviews/thumbs/2026/12/a.jpg",
                               width=1200, height=900, position=1)
    ReviewPhoto.objects.create(review=own, image="reviews/2026/12/b.png", width=640, height=640, position=0)
    star = Review.objects.create(product=product, author=factories.UserFactory(display_name=""), rating=5, text="",
                                 language=Review.Language.EN, published_at=now, created_at=now - timedelta(days=1))
    erased = factories.UserFactory(username="deleted-42", is_active=False, display_name="")
    gone = Review.objects.create(product=product, author=erased, rating=1, text="Broke in a week.",
                                 language=Review.Language.EN, published_at=now, helpful_count=3,
                                 not_helpful_count=1, created_at=now - timedelta(days=2))
    gone.tags.set([tags[1]])
    public = factories.UserFactory(display_name="阿花")
    privacy_services.consent_set(user=public, purpose="public_profile", granted=True, method="settings")
    other = Review.objects.create(product=product, author=public, rating=4,
                                  text="保温效果很好。", published_at=now, helpful_count=1, created_at=now)
    HelpfulVote.objects.create(review=other, user=viewer, helpful=True)
    HelpfulVote.objects.create(review=gone, user=viewer, helpful=False)
    services.product_stats_refresh(product_id=product.pk)  # the list's counts come from these caches
    return viewer, [own, star, gone, other]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_fast_cards_equal_the_generic_ones(client, product, varied, monkeypatch, language):
    viewer, reviews = varied
    token = Token.objects.create(user=viewer).key
    urls = [f"/api/products/{product.slug}/reviews/", f"/api/products/{product.slug}/reviews/?content=all",
            f"/api/products/{product.slug}/reviews/?sort=photos"] + [f"/api/reviews/{r.pk}/" for r in reviews]
    headers = {"HTTP_AUTHORIZATION": f"Token {token}", "HTTP_ACCEPT_LANGUAGE": language}

    def bodies():
        out = []
        for url in urls:
            resp = client.get(url, **headers)
            assert resp.status_code in (200, 404), (url, resp.status_code)
            out.append((url, resp.status_code, resp.content))
        return out

    fast = bodies()
    monkeypatch.setattr(ReviewOutputSerializer, "to_representation", ReviewOutputSerializer.generic_representation)
    generic = bodies()
    assert fast == generic
    # The pages did show the varied cards: photos, tags, the erased author, the viewer's votes.
    listing = fast[1][2].decode()
    assert listing.count('"rating":') == 4
    for needle in ('"thumbnail_url":"http://testserver/media/reviews/thumbs/2026/12/a.jpg"', '"negative":true',
                   '"my_vote":true', '"my_vote":false', '"is_own":true', '"status_reason":"Waiting for a moderator"',
                   '"incentive":"free_sample"', '"level":null', '"level":{"number":1'):
        assert needle in listing, needle
