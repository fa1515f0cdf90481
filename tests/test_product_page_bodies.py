"""The product page's stored shared body (community.pagecache, issue 16 "signed-in pages"): the part
of the page that is the same for everyone is rendered once per page version; per request only the
person's parts (panel, own card, votes, CSRF token, path) are put in place. A vote, an edit or a
moderation decision retires the stored body at once; nothing personal leaks between viewers."""
import pytest
from django.core.cache import cache

from community import services
from community.models import Review
from tests import factories
from tests.pagecache_helpers import CSRF, assert_stored_matches_live, without_csrf
from tests.test_pages import add_bulk_reviews, product_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    cache.clear()


def csrf_secret(token):
    """The secret a masked CSRF form token carries (Django's masking: a one-time pad of 32 letters)."""
    import string

    chars = string.ascii_letters + string.digits
    mask, cipher = token[:32], token[32:]
    return "".join(chars[(chars.index(x) - chars.index(y)) % len(chars)] for x, y in zip(cipher, mask))


def card(html, review):
    start = html.index(f'id="review-{review.pk}"')
    return html[start:html.index("</article>", start)]


# The viewer's votes on the shown reviews. The session, the user (core/sessionauth.py), the product
# row (stored under its page version by the second viewer), the viewer's own-review id and the
# header's counts (community.usercache), the body, the authors' levels and badges and the panel come
# from the cache.
SIGNED_IN_WARM = 1
# A first visitor after the anonymous microcache expired (a fresh query string): product, nothing else.
FIRST_VISITOR_WARM = 1


@pytest.mark.parametrize("n", [5, 500])
def test_signed_in_page_query_count_is_fixed(client, product, shopper, django_assert_num_queries, n):
    reviews = add_bulk_reviews(product, n)
    services.review_vote_helpful(user=shopper, review_id=reviews[0].pk, helpful=True)
    client.force_login(shopper)
    client.get(product_url(product))  # the shared body is stored, and the product's id
    client.get(product_url(product))  # the product row, under the page version read before it
    with django_assert_num_queries(SIGNED_IN_WARM):
        resp = client.get(product_url(product))
    body = resp.content.decode()
    assert body.count('class="review-card') == min(n, 10)
    assert 'aria-pressed="true"' in body


@pytest.mark.parametrize("n", [5, 500])
def test_first_visitor_query_count_is_fixed(client, product, django_assert_num_queries, n):
    add_bulk_reviews(product, n)
    client.get(product_url(product), {"nocache": "a"})
    with django_assert_num_queries(FIRST_VISITOR_WARM):
        resp = client.get(product_url(product), {"nocache": "b"})
    assert resp.content.decode().count('class="review-card') == min(n, 10)


@pytest.fixture
def pages(product, shopper, other_shopper):
    """Two signed-in shoppers and an anonymous visitor, each with their own client."""
    from django.test import Client

    clients = {"a": Client(), "b": Client(), "anon": Client()}
    clients["a"].force_login(shopper)
    clients["b"].force_login(other_shopper)

    def get(who, **query):
        resp = clients[who].get(product_url(product), query)
        assert resp.status_code == 200
        return resp.content.decode()

    return get


def test_a_vote_by_one_shopper_shows_to_the_other_at_once(pages, product, shopper,
                                                           django_capture_on_commit_callbacks):
    reviews = add_bulk_reviews(product, 3)
    target = reviews[2]  # its cached count says 2 (bulk rows); one real vote recounts it to 1
    for who in ("a", "b", "anon"):  # every kind of stored page is warm
        assert 'data-count="helpful">2<' in card(pages(who), target)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_vote_helpful(user=shopper, review_id=target.pk, helpful=True)
    mine, theirs, anonymous = card(pages("a"), target), card(pages("b"), target), card(pages("anon"), target)
    for html in (mine, theirs, anonymous):
        assert 'data-count="helpful">1<' in html
    assert 'data-vote="1" class="vote-btn" aria-pressed="true"' in mine
    assert 'aria-pressed="true"' not in theirs and 'aria-pressed="true"' not in anonymous


@pytest.mark.parametrize("status", ["rejected", "removed"])
def test_a_moderation_decision_shows_to_everyone_at_once(pages, product, status,
                                                         django_capture_on_commit_callbacks):
    reviews = add_bulk_reviews(product, 3)
    target = reviews[1]
    for who in ("a", "b", "anon"):
        assert f'id="review-{target.pk}"' in pages(who)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_moderate(review_id=target.pk, status=status, reason="spam")
    for who in ("a", "b", "anon"):
        assert f'id="review-{target.pk}"' not in pages(who)
        assert f'id="review-{target.pk}"' not in pages(who, sort="newest")
    with django_capture_on_commit_callbacks(execute=True):
        services.review_moderate(review_id=target.pk, status="published")
    for who in ("a", "b", "anon"):
        assert f'id="review-{target.pk}"' in pages(who)


