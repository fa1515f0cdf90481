"""The web forms share the API's per-user "writes" budget: past it a write is refused with
a friendly message (JSON 429 for the page's script, a message for a plain form) and nothing
is saved."""
import pytest
from rest_framework.throttling import SimpleRateThrottle

from community.cocreation.models import EntryComment
from community.models import Review
from moderation.models import Report
from tests import factories
from tests.challenge_helpers import make_challenge, published_entry

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def writes_3_a_minute(monkeypatch):
    # DRF reads rates into the class at import time, so patch the class attribute.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000/min", "user": "1000/min",
                                                               "writes": "3/min"})


def test_star_taps_past_the_budget_get_429_and_change_nothing(client, shopper, product, writes_3_a_minute):
    client.force_login(shopper)
    for rating in (3, 4, 5):
        assert client.post(f"/products/{product.slug}/rate/", {"rating": rating}, **JSON).status_code in (200, 201)
    resp = client.post(f"/products/{product.slug}/rate/", {"rating": 1}, **JSON)
    assert resp.status_code == 429
    body = resp.json()
    assert body["code"] == "throttled" and body["retry_after"] > 0 and str(body["retry_after"]) in body["error"]
    assert int(resp["Retry-After"]) == body["retry_after"]
    assert Review.objects.get(author=shopper, product=product).rating == 5


def test_a_plain_form_gets_a_message_and_goes_back(client, shopper, product, writes_3_a_minute):
    client.force_login(shopper)
    for _ in range(3):
        client.post(f"/products/{product.slug}/rate/", {"rating": 4})
    back = f"/products/{product.slug}/"
    resp = client.post(f"/products/{product.slug}/rate/", {"rating": 1}, HTTP_REFERER=f"http://testserver{back}",
                       follow=True)
    assert resp.redirect_chain[0] == (f"http://testserver{back}", 302)
    page = resp.content.decode()
    assert "going a little fast" in page or "操作有点快了" in page
    assert Review.objects.get(author=shopper, product=product).rating == 4


def test_web_and_api_writes_share_one_budget(client, shopper, product, writes_3_a_minute):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(shopper)
    for rating in (2, 3):
        assert api.post("/api/reviews/", {"product": product.slug, "rating": rating}, format="json").status_code in (
            200, 201)
    client.force_login(shopper)
    assert client.post(f"/products/{product.slug}/rate/", {"rating": 4}, **JSON).status_code == 200
    assert client.post(f"/products/{product.slug}/rate/", {"rating": 5}, **JSON).status_code == 429


def test_comments_and_reports_are_limited_too(client, shopper, writes_3_a_minute):
    entry = published_entry(make_challenge())
    client.force_login(shopper)
    for i in range(3):
        client.post(f"/entries/{entry.pk}/comments/", {"text": f"好想法 {i}"})
    client.post(f"/entries/{entry.pk}/comments/", {"text": "第四条"})
    assert EntryComment.objects.filter(author=shopper).count() == 3
    resp = client.post("/moderation/report/", {"content_type": "entry", "object_id": entry.pk, "reason": "spam"},
                       **JSON)
    assert resp.status_code == 429
    assert not Report.objects.filter(reporter=shopper).exists()


def test_reads_and_other_users_are_not_counted(client, product, writes_3_a_minute):
    first, second = factories.UserFactory(), factories.UserFactory()
    client.force_login(first)
    for rating in (1, 2, 3):
        client.post(f"/products/{product.slug}/rate/", {"rating": rating}, **JSON)
    assert client.get(f"/products/{product.slug}/").status_code == 200
    client.force_login(second)
    assert client.post(f"/products/{product.slug}/rate/", {"rating": 5}, **JSON).status_code == 201
