"""Star-only ratings in the review feed (issue 15, item 5): counted in the summary, listed
collapsed on the product page, left out of the home feed, never votable; the list API's
``content`` filter; query budgets at two data sizes."""
import datetime
import re

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from rest_framework.test import APIClient

from community import selectors, services
from community.models import HelpfulVote, Product, Review, ReviewPhoto, User
from tests import factories

pytestmark = pytest.mark.django_db

Status = Review.Status


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


def product_url(product):
    return f"/products/{product.slug}/"


def add_mixed_reviews(product, n, *, prefix="mix"):
    """n published reviews by n new users: i % 3 == 0 text, 1 photos only, 2 a rating alone."""
    authors = User.objects.bulk_create(
        [
            User(username=f"{prefix}{product.pk}-{i}@example.com", email=f"{prefix}{product.pk}-{i}@example.com",
                 display_name=f"Mixed {i}")
            for i in range(n)
        ]
    )
    now = timezone.now()
    reviews = Review.objects.bulk_create(
        [
            Review(
                product=product,
                author=author,
                rating=(i % 5) + 1,
                text=f"Mixed review number {i}" if i % 3 == 0 else "",
                has_photos=i % 3 == 1,
                status=Status.PUBLISHED,
                published_at=now,
                created_at=now - datetime.timedelta(minutes=i),
            )
            for i, author in enumerate(authors)
        ]
    )
    ReviewPhoto.objects.bulk_create(
        [ReviewPhoto(review=r, image=f"reviews/mix-{r.pk}.jpg") for r in reviews if r.has_photos]
    )
    services.product_stats_refresh(product_id=product.pk)
    product.refresh_from_db()
    return reviews


def star_only_count(n):
    return len([i for i in range(n) if i % 3 == 2])


# --- selectors and caches ---------------------------------------------------------------------------


def test_content_filters_split_the_reviews(product):
    reviews = add_mixed_reviews(product, 9)
    written = {r.pk for r in reviews if r.has_content}
    alone = {r.pk for r in reviews if not r.has_content}
    assert len(written) == 6 and len(alone) == 3

    def ids(content):
        return {r.pk for r in selectors.review_list_for_product(product=product, content=content)}

    assert ids("with_content") == written
    assert ids("rating_only") == alone
    assert ids("all") == written | alone
    assert [r.pk for r in selectors.review_list_rating_only(product=product, limit=2)] == [
        r.pk for r in sorted((r for r in reviews if r.pk in alone), key=lambda r: r.created_at, reverse=True)
    ][:2]
    # The caches agree with the rows; star-only ratings still count in the average.
    assert (product.rating_count, product.content_review_count, product.rating_only_count) == (9, 6, 3)
    summary = selectors.product_rating_summary(product)
    assert (summary["count"], summary["with_content"], summary["rating_only"]) == (9, 6, 3)
    assert selectors.review_count_cached(product, content="with_content") == 6
    assert selectors.review_count_cached(product, content="rating_only") == 3
    assert selectors.review_count_cached(product, content="rating_only", photos_only=True) == 0
    assert selectors.review_count_cached(product, photos_only=True) == 3


