"""Badge, leaderboard and rewards pages (and their API): content, exact query counts, i18n."""
import uuid

import pytest
from rest_framework.test import APIClient

from community.privacy import services as privacy_services
from gamification import badges, rewards
from gamification.models import Badge, Redemption, Reward
from gamification.services import points_award
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_db_boards(settings):
    settings.LANGUAGE_CODE = "en"
    settings.GAMIFICATION_LEADERBOARD_BACKEND = "db"


def make_badge(slug="photo-pro", **kwargs):
    return Badge.objects.create(
        slug=slug, name_zh="晒图达人", name_en="Photo pro", description_en="Five reviews with photos",
        criterion="reviews_published", params={"n": 1}, icon_emoji="📸", **kwargs,
    )


def users_with_points(n):
    users = factories.UserFactory.create_batch(n)
    for i, user in enumerate(users):
        points_award(user_id=user.pk, amount=10 + i, action="community.review.content", key=f"p:{user.pk}")
    return users


# --- badges -----------------------------------------------------------------------------------------------------


BADGE_LIST_QUERIES = 1  # badges with their holder counts


@pytest.mark.parametrize("n", [2, 20])
def test_badge_list_query_count(client, django_assert_num_queries, n):
    for i in range(n):
        badge = make_badge(slug=f"b{i}")
        for user in factories.UserFactory.create_batch(2):
            badges.badge_grant(user_id=user.pk, badge=badge, notify=False)
    with django_assert_num_queries(BADGE_LIST_QUERIES):
        resp = client.get("/badges/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert html.count('class="badge-tile') == n and "2 holders" in html


BADGE_PAGE_QUERIES = 3  # the badge with its holder count, COUNT of public holders, one page of them (users joined)


@pytest.mark.parametrize("n", [3, 60])
def test_badge_page_lists_holders_with_fixed_queries(client, django_assert_num_queries, n):
    badge = make_badge()
    holders = factories.public_profile_on(*factories.UserFactory.create_batch(n))
    for user in holders:
        badges.badge_grant(user_id=user.pk, badge=badge, notify=False)
    with django_assert_num_queries(BADGE_PAGE_QUERIES):
        resp = client.get(f"/badges/{badge.slug}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "Photo pro" in html and html.count('class="holder"') == min(n, 30)
    assert holders[-1].public_name in html  # newest first
    assert client.get("/badges/nope/").status_code == 404


def test_badge_page_in_chinese(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    make_badge()
    assert "晒图达人" in client.get("/badges/photo-pro/").content.decode()


def test_badges_show_on_review_cards_and_profile(client, shopper, product, django_capture_on_commit_callbacks):
    badge = make_badge()
    with django_capture_on_commit_callbacks(execute=True):  # the product's counts refresh after commit
        # A review with words: a rating alone is a compact row without badges (docs/reviews.md).
        factories.review_with_words(author=shopper, product=product)
    badges.badge_grant(user_id=shopper.pk, badge=badge, notify=False)
    # Badges show on review cards only with the author's public-profile consent (docs/reviews.md).
    with django_capture_on_commit_callbacks(execute=True):
        privacy_services.consent_set(user=shopper, purpose="public_profile", granted=True, method="settings")
    html = client.get(f"/products/{product.slug}/").content.decode()
    assert f'href="/badges/{badge.slug}/"' in html and "Badge: Photo pro" in html
    client.force_login(shopper)
    html = client.get("/me/").content.decode()
    assert "My badges" in html and "Photo pro" in html


# --- leaderboards ----------------------------------------------------------------------------------------------


LEADERBOARD_QUERIES_ANONYMOUS = 2  # the board (aggregated from the ledger), its users
# + user, header counts (the session is cached); the viewer's own rank costs 2 more when they are
# not in the top 100
LEADERBOARD_QUERIES_SIGNED_IN_TOP = 4
LEADERBOARD_QUERIES_SIGNED_IN_RANKED = 6


@pytest.mark.parametrize("n", [5, 120])
def test_leaderboard_query_count_and_top_100(client, django_assert_num_queries, n):
    users = users_with_points(n)
    with django_assert_num_queries(LEADERBOARD_QUERIES_ANONYMOUS):
        resp = client.get("/leaderboards/", {"period": "week"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert html.count('<li class="leader') == min(n, 100)
    assert html.index(users[-1].public_name) < html.index(users[-2].public_name)  # most points first


def test_leaderboard_shows_viewer_rank(client, django_assert_num_queries):
    users = users_with_points(120)
    client.force_login(users[-1])  # the top user
    with django_assert_num_queries(LEADERBOARD_QUERIES_SIGNED_IN_TOP):
        html = client.get("/leaderboards/?period=month").content.decode()
    assert "#1" in html and 'class="leader is-me"' in html
    client.force_login(users[0])  # rank 120: not in the top 100
    with django_assert_num_queries(LEADERBOARD_QUERIES_SIGNED_IN_RANKED):
        html = client.get("/leaderboards/?period=all").content.decode()
    assert "#120" in html and "You have 10 points here." in html


def test_leaderboard_bad_params(client):
    assert client.get("/leaderboards/?period=year").status_code == 200  # falls back to this week
    assert client.get("/leaderboards/?scope=evil").status_code == 404


def test_leaderboard_api(shopper):
    users = users_with_points(3)
    api = APIClient()
    api.force_authenticate(users[0])
    body = api.get("/api/leaderboards/?period=all").json()
    assert [r["user_id"] for r in body["rows"]] == [u.pk for u in reversed(users)]
    assert body["me"] == {"rank": 3, "points": 10}
    assert api.get("/api/leaderboards/?period=year").status_code == 400


# --- rewards ---------------------------------------------------------------------------------------------------


def make_reward(brand, i=0, *, cost=30, codes=2):
    reward = Reward.objects.create(brand=brand, title_zh=f"优惠券{i}", title_en=f"Coupon {i}", cost=cost)
    rewards.reward_codes_add(reward=reward, codes=[f"R{i}-{uuid.uuid4().hex[:6]}" for _ in range(codes)])
    return reward


REWARDS_QUERIES_ANONYMOUS = 1  # rewards on offer (brand joined, stock annotated)
# + user, header counts, the viewer's balance, their redemptions per reward (the session is cached)
REWARDS_QUERIES_SIGNED_IN = 5


@pytest.mark.parametrize("n", [2, 15])
def test_reward_store_query_count(client, brand, shopper, django_assert_num_queries, n):
    for i in range(n):
        make_reward(brand, i)
    with django_assert_num_queries(REWARDS_QUERIES_ANONYMOUS):
        resp = client.get("/rewards/")
    assert resp.content.decode().count('class="card reward-card"') == n
    points_award(user_id=shopper.pk, amount=45, action="test.grant", key="g")
    client.force_login(shopper)
    with django_assert_num_queries(REWARDS_QUERIES_SIGNED_IN):
        resp = client.get("/rewards/")
    html = resp.content.decode()
    assert "You can spend <strong>45</strong> points." in html
    assert html.count('name="key"') == n


def test_redeem_from_the_store_and_see_the_code(client, brand, shopper, django_assert_num_queries):
    reward = make_reward(brand, cost=30, codes=1)
    points_award(user_id=shopper.pk, amount=45, action="test.grant", key="g")
    client.force_login(shopper)
    resp = client.post(f"/rewards/{reward.pk}/redeem/", {"key": "abc"})
    assert resp.status_code == 302 and resp["Location"] == "/me/rewards/"
    code = Redemption.objects.get(user=shopper).code.code
    # header counts, COUNT, page (reward, brand, code joined); the user comes from the cache
    with django_assert_num_queries(3):
        html = client.get("/me/rewards/").content.decode()
    assert code in html
    # Sold out now; a second try says so.
    resp = client.post(f"/rewards/{reward.pk}/redeem/", {"key": "def"}, follow=True)
    assert "sold out" in resp.content.decode() or "most allowed" in resp.content.decode()


def test_redeem_without_enough_points_shows_the_reason(client, brand, shopper):
    reward = make_reward(brand, cost=30)
    client.force_login(shopper)
    resp = client.post(f"/rewards/{reward.pk}/redeem/", {"key": "abc"}, follow=True)
    assert "You need 30 points but have 0 to spend." in resp.content.decode()
    assert not Redemption.objects.exists()


def test_my_rewards_needs_login(client):
    assert client.get("/me/rewards/").status_code == 302


def test_rewards_api(brand, shopper):
    reward = make_reward(brand, cost=30)
    points_award(user_id=shopper.pk, amount=100, action="test.grant", key="g")
    api = APIClient()
    assert api.get("/api/rewards/").json()[0]["stock"] == 2
    assert api.post(f"/api/rewards/{reward.pk}/redeem/", {"key": "x"}, format="json").status_code in (401, 403)
    api.force_authenticate(shopper)
    resp = api.post(f"/api/rewards/{reward.pk}/redeem/", {"key": "x"}, format="json")
    assert resp.status_code == 201 and resp.json()["code"].startswith("R0-")
    again = api.post(f"/api/rewards/{reward.pk}/redeem/", {"key": "x"}, format="json")
    assert again.json()["id"] == resp.json()["id"]  # same key: same redemption
    err = api.post(f"/api/rewards/{reward.pk}/redeem/", {"key": "y"}, format="json")
    assert err.status_code == 400 and err.json()["error"]["code"] == "limit_reached"
    assert api.get("/api/me/rewards/").json()["count"] == 1
