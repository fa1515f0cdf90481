"""What a warm signed-in product page asks the cache, and why fewer asks change nothing it shows
(issue 16, signed-in pages): the session with its user, the user's level and the header's counts
in one read (core.sessionauth.SessionStore, core.userprime); the product row with its page
versions and the viewer's own-review id in one read (a per-process hint of the slug's id); the
layout, the person's panel and the stored body from this process's copy (core.localcache), as
their keys name their content."""
import pytest
from django.core.cache import cache, caches
from django.test import Client

from community import usercache
from community.models import Product
from core import localcache
from core.api.authentication import session_user_key
from gamification.levels import USER_LEVEL_CACHE_KEY
from gamification.models import PrivilegeGrant
from tests import factories
from tests.test_pages import add_bulk_reviews, product_url

pytestmark = pytest.mark.django_db

# The session with its user, the user's level and the header's counts; the product with its page
# versions and the viewer's own-review id.
SIGNED_IN_WARM_READS = 2


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def cache_calls(monkeypatch):
    """Every call to the default cache, as (method, keys); not the calls one makes of another (the
    local-memory cache's ``get_many`` asks ``get`` per key: one round trip on Redis)."""
    calls = []
    depth = [0]
    backend = caches["default"]
    for name in ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr", "touch"):
        original = getattr(backend, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            keys = args[0] if args else None
            if not depth[0]:
                calls.append((_name, list(keys) if isinstance(keys, (list, tuple, dict)) else [keys]))
            depth[0] += 1
            try:
                return _original(*args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(backend, name, spy)
    return calls


def warm(client, url, times=3):
    for _ in range(times):
        assert client.get(url).status_code == 200


def test_a_warm_signed_in_page_reads_the_cache_twice_and_writes_nothing(product, shopper, cache_calls):
    add_bulk_reviews(product, 12)
    client = Client()
    client.force_login(shopper)
    warm(client, product_url(product))
    cache_calls.clear()
    assert client.get(product_url(product)).status_code == 200
    assert [name for name, _keys in cache_calls] == ["get_many"] * SIGNED_IN_WARM_READS, "\n".join(f"{n} {k}" for n, k in cache_calls)
    session_read = cache_calls[0][1]
    assert session_user_key(shopper.pk) in session_read
    assert USER_LEVEL_CACHE_KEY.format(shopper.pk) in session_read
    assert usercache.HEADER_KEY.format(shopper.pk) in session_read
    assert usercache.OWN_REVIEW_KEY.format(shopper.pk, product.pk) in cache_calls[1][1]


def test_header_counts_read_with_the_user_are_not_used_after_this_process_retires_them(shopper):
    from community.models import Notification

    usercache.header_counts(shopper)  # stored: nothing unread
    found = cache.get_many([usercache.HEADER_KEY.format(shopper.pk)])
    usercache.header_prime(shopper, found)
    assert usercache.header_counts(shopper)["unread"] == 0
    Notification.objects.create(user=shopper, kind="level_up", title="t")
    usercache.header_counts_forget([shopper.pk])  # what sending a notification does
    assert usercache.header_counts(shopper)["unread"] == 1  # not the copy read with the user


def test_with_the_process_tier_off_every_stored_part_comes_from_the_shared_cache(product, shopper, settings,
                                                                                 cache_calls):
    settings.LOCAL_FRAGMENT_CACHE_BYTES = 0
    add_bulk_reviews(product, 12)
    client = Client()
    client.force_login(shopper)
    warm(client, product_url(product))
    cache_calls.clear()
    with_tier_off = client.get(product_url(product)).content.decode()
    # The body, the panel and the layout: each asked of the shared cache again.
    assert len(cache_calls) == SIGNED_IN_WARM_READS + 3
    settings.LOCAL_FRAGMENT_CACHE_BYTES = 16 * 1024 * 1024
    warm(client, product_url(product), times=2)
    with_tier_on = client.get(product_url(product)).content.decode()
    assert _without_tokens(with_tier_on) == _without_tokens(with_tier_off)


def _without_tokens(html):
    import re

    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+"', r"\1", html)


def test_a_new_level_changes_the_photo_limit_on_the_next_page(product, shopper, default_rules):
    grant = PrivilegeGrant.objects.get(privilege="more_photos")
    client = Client()
    client.force_login(shopper)
    warm(client, product_url(product))
    before = client.get(product_url(product)).content.decode()
    assert f'data-max="{9}"' in before
    # The level entry read with the session (core.userprime) says the shopper reached the grant's level.
    cache.set(USER_LEVEL_CACHE_KEY.format(shopper.pk), {"number": grant.min_level, "name_zh": "x", "name_en": "x"})
    after = client.get(product_url(product)).content.decode()
    assert f'data-max="{9 + grant.value}"' in after


def test_the_level_read_with_the_session_never_enters_the_stored_user(product, shopper):
    client = Client()
    client.force_login(shopper)
    warm(client, product_url(product))
    entry = cache.get(session_user_key(shopper.pk))
    assert entry is not None and "_gamification_level_row" not in vars(entry[1])


def test_a_session_remembered_for_another_user_still_shows_its_own_user(product, shopper, other_shopper):
    from community.models import Review

    Review.objects.create(product=product, author=shopper, rating=2, text="Only mine to see",
                          status=Review.Status.PENDING)
    clients = {}
    for user in (shopper, other_shopper):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
        warm(clients[user.pk], product_url(product))
    # This process's hints say each session belonged to the other shopper: the entries read with
    # the session are not its user's, so they are not used.
    for user, other in ((shopper, other_shopper), (other_shopper, shopper)):
        localcache.hint_set("session-user:" + clients[user.pk].cookies["sessionid"].value, str(other.pk))
    assert "Only mine to see" in clients[shopper.pk].get(product_url(product)).content.decode()
    assert "Only mine to see" not in clients[other_shopper.pk].get(product_url(product)).content.decode()


def test_a_slug_given_to_another_product_shows_that_product(product, shopper, brand, category):
    client = Client()
    client.force_login(shopper)
    warm(client, product_url(product))
    slug = product.slug
    # The slug moves to a new product (the old one is renamed). Another process still holds the
    # old id as its hint for the slug; the page must show the new product all the same.
    Product.objects.filter(pk=product.pk).update(slug=slug + "-old")
    newer = factories.ProductFactory(brand=brand, category=category, slug=slug, name_en="The Newer One")
    from community.pagecache import page_version_bump

    page_version_bump(product.pk)
    page_version_bump(newer.pk)
    page = client.get(f"/products/{slug}/").content.decode()
    assert "The Newer One" in page


def test_the_process_tier_keeps_to_its_size():
    from django.test import override_settings

    with override_settings(LOCAL_FRAGMENT_CACHE_BYTES=4000):
        for i in range(10):
            localcache.content_set(f"k{i}", "x" * 500)
        kept = [i for i in range(10) if localcache.content_get(f"k{i}") is not None]
        assert kept and kept == list(range(10 - len(kept), 10))  # the oldest went first
        assert sum(localcache.size_of("x" * 500) for _ in kept) <= 4000
        localcache.content_set("big", "y" * 2000)  # over a quarter of the tier: not kept
        assert localcache.content_get("big") is None
    with override_settings(LOCAL_FRAGMENT_CACHE_BYTES=0):
        localcache.content_set("off", "z")
        assert localcache.content_get("off") is None


def test_the_review_list_api_learns_the_products_id_from_an_answer_another_process_stored(
        product, shopper, cache_calls, monkeypatch):
    from core import windowcount

    real = windowcount.log_events_and_read

    def log_and_read(events, keys):  # on Redis the first reads ride with the rate limit's log
        if keys and windowcount._raw_client() is not None:
            cache_calls.append(("with-log", list(keys)))
        return real(events, keys)

    monkeypatch.setattr(windowcount, "log_events_and_read", log_and_read)
    add_bulk_reviews(product, 12)
    client = Client()
    client.force_login(shopper)
    url = f"/api/products/{product.slug}/reviews/"
    assert client.get(url).status_code == 200  # builds and stores the shared answer
    localcache.clear()  # a process that has not seen this product

    def reads_of_the_answer():
        cache_calls.clear()
        assert client.get(url).status_code == 200
        return [keys for name, keys in cache_calls
                if any(str(k).startswith(("api:reviews:", "cocreate:reviews-version:")) for k in keys)]

    first = reads_of_the_answer()
    again = reads_of_the_answer()
    assert len(first) == 2 and len(again) == 1, (first, again)  # the answer, then its version with it


def test_an_api_vote_reads_the_voters_level_with_the_token(cache_calls, django_capture_on_commit_callbacks):
    """The token's entry and the level of the user this process last saw with the token come in one
    read; the level is used only when the token is that user's."""
    from rest_framework.authtoken.models import Token

    from core.api.authentication import _hint_key, token_cache_key, user_changed_key
    from gamification.selectors import user_level
    from tests.challenge_helpers import make_challenge, old_user, published_entry

    challenge = make_challenge(allow_overlap=True, votes_per_user=20)
    entries = [published_entry(challenge) for _ in range(4)]
    voter = old_user()
    token = Token.objects.create(user=voter)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    level_key = USER_LEVEL_CACHE_KEY.format(voter.pk)
    cache.delete_many([user_changed_key(voter.pk), token_cache_key(token.key)])  # made a moment ago
    user_level(voter.pk)  # stored, as after the voter's first request
    for _ in range(2):  # reads only (an eager points task after a vote may save the user, which retires the token's entry)
        assert client.get(f"/api/entries/{entries[0].pk}/").status_code == 200
    cache_calls.clear()
    assert client.post(f"/api/entries/{entries[2].pk}/vote/").status_code == 200
    reads = [keys for name, keys in cache_calls if name in ("get", "get_many") and level_key in keys]
    assert [set(keys) for keys in reads] == [
        {token_cache_key(token.key), level_key, usercache.HEADER_KEY.format(voter.pk)}], cache_calls

    # A token remembered for another user: that user's entries are read but not handed over.
    other = old_user()
    localcache.hint_set(_hint_key(token_cache_key(token.key)), other.pk)
    cache.set(USER_LEVEL_CACHE_KEY.format(other.pk), {"number": 9, "name_zh": "x", "name_en": "x"}, 60)
    cache.delete_many([user_changed_key(voter.pk), token_cache_key(token.key)])  # the vote's points saved the user
    for _ in range(2):
        assert client.get(f"/api/entries/{entries[0].pk}/").status_code == 200
    localcache.hint_set(_hint_key(token_cache_key(token.key)), other.pk)
    cache_calls.clear()
    assert client.post(f"/api/entries/{entries[3].pk}/vote/").status_code == 200
    assert any(level_key in keys for name, keys in cache_calls if name == "get_many" and len(keys) == 1), cache_calls
    assert localcache.hint_get(_hint_key(token_cache_key(token.key))) == voter.pk
