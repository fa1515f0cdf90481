"""The points history page, the check-in button, the profile's level card and /api/me/points/."""
import pytest
from django.utils import translation

from gamification import services
from gamification.models import Level, PointsEntry

pytestmark = pytest.mark.django_db

# user, totals, count, page of rows, activity days (both streaks), site header counts (cold here).
# The session and the level table are cached (warm after any award); breadth is asked only when the
# next level needs it.
POINTS_PAGE_QUERIES = 7  # + the invalidated-interactions notice (moderation, through a hook)
# user, totals, count, page of rows (the session comes from the cache)
POINTS_API_QUERIES = 4


def _fill(user, n):
    for i in range(n):
        services.points_award(user_id=user.pk, amount=1, action="community.review.rated", key=f"{user.pk}:{i}")
    first = PointsEntry.objects.filter(user=user).order_by("id").first()
    services.points_reverse(entry_id=first.pk, reason="community.review.removed")


@pytest.mark.parametrize("n", [1, 30])
def test_points_page_query_count_is_fixed(client, shopper, django_assert_num_queries, n):
    _fill(shopper, n)
    client.force_login(shopper)
    with django_assert_num_queries(POINTS_PAGE_QUERIES):
        response = client.get("/me/points/")
    assert response.status_code == 200


def test_points_page_gives_a_reason_for_every_row_in_both_languages(client, shopper):
    _fill(shopper, 2)
    client.force_login(shopper)
    client.cookies.load({"django_language": "en"})
    body = client.get("/me/points/").content.decode()
    assert body.count("Rated a product") == 3
    assert "Reversed: Rated a product (the review was removed)" in body
    client.cookies.load({"django_language": "zh-hans"})
    body_zh = client.get("/me/points/").content.decode()
    with translation.override("zh-hans"):
        label, title = translation.gettext("Rated a product"), translation.gettext("My points")
        reversed_label = translation.gettext("Reversed: %(what)s (%(why)s)") % {
            "what": label, "why": translation.gettext("the review was removed")}
    assert label != "Rated a product" and title != "My points"  # the catalogue has them
    assert title in body_zh and body_zh.count(label) == 3 and reversed_label in body_zh


def test_points_page_needs_login(client):
    response = client.get("/me/points/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_checkin_button(client, shopper):
    client.force_login(shopper)
    assert 'id="checkin-button"' in client.get("/me/points/").content.decode()
    response = client.post("/me/checkin/", follow=True)
    body = response.content.decode()
    assert 'id="checked-in"' in body and PointsEntry.objects.filter(user=shopper, action="gamification.checkin").count() == 1
    client.post("/me/checkin/")
    assert PointsEntry.objects.filter(user=shopper, action="gamification.checkin").count() == 1


def test_checkin_api(client, shopper):
    client.force_login(shopper)
    first = client.post("/api/me/checkin/").json()
    second = client.post("/api/me/checkin/").json()
    assert first == {"created": True, "points": 1, "streak": 1}
    assert second["created"] is False and second["points"] == 0


def test_profile_shows_level_progress(client, shopper):
    lv2 = Level.objects.get(number=2)
    services.points_award(user_id=shopper.pk, amount=lv2.min_points - 7, action="t", key="a")
    client.force_login(shopper)
    with translation.override("en"):
        client.cookies.load({"django_language": "en"})
        body = client.get("/me/").content.decode()
    assert 'id="level-progress"' in body and "7 more points" in body


def test_profile_level_card_query_count(client, shopper, django_assert_num_queries):
    """The level card costs exactly one query (the totals row) on top of the profile page,
    plus one for breadth when the next level asks for it."""
    client.force_login(shopper)
    from community.views import profile  # noqa: F401  (the page is community's; we count our share)
    from gamification.levels import levels_table
    from gamification.templatetags.gamification_core import level_progress_card

    levels_table()
    with django_assert_num_queries(1):
        level_progress_card(shopper)
    services.points_award(user_id=shopper.pk, amount=Level.objects.get(number=2).min_points, action="t", key="a")
    with django_assert_num_queries(2):  # totals + breadth (level 3 needs helpful votes from distinct users)
        level_progress_card(shopper)


def test_api_me_points(client, shopper, django_assert_num_queries):
    _fill(shopper, 25)
    client.force_login(shopper)
    client.cookies.load({"django_language": "en"})
    with django_assert_num_queries(POINTS_API_QUERIES):
        data = client.get("/api/me/points/").json()
    assert data["summary"]["total"] == 24 and data["count"] == 26 and len(data["results"]) == 20
    assert data["results"][0]["reverses"] is not None and data["results"][0]["reason"].startswith("Reversed")
    assert data["summary"]["level"]["number"] == 1
    assert data["progress"]["missing"]["points"] == Level.objects.get(number=2).min_points - 24


def test_api_me_points_needs_auth(client):
    assert client.get("/api/me/points/").status_code in (401, 403)


# The whole /me/ page is community's: its count is measured against itself; the level
# card adds one (the totals row), and one more for breadth when the next level asks for it.


@pytest.mark.parametrize("n", [1, 30])
def test_profile_page_query_count_does_not_grow_with_the_ledger(client, shopper, django_assert_num_queries, n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(shopper)
    client.get("/me/")  # warm per-process caches (level table, grants)
    with CaptureQueriesContext(connection) as baseline:
        client.get("/me/")
    _fill(shopper, n)  # 1 or 30 ledger rows: level 1, no breadth needed for level 2
    with django_assert_num_queries(len(baseline.captured_queries)):
        response = client.get("/me/")
    assert response.status_code == 200 and 'id="level-progress"' in response.content.decode()
    card = [q["sql"] for q in baseline.captured_queries if "gamification_" in q["sql"]]
    assert len([q for q in card if "gamification_userpoints" in q]) == 1
