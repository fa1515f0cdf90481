"""KPI definitions on crafted data with exact expected values (docs/dashboard.md)."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard import kpis, rollups
from dashboard.models import DailyCount, DailyUser
from dashboard.tests.helpers import at, review, vote
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = at(2026, 3, 10, 18)


def _kpi(data, key):
    return next(k for k in data["kpis"] if k["key"] == key)


def test_three_deep_actions_of_ten_is_thirty_percent():
    product = ProductFactory()
    users = UserFactory.create_batch(4)
    day = at(2026, 3, 5)
    deep = [review(users[i], product, day, text="Keeps tea hot all morning.") for i in range(3)]
    review(users[3], product, day)  # a star tap alone: shallow
    for u in range(3):  # six helpful votes, each on another author's review: shallow
        for d in range(3):
            if u != d:
                vote(users[u], deep[d], day)
    rollups.rollups_rebuild(since=date(2026, 3, 1), now=NOW)
    data = kpis.dashboard_data(start=date(2026, 3, 1), end=date(2026, 3, 10))
    k = _kpi(data, "deep_share")
    assert (k["deep"], k["actions"]) == (3, 10)
    assert k["value"] == pytest.approx(0.30)
    assert k["status"] == "green"  # the line is >= 30%
    ugc = _kpi(data, "ugc_volume")
    assert ugc["reviews"] == 4 and ugc["text_photo_share"] == pytest.approx(0.75)
    assert ugc["value"] == pytest.approx(4 / 10)  # four reviews over ten days


def test_day_boundaries_follow_shanghai_time():
    product, user = ProductFactory(), UserFactory()
    utc = ZoneInfo("UTC")
    review(user, product, datetime(2026, 3, 4, 15, 59, tzinfo=utc))  # 23:59 on the 4th in Shanghai
    review(UserFactory(), product, datetime(2026, 3, 4, 16, 0, tzinfo=utc))  # 00:00 on the 5th
    rollups.rollups_rebuild(since=date(2026, 3, 1), now=NOW)
    per_day = {r.day: r.value for r in DailyCount.objects.filter(metric="star")}
    assert per_day == {date(2026, 3, 4): 1, date(2026, 3, 5): 1}


def test_a_user_active_on_two_days_is_one_user_in_the_week():
    product = ProductFactory()
    a, b = UserFactory(), UserFactory()
    review(a, product, at(2026, 3, 8))
    target = review(b, product, at(2026, 3, 9), text="Sturdy lid.")
    vote(a, target, at(2026, 3, 9))
    vote(a, review(UserFactory(), product, at(2026, 3, 2)), at(2026, 3, 10, 9))
    rollups.rollups_rebuild(since=date(2026, 3, 1), now=NOW)
    assert DailyUser.objects.filter(brand_id=0, user_id=a.pk).count() == 3  # exact per-day sets
    data = kpis.dashboard_data(start=date(2026, 3, 4), end=date(2026, 3, 10))
    users = _kpi(data, "active_users")
    assert users["value"] == 1  # DAU on the 10th: a
    assert users["wau"] == 2 and users["active"] == 2
    assert users["mau"] == 3 and users["stickiness"] == pytest.approx(1 / 3)  # MAU reaches back to the 2nd
    freq = _kpi(data, "creation_frequency")  # 2 contributions (a's and b's reviews) by 2 creators in 1 week
    assert freq["value"] == pytest.approx(1.0)


def test_fake_rate_is_not_made_up_when_unmeasured(monkeypatch, client, settings):
    from django.contrib.auth.models import Permission

    from community import hooks
    settings.LANGUAGE_CODE = "en"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    monkeypatch.setattr(hooks.fake_interaction_rate, "_impl", None)  # the hook's default: None
    k = _kpi(kpis.dashboard_data(start=date(2026, 3, 1), end=date(2026, 3, 10)), "fake_rate")
    assert (k["value"], k["measured"], k["status"]) == (None, False, "none")
    operator = UserFactory(is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    client.force_login(operator)
    assert b"Not measured yet" in client.get("/dashboard/").content


def test_fake_rate_comes_from_the_hook(monkeypatch, settings):
    from community import hooks
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    seen = []

    def fake(*, start, end, brand_id=None):
        seen.append((start, end, brand_id))
        return {"combined": 0.12, "combined_low": 0.08, "combined_high": 0.16, "invalidated_share": 0.02}
    monkeypatch.setattr(hooks.fake_interaction_rate, "_impl", fake)
    k = _kpi(kpis.dashboard_data(start=date(2026, 3, 1), end=date(2026, 3, 10), brand_ids=[7]), "fake_rate")
    assert k["value"] == 0.12 and k["status"] == "red"  # over the 10% red line
    assert seen[0] == (date(2026, 3, 1), date(2026, 3, 11), 7)  # end exclusive, the one brand


def test_lines_colour_by_direction():
    low = {"target": 0.1, "yellow": 0.1, "red": 0.2, "higher_is_better": False}
    assert [kpis.colour(v, low) for v in (0.05, 0.15, 0.2)] == ["green", "yellow", "red"]
    high = {"target": 0.3, "yellow": 0.3, "red": 0.15, "higher_is_better": True}
    assert [kpis.colour(v, high) for v in (0.3, 0.2, 0.1)] == ["green", "yellow", "red"]


def test_retention_counts_contributions_in_later_weeks():
    product = ProductFactory()
    joined = at(2026, 1, 5)  # a Monday
    u = UserFactory(date_joined=joined)
    UserFactory(date_joined=joined)  # joined, never contributed
    review(u, product, joined + timedelta(days=8))  # week 1
    rollups.rollups_rebuild(since=date(2026, 1, 1), now=NOW)
    ret = kpis.retention(date(2026, 3, 10))
    cohort = next(c for c in ret["cohorts"] if c["week"] == "2026-01-05")
    assert cohort["size"] == 2
    assert cohort["shares"] == [0.5, 0.0, 0.0, 0.0]