def test_words_added_to_a_rating_move_it_out_of_the_collapsed_list(
    product, shopper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = services.review_post(author=shopper, product=product, rating=4)
    product.refresh_from_db()
    assert (product.rating_count, product.content_review_count) == (1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_post(author=shopper, product=product, rating=4, text="Sturdy and warm.")
        services.review_moderate(review_id=review.pk, status=Status.PUBLISHED)
    product.refresh_from_db()
    assert (product.rating_count, product.content_review_count, product.rating_only_count) == (1, 1, 0)


def test_migration_fills_the_cache_from_rows(product):
    add_mixed_reviews(product, 7)
    Product.objects.update(content_review_count=0)
    from importlib import import_module

    import_module("community.migrations.0013_content_review_count_photo_position").fill_content_review_count(
        django_apps, None
    )
    product.refresh_from_db()
    assert product.content_review_count == 7 - star_only_count(7)


def test_home_feed_leaves_out_ratings_alone(client, product, shopper, other_shopper):
    services.review_post(author=shopper, product=product, rating=5)
    written = factories.review_with_words(author=other_shopper, product=product, text="Lid never leaks.")
    assert [r.pk for r in selectors.review_list_recent()] == [written.pk]
    body = client.get("/").content.decode()
    assert "Lid never leaks." in body
    assert body.count('class="review-card') == 1


# --- the product page ---------------------------------------------------------------------------------


def _list_section(body):
    return body[body.index('id="reviews"'):]


def test_product_page_lists_written_reviews_and_collapses_ratings_alone(client, product):
    reviews = add_mixed_reviews(product, 9)
    body = client.get(product_url(product)).content.decode()
    section = _list_section(body)
    # The summary counts every rating; the list holds the six with text or photos.
    assert "9 ratings" in body
    cards = section[: section.index('<details class="rating-only"')]
    assert cards.count('class="review-card') == 6
    assert cards.count("vote-form") == 6
    # One collapsed line for the three star-only ratings: stars, name, date, nothing to vote on.
    details = section[section.index('<details class="rating-only"'): section.index("</details>")]
    assert "<summary>3 ratings without text</summary>" in details
    assert details.count('<div class="rating-row') == 3
    assert "vote-form" not in details and "vote-btn" not in details
    # Each has the cards' report control (tests/test_rating_row_reports.py): signed out, a link to log in.
    assert details.count('class="report-link"') == 3
    for review in reviews:
        if not review.has_content:
            assert f'id="review-{review.pk}"' in details and review.author.public_name in details
    # The filter names both views with their counts.
    assert "6 with text or photos" in section and "All 9 ratings" in section


def test_show_all_lists_every_rating_with_ratings_alone_compact(client, product):
    add_mixed_reviews(product, 9)
    section = _list_section(client.get(product_url(product) + "?show=all").content.decode())
    assert '<details class="rating-only"' not in section
    assert section.count('class="review-card') == 6
    assert section.count('<div class="rating-row') == 3
    assert section.count("vote-form") == 6
    assert re.search(r'href="\?show=all#reviews" aria-current="true"', section.replace("&amp;", "&"))


def test_more_ratings_alone_than_shown_link_to_the_full_list(client, product):
    add_mixed_reviews(product, 66)  # 22 star-only, 20 shown
    section = _list_section(client.get(product_url(product)).content.decode())
    details = section[section.index('<details class="rating-only"'): section.index("</details>")]
    assert details.count('<div class="rating-row') == 20
    assert "See all 22 ratings" in details and "show=all" in details


def test_only_ratings_alone_shows_an_invitation_and_the_collapsed_line(
    client, product, shopper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.review_post(author=shopper, product=product, rating=3)
    section = _list_section(client.get(product_url(product)).content.decode())
    assert "No reviews with words or photos yet." in section
    assert "<summary>1 rating without text</summary>" in section


def test_own_rating_alone_shows_no_vote_line(client, product, shopper):
    services.review_post(author=shopper, product=product, rating=3)
    client.force_login(shopper)
    body = client.get(product_url(product)).content.decode()
    own = body[body.index('id="my-review"'):body.index('id="summary"')]
    assert 'class="review-card is-own"' in own
    assert "No helpful votes yet" not in own and "vote-form" not in own


def test_vote_on_a_rating_alone_is_refused_on_the_page(client, product, shopper, other_shopper):
    review, _ = services.review_post(author=other_shopper, product=product, rating=2)
    client.force_login(shopper)
    resp = client.post(f"/reviews/{review.pk}/helpful/", {"helpful": "1"}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 400
    assert resp.json()["code"] == "nothing_to_judge"
    resp = client.post(f"/reviews/{review.pk}/helpful/", {"helpful": "1"}, follow=True)
    assert "nothing to judge" in resp.content.decode()
    assert not HelpfulVote.objects.exists()


# --- query budgets ------------------------------------------------------------------------------------

# product, images, aspect tags, review page, its tags, its photos, photo strip, the authors'
# levels and badges, + the star-only ratings of the collapsed line (only when there are some).
PRODUCT_PAGE_QUERIES = 10
PRODUCT_PAGE_QUERIES_SHOW_ALL = 9  # no collapsed line: every rating is in the list
# The home page: products, their images, open challenges, open trials, the feed (product and
# author joined), its tags, its photos, the authors' levels, their badges.
HOME_PAGE_QUERIES = 9


@pytest.mark.parametrize("n", [6, 600])
@pytest.mark.parametrize("query, budget", [("", PRODUCT_PAGE_QUERIES), ("?show=all", PRODUCT_PAGE_QUERIES_SHOW_ALL),
                                           ("?sort=newest", PRODUCT_PAGE_QUERIES)])
def test_product_page_query_count_with_ratings_alone(client, product, django_assert_num_queries, n, query, budget):
    add_mixed_reviews(product, n)
    with django_assert_num_queries(budget):
        resp = client.get(product_url(product) + query)
    assert resp.status_code == 200
    section = _list_section(resp.content.decode())
    listed = section.count('class="review-card') + section.count('<div class="rating-row')
    if query == "?show=all":
        assert listed == min(n, 10)
    else:
        assert section.count('class="review-card') == min(n - star_only_count(n), 10)
        assert section.count('<div class="rating-row') == min(star_only_count(n), 20)


@pytest.mark.parametrize("n", [6, 600])
def test_home_page_query_count(client, product, django_assert_num_queries, n):
    add_mixed_reviews(product, n)
    with django_assert_num_queries(HOME_PAGE_QUERIES):
        resp = client.get("/")
    assert resp.status_code == 200
    assert resp.content.decode().count('class="review-card') == min(n - star_only_count(n), 6)


# --- the API ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [6, 600])
@pytest.mark.parametrize("content", ["with_content", "rating_only"])
def test_review_list_content_filter_query_count(product, django_assert_num_queries, n, content):
    reviews = add_mixed_reviews(product, n)
    client = APIClient()
    # Product, the page (authors joined), tags, photos, author levels: the cached count serves.
    with django_assert_num_queries(5):
        resp = client.get(f"/api/products/{product.slug}/reviews/?content={content}&sort=newest")
    assert resp.status_code == 200
    body = resp.json()
    expected = [r for r in reviews if r.has_content == (content == "with_content")]
    assert body["count"] == len(expected)
    assert [r["id"] for r in body["results"]] == [r.pk for r in expected[:20]]
    assert all(r["has_content"] is (content == "with_content") for r in body["results"])


def test_review_list_content_filter_defaults_to_all_and_refuses_unknown_values(product):
    add_mixed_reviews(product, 6)
    client = APIClient()
    url = f"/api/products/{product.slug}/reviews/"
    assert client.get(url).json()["count"] == 6
    resp = client.get(url, {"content": "words"})
    assert resp.status_code == 400
    assert "content" in resp.json()["error"]["fields"]
    rating = client.get(f"/api/products/{product.slug}/").json()["rating"]
    assert (rating["count"], rating["with_content"], rating["rating_only"]) == (6, 4, 2)


def test_schema_documents_the_content_filter(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "with_content" in schema and "rating_only" in schema and "has_content" in schema
