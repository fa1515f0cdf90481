"""Page numbers reach only so deep into a review list (deep OFFSETs are slow): past it the
page shows its last reachable page, the API a clear 404, and the count stays true."""
import pytest

from community import services
from core import pagination
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def product_with_reviews(product, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(pagination, "MAX_PAGINATION_DEPTH", 20)
    with django_capture_on_commit_callbacks(execute=True):  # the product's cached counts follow the rows
        for _ in range(25):
            services.review_post(author=factories.UserFactory(), product=product, rating=4)
    product.refresh_from_db()
    return product


def test_api_pages_stop_at_the_depth_with_a_clear_message(client, product_with_reviews):
    url = f"/api/products/{product_with_reviews.slug}/reviews/"
    last = client.get(url, {"page": 2, "page_size": 10})
    assert last.status_code == 200 and last.json()["count"] == 25 and last.json()["next"] is None
    past = client.get(url, {"page": 3, "page_size": 10}, HTTP_ACCEPT_LANGUAGE="en")
    assert past.status_code == 404
    assert "narrow the list" in past.json()["error"]["message"]


def test_the_page_clamps_to_its_last_reachable_page(client, product_with_reviews):
    # Ratings alone are listed with ?show=all (by default they are one collapsed line).
    resp = client.get(f"/products/{product_with_reviews.slug}/", {"page": 99, "show": "all"},
                      HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200
    page = resp.context["page"]
    assert page.number == page.paginator.num_pages == 2 and page.paginator.capped
    assert "Pages reach only the first 20." in resp.content.decode()
