"""Review cards show the author's level and badges only when the author consented to a public
profile (privacy: both are part of the profile); otherwise the display name alone. On the
product page (fragments and the anonymous microcache), the home feed and the review list API;
a change of consent shows on the next request, and the query budgets stay as they were.
"""
import re

import pytest
from django.test import TestCase
from rest_framework.test import APIClient

from community.models import Review
from community.privacy import services as privacy_services
from community.privacy.models import ConsentRecord
from gamification.badges import badge_grant
from gamification.models import Badge
from tests import factories
from tests.test_pages import (
    PRODUCT_PAGE_QUERIES_ANONYMOUS,
    add_bulk_reviews,
    product_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


def consent(user, granted):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the page caches are told on commit
        privacy_services.consent_set(user=user, purpose="public_profile", granted=granted, method="settings")


@pytest.fixture
def author(product):
    """A private author (the default) with a badge and a published review with words."""
    user = factories.UserFactory(display_name="Quiet Quinn")
    badge = Badge.objects.create(slug="first-photo", name_zh="第一张照片", name_en="First photo",
                                 criterion="reviews_with_photos", params={"n": 1}, icon_emoji="📷")
    badge_grant(user_id=user.pk, badge=badge, notify=False, email=False)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the product's counts, which its lists go by
        factories.review_with_words(author=user, product=product, rating=4)
    return user


# A level shown as text ("Lv3 · ..."); a bare "Lv" can occur in a random CSRF token in the card.
LEVEL_TEXT = re.compile(r">\s*Lv\d")


def card_of(html, user):
    start = html.index('class="review-card')
    end = html.index("</article>", start)
    card = html[start:end]
    assert user.public_name in card
    return card


def test_private_author_card_shows_the_name_only(client, product, author):
    card = card_of(client.get(product_url(product)).content.decode(), author)
    assert 'class="level"' not in card and not LEVEL_TEXT.search(card)
    assert "badge-chip" not in card


def test_public_author_card_shows_level_and_badges(client, product, author):
    consent(author, True)
    card = card_of(client.get(product_url(product)).content.decode(), author)
    assert 'class="level">Lv1' in card
    assert "badge-chip" in card and "First photo" in card


@pytest.mark.parametrize("signed_in", [False, True])
def test_consent_flip_changes_the_card_at_once(client, product, author, shopper, signed_in):
    """The anonymous page is cached whole for a few seconds and every card as a fragment: a
    change of consent is visible on the very next request, both ways."""
    if signed_in:
        client.force_login(shopper)
    url = product_url(product) + "?sort=newest"
    assert "badge-chip" not in card_of(client.get(url).content.decode(), author)
    assert "badge-chip" not in card_of(client.get(url).content.decode(), author)  # now from the caches
    consent(author, True)
    assert "badge-chip" in card_of(client.get(url).content.decode(), author)
    consent(author, False)
    card = card_of(client.get(url).content.decode(), author)
    assert "badge-chip" not in card and not LEVEL_TEXT.search(card)


def test_home_feed_follows_consent(client, product, author):
    assert "badge-chip" not in card_of(client.get("/").content.decode(), author)
    consent(author, True)
    assert "badge-chip" in card_of(client.get("/").content.decode(), author)


def test_review_list_api_level_only_with_consent_and_not_stale(product, author):
    api = APIClient()
    url = f"/api/products/{product.slug}/reviews/"

    def level():
        (card,) = api.get(url).json()["results"]
        assert card["author"]["name"] == author.public_name
        return card["author"]["level"]

    assert level() is None
    assert level() is None  # the anonymous list is cached for a few seconds
    consent(author, True)
    assert level()["number"] == 1
    consent(author, False)
    assert level() is None


def _half_public(reviews):
    ConsentRecord.objects.bulk_create([
        ConsentRecord(user_id=r.author_id, purpose="public_profile", granted=True, method="settings")
        for r in reviews[::2]
    ])


@pytest.mark.parametrize("n", [5, 500])
def test_product_page_query_count_with_public_and_private_authors(client, product, django_assert_num_queries, n):
    _half_public(add_bulk_reviews(product, n))
    with django_assert_num_queries(PRODUCT_PAGE_QUERIES_ANONYMOUS):
        html = client.get(product_url(product), {"sort": "newest"}).content.decode()
    assert html.count('class="review-card') == min(n, 10)
    assert html.count('<span class="level">') == (min(n, 10) + 1) // 2  # newest first: every other author


@pytest.mark.parametrize("n", [5, 500])
def test_review_list_api_query_count_with_public_and_private_authors(product, django_assert_num_queries, n):
    _half_public(add_bulk_reviews(product, n))
    with django_assert_num_queries(5):  # product, page (authors and consent in it), tags, photos, levels
        body = APIClient().get(f"/api/products/{product.slug}/reviews/?sort=newest").json()
    levels = [r["author"]["level"] for r in body["results"]]
    assert len(levels) == min(n, 20)
    assert [lv is not None for lv in levels] == [i % 2 == 0 for i in range(len(levels))]
    assert Review.objects.count() == n
