"""Star-only ratings (the compact rows under the reviews) can be reported like review cards:
the same control (a form, or a link to log in), never on one's own rating, never votable; the
rows' shared fragment carries the viewer's CSRF token and path; a report sent without
JavaScript comes back to its row with the answer, the collapsed list open. Query budgets as
before (tests/test_review_feed.py), signed in too."""
import re

import pytest
from django.test import TestCase

from community import services
from moderation.models import Report
from tests import factories
from tests.challenge_helpers import old_user
from tests.test_product_page_bodies import SIGNED_IN_WARM
from tests.test_review_feed import (
    add_mixed_reviews,
    product_url,
    star_only_count,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def ratings(product):
    """A review with words (so the star-only ones are collapsed) and two star-only ratings."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        factories.review_with_words(author=factories.UserFactory(), product=product, text="Keeps tea hot.")
        bomb, _ = services.review_post(author=factories.UserFactory(display_name="Bomber"), product=product, rating=1)
        fan, _ = services.review_post(author=factories.UserFactory(display_name="Fan"), product=product, rating=5)
    return bomb, fan


def row_html(body, review):
    start = body.index(f'id="review-{review.pk}"')
    return body[start:body.index("</li>", start)]


def test_signed_in_rows_have_a_report_form_with_this_request_token_and_path(client, product, ratings):
    bomb, _fan = ratings
    reporter = old_user()
    client.force_login(reporter)
    for _ in range(2):  # rendered, then from the shared fragment
        body = client.get(product_url(product), {"sort": "newest"}).content.decode()
        row = row_html(body, bomb)
        assert 'action="/moderation/report/"' in row and 'name="content_type" value="review"' in row
        assert f'name="object_id" value="{bomb.pk}"' in row
        assert f'value="/products/{product.slug}/?sort=newest#review-{bomb.pk}"' in row
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row).group(1)
        assert token == client.cookies["csrftoken"].value or len(token) == 64  # a real token, not the marker
        assert "csrf-" not in row and "path-" not in row
        assert "What is wrong with this rating?" in row
        assert "vote-form" not in row and "vote-btn" not in row


def test_own_rating_has_no_report_control(client, product, ratings):
    bomb, _fan = ratings
    client.force_login(bomb.author)
    body = client.get(product_url(product)).content.decode()
    row = row_html(body, bomb)
    assert "is-own" in body[body.index(f'id="review-{bomb.pk}"') - 40:body.index(f'id="review-{bomb.pk}"')]
    assert "report" not in row and "Bomber" in row


def test_anonymous_rows_link_to_log_in_and_back(client, product, ratings):
    bomb, _fan = ratings
    row = row_html(client.get(product_url(product)).content.decode(), bomb)
    assert f'href="/accounts/login/?next=/products/{product.slug}/%23review-{bomb.pk}"' in row
    assert "<form" not in row


def test_report_without_javascript_comes_back_to_the_open_row(client, product, ratings):
    bomb, _fan = ratings
    reporter = old_user()
    client.force_login(reporter)
    url = product_url(product)
    client.get(url)  # the rows' fragment is stored
    resp = client.post("/moderation/report/", {"content_type": "review", "object_id": bomb.pk, "reason": "fake",
                                               "next": f"{url}#review-{bomb.pk}"})
    assert resp.status_code == 302 and resp["Location"].endswith(f"#review-{bomb.pk}")
    body = client.get(resp["Location"]).content.decode()
    assert '<details class="rating-only" id="ratings-only" open>' in body
    assert "message-in-place" in row_html(body, bomb)
    assert Report.objects.filter(reporter=reporter, content_type="review", object_id=bomb.pk).count() == 1
    # The next page is the shared one again, collapsed.
    assert '<details class="rating-only" id="ratings-only">' in client.get(url).content.decode()


@pytest.mark.parametrize("n", [6, 600])
def test_product_page_query_count_signed_in_with_rating_rows(client, product, shopper, django_assert_num_queries,
                                                             n):
    add_mixed_reviews(product, n)
    client.force_login(shopper)
    client.get(product_url(product))  # the user's caches, as on any later page
    client.get(product_url(product))  # the product row, stored by the second visit
    # The shared body (cards and star-only rows) is stored by the first visit (community.pagecache):
    # the viewer's votes (tests/test_product_page_bodies.py). The same at 6 and 600.
    with django_assert_num_queries(SIGNED_IN_WARM):
        body = client.get(product_url(product)).content.decode()
    assert body.count('<div class="rating-row') == min(star_only_count(n), 20)
    assert body.count('<details class="report">') == min(n - star_only_count(n), 10) + min(star_only_count(n), 20)
