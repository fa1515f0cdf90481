"""The review list API's shared answer (issue 16, signed-in pages): one stored answer per list
page for everyone, retired by the product's list version, with each viewer's own card and votes
marked per request. Changes show at once for everyone; personal fields never cross viewers."""
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from community import services
from community.api import views
from community.models import Review
from tests import factories

pytestmark = pytest.mark.django_db


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _cards(client, product, query=""):
    resp = client.get(f"/api/products/{product.slug}/reviews/{query}")
    assert resp.status_code == 200, resp.content
    return {card["id"]: card for card in resp.json()["results"]}


@pytest.fixture
def listing(product, shopper, other_shopper):
    """Three published reviews by others; two signed-in viewers and an anonymous one."""
    authors = [factories.UserFactory() for _ in range(3)]
    reviews = [factories.review_with_words(author=a, product=product, text=f"Words {i}") for i, a in enumerate(authors)]
    services.product_stats_refresh(product_id=product.pk)
    return reviews, {"a": _client(shopper), "b": _client(other_shopper), "anon": _client()}


def test_a_vote_is_seen_by_everyone_on_the_next_request(product, shopper, listing):
    reviews, clients = listing
    target = reviews[1]
    for client in clients.values():  # every viewer's answer is now stored
        assert _cards(client, product)[target.pk]["helpful_count"] == 0
    resp = clients["a"].post(f"/api/reviews/{target.pk}/helpful/", {"helpful": True}, format="json")
    assert resp.status_code == 200
    seen = {name: _cards(client, product)[target.pk] for name, client in clients.items()}
    assert {name: card["helpful_count"] for name, card in seen.items()} == {"a": 1, "b": 1, "anon": 1}
    assert {name: card["my_vote"] for name, card in seen.items()} == {"a": True, "b": None, "anon": None}
    clients["a"].delete(f"/api/reviews/{target.pk}/helpful/")
    assert [_cards(c, product)[target.pk]["helpful_count"] for c in clients.values()] == [0, 0, 0]


@pytest.mark.parametrize("status", ["rejected", "removed"])
def test_moderation_decisions_are_seen_at_once(product, listing, status):
    reviews, clients = listing
    target = reviews[0]
    for client in clients.values():
        assert target.pk in _cards(client, product)
    services.review_moderate(review_id=target.pk, status=status, reason="moderation.test")
    for client in clients.values():
        assert target.pk not in _cards(client, product)
    services.review_moderate(review_id=target.pk, status="published")
    for client in clients.values():
        assert target.pk in _cards(client, product)


def test_an_edit_and_a_new_review_are_seen_at_once(product, shopper, other_shopper, listing):
    reviews, clients = listing
    own = factories.review_with_words(author=other_shopper, product=product, text="First words")
    for client in clients.values():
        _cards(client, product)
    resp = clients["b"].patch(f"/api/reviews/{own.pk}/", {"text": "Second words", "rating": 2}, format="json")
    assert resp.status_code == 200
    services.review_moderate(review_id=own.pk, status="published")  # screening's approval
    for name, client in clients.items():
        card = _cards(client, product)[own.pk]
        assert (card["text"], card["rating"], card["is_own"]) == ("Second words", 2, name == "b")
    newcomer = factories.review_with_words(author=factories.UserFactory(), product=product, text="New here")
    for client in clients.values():
        assert newcomer.pk in _cards(client, product)


def test_personal_fields_never_reach_another_viewer(product, shopper, listing):
    reviews, clients = listing
    services.review_vote_helpful(user=shopper, review_id=reviews[0].pk, helpful=False)
    own = factories.review_with_words(author=shopper, product=product, text="Mine, published")
    services.product_stats_refresh(product_id=product.pk)
    # Whoever fills the stored answer first (each order on its own page size, so its own answer):
    for page_size, order in ((11, ["a", "b", "anon"]), (12, ["anon", "b", "a"])):
        seen = {name: _cards(clients[name], product, f"?page_size={page_size}") for name in order}
        assert seen["a"][own.pk]["is_own"] is True and seen["a"][reviews[0].pk]["my_vote"] is False
        for name in ("b", "anon"):
            assert not any(card["is_own"] or card["my_vote"] is not None for card in seen[name].values())
            assert own.pk in seen[name]  # published: everyone's list shows it, as someone else's
    # Now A's review waits for screening again: listed for A alone, with its status.
    services.review_post(author=shopper, product=product, rating=3, text="Changed my mind")
    assert Review.objects.get(pk=own.pk).status == Review.Status.PENDING
    mine = _cards(clients["a"], product)
    assert mine[own.pk]["status"] == "pending" and mine[own.pk]["is_own"] is True
    for name in ("b", "anon"):
        assert own.pk not in _cards(clients[name], product)
        assert _cards(clients[name], product)[reviews[0].pk]["my_vote"] is None


def test_stored_answers_equal_the_ones_built_per_request(product, shopper, other_shopper, listing, monkeypatch):
    """Byte for byte, headers included: the stored answer with the viewer's marks spliced in
    against the answer built for the request (the stored answer turned off)."""
    reviews, clients = listing
    services.review_vote_helpful(user=shopper, review_id=reviews[0].pk, helpful=True)
    services.review_vote_helpful(user=other_shopper, review_id=reviews[1].pk, helpful=False)
    factories.review_with_words(author=shopper, product=product, text="Mine")
    services.product_stats_refresh(product_id=product.pk)
    queries = ["", "?sort=newest", "?sort=quality&page_size=2", "?sort=newest&page=2&page_size=2", "?rating=5",
               "?content=with_content"]

    def answers():
        out = []
        for language in ("en", "zh-hans"):
            for name, client in clients.items():
                for query in queries:
                    resp = client.get(f"/api/products/{product.slug}/reviews/{query}", HTTP_ACCEPT_LANGUAGE=language)
                    out.append((name, query, resp.status_code, resp.content,
                                sorted((k, v) for k, v in resp.headers.items() if k != "Content-Length")))
        return out

    stored_first, stored_again = answers(), answers()
    monkeypatch.setattr(views, "REVIEW_LIST_SHARED_SECONDS", 0)
    built = answers()
    assert stored_first == stored_again == built
    assert any(b'"my_vote":true' in row[3] for row in built) and any(b'"is_own":true' in row[3] for row in built)


def test_bad_parameters_are_still_refused_with_field_errors(product, listing):
    _reviews, clients = listing
    _cards(clients["a"], product, "?sort=newest")
    resp = clients["a"].get(f"/api/products/{product.slug}/reviews/?sort=newest&rating=9")
    assert resp.status_code == 400
    assert "rating" in resp.json()["error"]["fields"]


def test_a_product_taken_off_in_the_admin_is_gone_at_once(product, listing, rf, admin_user):
    from django.contrib import admin

    from community.models import Product

    _reviews, clients = listing
    _cards(clients["anon"], product)
    product.is_active = False
    request = rf.post("/admin/")
    request.user = admin_user
    admin.site._registry[Product].save_model(request, product, form=None, change=True)
    assert clients["anon"].get(f"/api/products/{product.slug}/reviews/").status_code == 404
