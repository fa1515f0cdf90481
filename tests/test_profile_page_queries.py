"""The own profile page (``/me/``, issue 16's scale run measures it) costs the same number of
queries whatever the shopper has written: a page of reviews, their photos and tags in bulk."""
import pytest

from tests import factories

pytestmark = pytest.mark.django_db

# The second view, the session and the user cached: the page of reviews and its count for the
# paginator, then what the cards need in bulk (the same five at 2 and at 25 reviews).
PROFILE_PAGE_QUERIES = 5


@pytest.mark.parametrize("n", [2, 25])
def test_own_profile_page_query_count(client, shopper, brand, category, django_assert_num_queries, n):
    for _ in range(n):
        factories.review_with_words(author=shopper, product=factories.ProductFactory(brand=brand, category=category))
    client.force_login(shopper)
    client.get("/me/")  # the first view stores what later views read from the cache
    with django_assert_num_queries(PROFILE_PAGE_QUERIES):
        resp = client.get("/me/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert body.count('class="review-card') == min(n, 10)
