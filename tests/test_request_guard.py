"""Input no column can store (a NUL byte) is refused in one place with a 400, never a 500 from
the database (PostgreSQL refuses NUL in text; SQLite hid it)."""
import pytest

from community.models import Review
from tests.challenge_helpers import make_challenge

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/products/?q=%00", "/products/?brand=%00", "/products/?category=a%00b",
                                 "/challenges/?brand=%00", "/products/?%00=1"])
def test_pages_answer_400_with_a_message(client, url):
    make_challenge()
    resp = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 400
    assert "cannot store" in resp.content.decode()


def test_api_answers_the_json_error_shape(client):
    resp = client.get("/api/products/?q=%00", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 400
    assert resp.json()["error"]["fields"] == {"q": ["This value contains a character that cannot be stored."]}


def test_a_form_with_nul_saves_nothing(client, shopper, product):
    client.force_login(shopper)
    resp = client.post(f"/products/{product.slug}/review/", {"rating": "4", "text": "好用\x00极了"})
    assert resp.status_code == 400
    assert not Review.objects.filter(author=shopper).exists()


def test_ordinary_input_passes(client, product):
    assert client.get("/products/", {"q": "精华 serum"}).status_code == 200
