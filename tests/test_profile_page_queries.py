"""The own profile page (``/me/``, issue 16's scale run measures it) costs the same number of
queries whatever the shopper has written: a page of reviews, their photos and tags in bulk."""
import pytest

from tests import factories
from tests.pagecache_helpers import assert_stored_matches_live, without_csrf

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


@pytest.mark.parametrize("moderator", [False, True])
def test_the_stored_layout_of_the_profile_matches_the_live_page(client, shopper, other_shopper, brand, category,
                                                                settings, moderator):
    """``/me/`` from its stored layout (``pagecache.shell_page``) is the page rendered live, byte for
    byte but for the CSRF tokens; another shopper sharing the layout sees their own page; a message
    after saving is shown (that view is rendered whole)."""
    from django.contrib.auth.models import Group

    from community import services
    from community.models import MODERATORS_GROUP

    factories.review_with_words(author=shopper, product=factories.ProductFactory(brand=brand, category=category))
    services.notification_send(user_id=shopper.pk, kind="test", title="One", email=False)
    if moderator:
        shopper.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    shopper.timezone = "America/New_York"
    shopper.save()
    client.force_login(shopper)

    def page():
        return without_csrf(client.get("/me/").content.decode())

    live = assert_stored_matches_live(settings, page)
    assert 'data-unread="1"' in live and ('href="/moderation/"' in live) is moderator
    assert shopper.email in live and "Sturdy lid" in live

    client.force_login(other_shopper)  # the same layout, their own page
    other = page()
    assert other_shopper.email in other and shopper.email not in other and "Sturdy lid" not in other

    client.force_login(shopper)
    resp = client.post("/me/", {"display_name": "Mia", "timezone": "Asia/Shanghai"}, follow=True,
                       HTTP_ACCEPT_LANGUAGE="en")
    body = resp.content.decode()
    assert 'class="wrap messages"' in body and "Mia" in body
    # The form's fields are stored under their own values: the next view shows the saved ones.
    again = page()
    assert 'name="display_name" value="Mia"' in again
    assert '<option value="Asia/Shanghai" selected>' in again and '<option value="America/New_York" selected>' not in again
    assert again.count('name="timezone"') == 1