def test_an_edit_and_a_new_name_show_at_once(pages, product, shopper, other_shopper,
                                             django_capture_on_commit_callbacks):
    reviews = add_bulk_reviews(product, 3)
    for who in ("a", "b", "anon"):
        pages(who)
    author = reviews[0].author
    with django_capture_on_commit_callbacks(execute=True):
        services.user_profile_update(user=author, display_name="Renamed Author")
        Review.objects.filter(pk=reviews[0].pk).first().save()  # an ordinary save, as an edit does
    for who in ("a", "b", "anon"):
        assert "Renamed Author" in card(pages(who), reviews[0])


def test_nothing_personal_leaks_between_viewers(pages, product, shopper, other_shopper,
                                                django_capture_on_commit_callbacks):
    reviews = add_bulk_reviews(product, 4)
    with django_capture_on_commit_callbacks(execute=True):
        services.user_profile_update(user=shopper, display_name="Shopper Aleph")
        services.review_post(author=shopper, product=product, rating=4, text="Aleph's own published words")
        services.review_vote_helpful(user=shopper, review_id=reviews[0].pk, helpful=True)
        services.review_vote_helpful(user=shopper, review_id=reviews[1].pk, helpful=False)
    own = Review.objects.get(product=product, author=shopper)
    assert own.status == "published"
    for _ in range(2):  # cold, then from the stored body
        a, b, anon = pages("a", sort="newest"), pages("b", sort="newest"), pages("anon", sort="newest")
        # Every form carries its viewer's own CSRF secret (masked differently each time).
        secrets = {who: {csrf_secret(t) for t in CSRF.findall(html)} for who, html in (("a", a), ("b", b), ("anon", anon))}
        assert all(len(found) == 1 for found in secrets.values())
        assert len(secrets["a"] | secrets["b"] | secrets["anon"]) == 3
        # A's page: their panel, their own card (status, no vote buttons), their two votes pressed.
        assert 'id="my-review"' in a and "You gave 4 stars" in a
        assert 'badge badge-status' in card(a, own) and 'class="vote-btn"' not in card(a, own)
        pressed = a.replace('lang="en" aria-pressed="true"', "").count('aria-pressed="true"')  # not the EN button
        assert pressed == 2 + 1  # two votes and A's star in the rating panel
        # B and the anonymous visitor: A's review as anyone's, nothing of A's panel or votes.
        for other in (b, anon):
            assert 'id="my-review"' not in other and "You gave" not in other
            assert 'badge badge-status' not in card(other, own)
            assert 'aria-pressed="true"' not in other.replace('lang="en" aria-pressed="true"', "")
        assert 'class="vote-btn"' in card(b, own)
        assert "Log in" in anon and "Log out" not in anon
        assert "Log out" in b and 'id="details"' in b


def test_a_pending_review_is_seen_by_its_author_only(pages, product, shopper, django_capture_on_commit_callbacks):
    add_bulk_reviews(product, 3)
    Review.objects.create(product=product, author=shopper, rating=2, text="Aleph's pending words",
                          status=Review.Status.PENDING)
    for _ in range(2):
        assert "Aleph&#x27;s pending words" in pages("a")
        assert "pending words" not in pages("b") and "pending words" not in pages("anon")


@pytest.mark.parametrize("moderator", [False, True])
def test_the_stored_layout_matches_the_live_page(client, product, shopper, settings, moderator):
    """The signed-in page from its stored body and stored layout (pagecache.shell_wrap) is the page
    rendered live, byte for byte but for the CSRF tokens: header counts, moderation link, policy
    banner, and the path (with its query string) in the layout's forms."""
    from django.contrib.auth.models import Group

    from community.models import MODERATORS_GROUP

    add_bulk_reviews(product, 4)
    services.notification_send(user_id=shopper.pk, kind="test", title="One", email=False)
    if moderator:
        shopper.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    client.force_login(shopper)

    def page(**query):
        return without_csrf(client.get(product_url(product), query).content.decode())

    live = assert_stored_matches_live(settings, lambda: page(sort="newest", page=1))  # layout and body stored
    assert 'data-unread="1"' in live and ('href="/moderation/"' in live) is moderator
    # The path in the layout's forms is this request's, escaped (a tracking parameter included).
    odd = page(sort="newest", utm='"><b>x')
    assert f'name="next" value="/products/{product.slug}/?sort=newest&amp;utm=%22%3E%3Cb%3Ex"' in odd
    assert "<b>x" not in odd
