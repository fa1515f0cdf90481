"""The product page's shared fragments (community/pagecache.py, issue 16): review cards and the
rating summary are rendered once per version and shared by every viewer; what is personal
(the viewer's own card, their votes, the CSRF token, the page's path) is filled per request.
A vote, an edit or a moderation decision shows for everyone on the next request."""
import re

import pytest
from django.core.cache import cache

from community import pagecache, services
from community.models import Review
from tests import factories
from tests.test_pages import add_bulk_reviews, product_url

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def card(html, review):
    start = html.index(f'id="review-{review.pk}"')
    return html[start:html.index("</article>", start)]


def test_cards_from_the_cache_equal_live_cards(client, product, shopper):
    reviews = add_bulk_reviews(product, 12)
    # Star-only ratings too (their rows are one fragment), and the viewer's votes both ways.
    for i in range(3):
        Review.objects.create(product=product, author=factories.UserFactory(), rating=2 + i, text="")
    services.product_stats_refresh(product_id=product.pk)
    services.review_vote_helpful(user=shopper, review_id=reviews[-1].pk, helpful=True)
    services.review_vote_helpful(user=shopper, review_id=reviews[-2].pk, helpful=False)
    client.force_login(shopper)
    cold = client.get(product_url(product), {"sort": "newest"}).content.decode()
    warm = client.get(product_url(product), {"sort": "newest"}).content.decode()
    assert CSRF.sub("", cold) == CSRF.sub("", warm)
    # The live template, with fragments switched off, renders the same page.
    cache.clear()
    original = pagecache.review_cards_attach
    try:
        pagecache_off = lambda request, reviews, **kw: reviews
        from community import views

        views.review_cards_attach = pagecache_off
        views.rating_rows_html = lambda request, rows, **kw: None
        live = client.get(product_url(product), {"sort": "newest"}).content.decode()
    finally:
        views.review_cards_attach = original
        views.rating_rows_html = pagecache.rating_rows_html
    assert 'aria-pressed="true"' in warm and 'class="rating-row' in warm
    assert CSRF.sub("", live) == CSRF.sub("", warm)


def test_token_and_path_are_filled_per_request(client, product, shopper, other_shopper):
    reviews = add_bulk_reviews(product, 3)
    client.force_login(shopper)
    html = client.get(product_url(product), {"sort": "newest", "page": "1"}).content.decode()
    assert pagecache.csrf_marker() not in html and pagecache.PATH_MARKER not in html
    one = card(html, reviews[0])
    assert f'value="{product_url(product)}?sort=newest&amp;page=1#review-{reviews[0].pk}"' in one
    from django.middleware.csrf import _unmask_cipher_token

    secrets = {_unmask_cipher_token(t) for t in CSRF.findall(html)}
    assert len(secrets) == 1  # the page's forms and the shared cards carry the viewer's real token
    other = factories.UserFactory()
    client.force_login(other)
    html2 = client.get(product_url(product), {"sort": "helpful"}).content.decode()
    assert f'value="{product_url(product)}?sort=helpful#review-{reviews[0].pk}"' in card(html2, reviews[0])


def test_a_vote_shows_for_everyone_at_once(client, product, shopper, other_shopper):
    reviews = add_bulk_reviews(product, 3)
    target = reviews[2]  # its cached count says 2 (bulk rows); one real vote recounts it to 1
    client.force_login(shopper)
    before = card(client.get(product_url(product)).content.decode(), target)
    assert 'data-count="helpful">2<' in before
    services.review_vote_helpful(user=other_shopper, review_id=target.pk, helpful=True)
    after = card(client.get(product_url(product)).content.decode(), target)
    assert 'data-count="helpful">1<' in after
    assert 'aria-pressed="true"' not in after  # shopper did not vote
    client.force_login(other_shopper)
    mine = card(client.get(product_url(product)).content.decode(), target)
    assert 'data-count="helpful">1<' in mine
    assert 'data-vote="1" class="vote-btn" aria-pressed="true"' in mine  # the voter's card is their own


def test_moderation_and_edits_show_at_once(client, product, shopper):
    reviews = add_bulk_reviews(product, 3)
    client.force_login(shopper)
    html = client.get(product_url(product)).content.decode()
    assert f'id="review-{reviews[0].pk}"' in html
    services.review_moderate(review_id=reviews[0].pk, status="removed", reason="spam")
    Review.objects.filter(pk=reviews[1].pk).update(text="Edited words")  # any change to what the card shows
    html = client.get(product_url(product)).content.decode()
    assert f'id="review-{reviews[0].pk}"' not in html
    assert "Edited words" in card(html, Review.objects.get(pk=reviews[1].pk))


def test_dates_in_shared_cards_follow_each_viewers_zone(client, product, shopper, other_shopper):
    import datetime

    from community.models import User

    reviews = add_bulk_reviews(product, 1)
    Review.objects.filter(pk=reviews[0].pk).update(
        created_at=datetime.datetime(2024, 1, 1, 20, 30, tzinfo=datetime.UTC))
    User.objects.filter(pk=shopper.pk).update(timezone="America/New_York")
    User.objects.filter(pk=other_shopper.pk).update(timezone="Asia/Shanghai")
    client.force_login(shopper)
    assert ">2024-01-01<" in client.get(product_url(product)).content.decode()
    client.force_login(other_shopper)
    assert ">2024-01-02<" in client.get(product_url(product)).content.decode()


@pytest.mark.parametrize("own_status", ["pending", "published", "rejected"])
def test_signed_in_api_count_comes_from_the_caches_plus_the_own_review(client, product, shopper, own_status):
    add_bulk_reviews(product, 4)
    own = Review.objects.create(product=product, author=shopper, rating=3, text="Mine, with words", status=own_status)
    services.product_stats_refresh(product_id=product.pk)
    client.force_login(shopper)
    body = client.get(f"/api/products/{product.slug}/reviews/", {"content": "with_content"}).json()
    listed = [r["id"] for r in body["results"]]
    assert own.pk in listed and body["count"] == len(listed) == 5
    body = client.get(f"/api/products/{product.slug}/reviews/", {"content": "rating_only"}).json()
    assert body["count"] == len(body["results"]) == 0
