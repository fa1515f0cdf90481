"""What every signed-in page reads from the cache instead of the database (community.usercache,
community.pagecache.product_light, cached sessions): each is right on the next request after the
write that changes it, never after an expiry."""
import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from community import services
from community.models import MODERATORS_GROUP, Product
from tests.test_pages import add_bulk_reviews, product_url

pytestmark = pytest.mark.django_db

UNREAD = re.compile(r'data-unread="(\d+)"')


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    cache.clear()


def unread(html):
    found = UNREAD.search(html)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("where", ["home", "product"])
def test_the_header_count_follows_notifications_at_once(client, shopper, product, where,
                                                        django_capture_on_commit_callbacks):
    url = "/" if where == "home" else product_url(product)  # the product page's layout is stored too
    client.force_login(shopper)
    for _ in range(2):
        assert unread(client.get(url).content.decode()) == 0  # stored: nothing unread
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_send(user_id=shopper.pk, kind="test", title="One", email=False)
    assert unread(client.get(url).content.decode()) == 1
    services.notification_send_many(user_ids=[shopper.pk], kind="test", title="Two")
    assert unread(client.get(url).content.decode()) == 2
    services.notification_mark_read(user=shopper)
    assert unread(client.get(url).content.decode()) == 0


def test_the_header_count_is_each_persons_own(client, shopper, other_shopper):
    services.notification_send(user_id=shopper.pk, kind="test", title="One", email=False)
    client.force_login(other_shopper)
    assert unread(client.get("/").content.decode()) == 0
    client.force_login(shopper)
    assert unread(client.get("/").content.decode()) == 1


@pytest.mark.parametrize("side", ["user", "group"])
def test_the_moderation_link_follows_group_changes(client, shopper, product, side):
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    client.force_login(shopper)
    link = 'href="/moderation/"'
    for url in ("/", product_url(product), product_url(product)):
        assert link not in client.get(url).content.decode()
    (shopper.groups.add(group) if side == "user" else group.user_set.add(shopper))
    assert all(link in client.get(url).content.decode() for url in ("/", product_url(product)))
    (shopper.groups.remove(group) if side == "user" else group.user_set.remove(shopper))
    assert all(link not in client.get(url).content.decode() for url in ("/", product_url(product)))


def test_a_first_star_shows_as_ones_own_review_on_the_next_view(client, product, shopper):
    client.force_login(shopper)
    for _ in range(2):  # "no review of this product" is stored
        assert 'id="my-review"' not in client.get(product_url(product)).content.decode()
    resp = client.post(f"/products/{product.slug}/rate/", {"rating": 4})
    assert resp.status_code in (200, 302)
    assert 'id="my-review"' in client.get(product_url(product)).content.decode()


def test_a_product_edit_shows_on_the_next_signed_in_view(client, product, shopper):
    client.force_login(shopper)
    for _ in range(3):  # the row is stored under the page version by the second view, used by the third
        client.get(product_url(product))
    product.name_en = "Renamed serum"
    product.save()
    assert "Renamed serum" in client.get(product_url(product)).content.decode()
    product.is_active = False
    product.save()
    assert client.get(product_url(product)).status_code == 404


def test_refreshed_rating_figures_show_on_the_next_signed_in_view(client, product, shopper):
    client.force_login(shopper)
    for _ in range(3):  # the row (no ratings) is stored and used
        assert "Bulk review number 0" not in client.get(product_url(product)).content.decode()
    add_bulk_reviews(product, 3)  # bulk inserts: no signal, nothing retired yet
    # The counters are written by update() (product_stats_refresh), which retires the page version.
    services.product_stats_refresh(product_id=product.pk)
    assert Product.objects.get(pk=product.pk).rating_count == 3
    html = client.get(product_url(product)).content.decode()
    assert "Bulk review number 0" in html
    assert "3 ratings" in html


def test_a_reader_that_ran_before_a_commit_stores_nothing(product, shopper, other_shopper):
    """A write leaves a tombstone (now and on commit) and readers only add: what a reader read
    before the write committed is answered to that reader but never stored."""
    from community import usercache

    own_key = usercache.OWN_REVIEW_KEY.format(shopper.pk, product.pk)
    header_key = usercache.HEADER_KEY.format(shopper.pk)
    assert usercache.own_review_id(product=product, user=shopper) is None
    assert usercache.header_counts(shopper)["unread"] == 0
    assert cache.get(own_key) == usercache._NONE and cache.get(header_key) == (0, False)
    services.review_post(author=shopper, product=product, rating=4, tag_ids=[])  # its save retires the entry
    services.notification_send(user_id=shopper.pk, kind="test", title="One", email=False)
    assert cache.get(own_key) == cache.get(header_key) == "retired"
    # Readers now query (the commit may not have happened for them yet) and store nothing...
    assert usercache.own_review_id(product=product, user=shopper) is not None
    assert usercache.header_counts(shopper)["unread"] == 1
    assert cache.get(own_key) == cache.get(header_key) == "retired"
    # ... until the tombstone expires: then the next reader stores what it reads.
    cache.delete_many([own_key, header_key])
    usercache.own_review_id(product=product, user=shopper)
    usercache.header_counts(shopper)
    assert cache.get(own_key) not in (None, "retired") and cache.get(header_key) == (1, False)
