"""Rules: daily caps in the user's time zone, quality scaling, vesting, levels, privileges, streaks."""
from datetime import date, datetime, timedelta, timezone as dt_tz

import pytest

from gamification import services
from gamification.levels import level_compute
from gamification.models import ActivityDay, Level, PointsEntry, PrivilegeGrant, Rule, UserPoints
from gamification.privileges import privilege_value, user_can
from gamification.selectors import level_progress, user_level, user_levels, user_points
from gamification.streaks import checkin, streak_length
from tests import factories

pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=dt_tz.utc)


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = utc(2026, 1, 9, 12, 0)

        def set(self, value):
            self.now = value

    c = Clock()
    monkeypatch.setattr(services, "_now", lambda: c.now)
    return c


@pytest.fixture
def capped_rule(db):
    return Rule.objects.create(action="test.capped", points=2, daily_cap_count=3)


def _award(user, n, action="test.capped"):
    return [services.points_award_for_action(user_id=user.pk, action=action, key=f"{action}:{user.pk}:{n}")
            for n in range(n)]


@pytest.mark.parametrize(
    "tz_name, before_midnight_utc",
    [
        ("Asia/Shanghai", utc(2026, 1, 9, 15, 30)),  # 23:30 in Shanghai (UTC+8)
        ("America/New_York", utc(2026, 1, 10, 4, 30)),  # 23:30 in New York (UTC-5)
    ],
)
def test_daily_cap_holds_until_midnight_in_the_users_time_zone(clock, capped_rule, tz_name, before_midnight_utc):
    user = factories.UserFactory(timezone=tz_name)
    clock.set(before_midnight_utc - timedelta(hours=10))  # same local day, earlier
    assert all(_award(user, 2))
    clock.set(before_midnight_utc)
    third, fourth = (services.points_award_for_action(user_id=user.pk, action="test.capped", key=f"x{i}")
                     for i in range(2))
    assert third is not None and fourth is None  # cap of 3 per local day reached
    clock.set(before_midnight_utc + timedelta(hours=1))  # 00:30 next local day
    assert services.points_award_for_action(user_id=user.pk, action="test.capped", key="y") is not None
    assert UserPoints.objects.get(user=user).total == 8


def test_same_instant_is_a_different_day_for_users_in_different_zones(clock, capped_rule):
    shanghai = factories.UserFactory(timezone="Asia/Shanghai")
    new_york = factories.UserFactory(timezone="America/New_York")
    clock.set(utc(2026, 1, 9, 15, 0))  # 23:00 Shanghai, 10:00 New York
    for user in (shanghai, new_york):
        _award(user, 3)
    clock.set(utc(2026, 1, 9, 17, 0))  # 01:00 Shanghai (new day), 12:00 New York (same day)
    assert services.points_award_for_action(user_id=shanghai.pk, action="test.capped", key="s") is not None
    assert services.points_award_for_action(user_id=new_york.pk, action="test.capped", key="n") is None


def test_points_cap_trims_the_last_award(clock, shopper):
    Rule.objects.create(action="test.pcap", points=40, daily_cap_points=100)
    got = [services.points_award_for_action(user_id=shopper.pk, action="test.pcap", key=f"p{i}") for i in range(4)]
    assert [e.amount if e else None for e in got] == [40, 40, 20, None]


def test_reversed_awards_free_the_key_for_a_new_award(shopper):
    Rule.objects.create(action="test.r", points=5)
    first = services.points_award_for_action(user_id=shopper.pk, action="test.r", key="r:1")
    assert services.points_award_for_action(user_id=shopper.pk, action="test.r", key="r:1") is None
    services.points_reverse(entry_id=first.pk, reason="test")
    again = services.points_award_for_action(user_id=shopper.pk, action="test.r", key="r:1")
    assert again.key == "r:1#1"
    assert services.points_award_for_action(user_id=shopper.pk, action="test.r", key="r:1") is None


def test_inactive_rule_awards_nothing(shopper):
    Rule.objects.filter(action="community.review.rated").update(is_active=False)
    assert services.points_award_for_action(user_id=shopper.pk, action="community.review.rated", key="k") is None
    assert services.points_award_for_action(user_id=shopper.pk, action="no.such.rule", key="k2") is None


@pytest.mark.parametrize("band, expected", [("low", 5), ("ok", 10), ("good", 15), ("great", 20), ("weird", 10)])
def test_quality_band_scales_content_points(shopper, product, monkeypatch, band, expected):
    monkeypatch.setattr(services, "quality_band", lambda source: band if band in services.QUALITY_MULTIPLIERS else "ok")
    entry = services.points_award_for_action(
        user_id=shopper.pk, action="community.review.content", source=product, key="q"
    )
    assert entry.amount == expected


def test_receiving_is_worth_more_than_giving():
    rules = dict(Rule.objects.values_list("action", "points"))
    assert rules["community.review.helpful_received"] > rules["community.review.vote_cast"]
    assert rules["community.review.content"] > rules["community.review.rated"]
    assert not Rule.objects.get(action="community.review.vote_cast").counts_toward_level


# --- vesting ---------------------------------------------------------------------------------


def test_content_points_vest_after_the_period(clock, shopper, product):
    entry = services.points_award_for_action(user_id=shopper.pk, action="community.review.content", source=product,
                                             key="c")
    assert entry.vests_at == clock.now + timedelta(days=3)
    assert user_points(shopper.pk)["pending"] == entry.amount
    clock.set(clock.now + timedelta(days=2))
    assert services.points_vest_due() == 0
    clock.set(clock.now + timedelta(days=1, seconds=1))
    assert services.points_vest_due() == 1
    assert services.points_vest_due() == 0  # nothing left
    totals = user_points(shopper.pk)
    assert (totals["spendable"], totals["pending"]) == (entry.amount, 0)


def test_upheld_report_reverses_instead_of_vesting(clock, shopper, other_shopper, product):
    from community.services import review_post
    from moderation.models import Report

    review, _ = review_post(author=shopper, product=product, rating=4)
    entry = services.points_award(user_id=shopper.pk, amount=10, action="t", source=review, key="c", vest_days=3)
    Report.objects.create(content_type="review", object_id=review.pk, reporter=other_shopper, reason="spam",
                          status="upheld")
    clock.set(clock.now + timedelta(days=4))
    services.points_vest_due()
    assert PointsEntry.objects.get(reverses=entry).reason == "moderation.report.upheld"
    totals = user_points(shopper.pk)
    assert (totals["total"], totals["spendable"], totals["pending"]) == (0, 0, 0)


def test_removal_after_vesting_reverses_spendable(clock, shopper):
    entry = services.points_award(user_id=shopper.pk, amount=10, action="t", key="c", vest_days=3)
    clock.set(clock.now + timedelta(days=4))
    services.points_vest_due()
    assert user_points(shopper.pk)["spendable"] == 10
    services.points_reverse(entry_id=entry.pk, reason="community.review.removed")
    assert user_points(shopper.pk)["spendable"] == 0


# --- levels ------------------------------------------------------------------------------------


def _helpful_votes(author, product, voters, days):
    """Helpful votes on ``author``'s review from ``voters`` distinct users spread over ``days`` distinct days."""
    from community.models import HelpfulVote, Review

    review = Review.objects.filter(author=author).first() or Review.objects.create(
        product=product, author=author, rating=5, status="published"
    )
    for i in range(voters):
        voter = factories.UserFactory()
        HelpfulVote.objects.create(review=review, user=voter, helpful=True,
                                   created_at=utc(2026, 1, 1, 12) + timedelta(days=i % max(days, 1)))
    return review


def test_levels_need_points_then_breadth(shopper, product):
    lv3 = Level.objects.get(number=3)
    assert level_compute(shopper.pk, lv3.min_points - 1) == 2
    assert level_compute(shopper.pk, lv3.min_points) == 2  # points alone are not enough
    _helpful_votes(shopper, product, voters=lv3.min_distinct_voters, days=1)
    assert level_compute(shopper.pk, lv3.min_points) == 2  # one busy day is not enough
    _helpful_votes(shopper, product, voters=lv3.min_distinct_voters, days=lv3.min_distinct_days)
    assert level_compute(shopper.pk, lv3.min_points) == 3


def test_one_friend_voting_many_days_is_not_breadth(shopper, product):
    from community.models import HelpfulVote, Review

    lv3 = Level.objects.get(number=3)
    friend = factories.UserFactory()
    for i in range(lv3.min_distinct_days + 2):
        review = Review.objects.create(product=factories.ProductFactory(), author=shopper, rating=5)
        HelpfulVote.objects.create(review=review, user=friend, helpful=True, created_at=utc(2026, 1, 1) + timedelta(days=i))
    assert level_compute(shopper.pk, lv3.min_points * 10) == 2


def test_award_moves_level_and_notifies_once(shopper):
    from community.models import Notification

    lv2 = Level.objects.get(number=2)
    services.points_award(user_id=shopper.pk, amount=lv2.min_points - 1, action="t", key="a")
    assert user_level(shopper.pk)["number"] == 1
    services.points_award(user_id=shopper.pk, amount=1, action="t", key="b")
    assert UserPoints.objects.get(user=shopper).level == 2
    assert user_level(shopper.pk)["number"] == 2
    notes = list(Notification.objects.filter(user=shopper, kind="gamification.level.up"))
    assert len(notes) == 1 and "Lv2" in notes[0].display_title
    # Points that do not count toward level (check-ins, votes cast, spends) never lift a level.
    services.points_award(user_id=shopper.pk, amount=10_000, action="t", key="c", counts_toward_level=False)
    assert UserPoints.objects.get(user=shopper).level == 2


def test_reversal_can_lower_the_level(shopper):
    lv2 = Level.objects.get(number=2)
    entry = services.points_award(user_id=shopper.pk, amount=lv2.min_points, action="t", key="a")
    services.points_reverse(entry_id=entry.pk, reason="gamification.fraud")
    assert UserPoints.objects.get(user=shopper).level == 1


def test_operators_can_edit_thresholds(shopper):
    Level.objects.filter(number=2).update(min_points=5)
    from gamification.levels import tables_invalidate

    tables_invalidate()
    services.points_award(user_id=shopper.pk, amount=5, action="t", key="a")
    assert user_level(shopper.pk)["number"] == 2


def test_level_progress_says_exactly_what_is_missing(shopper, product):
    lv2, lv3 = Level.objects.get(number=2), Level.objects.get(number=3)
    services.points_award(user_id=shopper.pk, amount=lv2.min_points + 10, action="t", key="a")
    _helpful_votes(shopper, product, voters=1, days=1)
    progress = level_progress(shopper)
    assert progress["level"]["number"] == 2 and progress["next"]["number"] == 3
    assert progress["missing"] == {
        "points": lv3.min_points - lv2.min_points - 10,
        "voters": lv3.min_distinct_voters - 1,
        "days": lv3.min_distinct_days - 1,
    }


def test_user_levels_for_many_users_in_one_query(django_assert_num_queries):
    users = [factories.UserFactory() for _ in range(5)]
    services.points_award(user_id=users[0].pk, amount=Level.objects.get(number=2).min_points, action="t", key="a")
    from django.core.cache import cache

    cache.clear()  # cold: no level table, no per-user entries

    cache.delete_many([f"gamification:user-level:v2:{u.pk}" for u in users])
    with django_assert_num_queries(1):
        levels = user_levels([u.pk for u in users])
    assert levels[users[0].pk]["number"] == 2 and {levels[u.pk]["number"] for u in users[1:]} == {1}
    with django_assert_num_queries(0):
        user_levels([u.pk for u in users])  # cached


# --- privileges ---------------------------------------------------------------------------------


def test_user_can_answers_from_the_grant_table(shopper):
    assert not user_can(shopper, "skip_premoderation")
    grant = PrivilegeGrant.objects.get(privilege="skip_premoderation")
    needed = Level.objects.get(number=grant.min_level)
    UserPoints.objects.create(user=shopper, level=needed.number)
    from django.core.cache import cache

    cache.clear()
    fresh = type(shopper).objects.get(pk=shopper.pk)
    assert user_can(fresh, "skip_premoderation")
    PrivilegeGrant.objects.filter(pk=grant.pk).update(min_level=needed.number + 1)
    from gamification.levels import tables_invalidate

    tables_invalidate()  # what a grant's save does (gamification.receivers): the shared and this process's copy
    assert not user_can(type(shopper).objects.get(pk=shopper.pk), "skip_premoderation")


def test_user_can_is_memoised_per_user_object(shopper, django_assert_num_queries):
    user_can(shopper, "more_photos")
    with django_assert_num_queries(0):
        for name in ("more_photos", "heavier_reports", "skip_premoderation", "higher_rate_limits"):
            user_can(shopper, name)


def test_privilege_values_and_staff(shopper):
    staff = factories.UserFactory(is_staff=True)
    assert user_can(staff, "skip_premoderation")
    assert privilege_value(staff, "more_photos") == PrivilegeGrant.objects.get(privilege="more_photos").value
    assert privilege_value(shopper, "more_photos") == 0
    with pytest.raises(KeyError):
        user_can(shopper, "fly")
    from django.contrib.auth.models import AnonymousUser

    assert not user_can(AnonymousUser(), "more_photos")


def test_saving_a_grant_in_the_admin_drops_the_cache(shopper):
    assert not user_can(shopper, "higher_rate_limits")
    grant = PrivilegeGrant.objects.get(privilege="higher_rate_limits")
    grant.min_level = 1
    grant.save()  # what the admin does: the post_save receiver drops the cached table
    assert user_can(type(shopper).objects.get(pk=shopper.pk), "higher_rate_limits")


# --- streaks and check-in ----------------------------------------------------------------------------


def d(day):
    return date(2026, 1, day)  # 2026-01-05 is a Monday


def test_streak_counts_consecutive_days_with_one_grace_day_per_week():
    assert streak_length({d(5), d(6), d(7)}, d(7)) == 3
    assert streak_length({d(5), d(6), d(7)}, d(8)) == 3  # today not over yet
    assert streak_length({d(5), d(7), d(8)}, d(8)) == 3  # 6th forgiven
    assert streak_length({d(5), d(7), d(9)}, d(9)) == 2  # 9, (8 forgiven), 7; the 6th is a second gap that week
    assert streak_length({d(9), d(11), d(13)}, d(13)) == 3  # 10th (week 2) and 12th (week 3) each forgiven
    assert streak_length({d(5), d(6)}, d(9)) == 0  # two days missed in a row
    assert streak_length(set(), d(9)) == 0


def test_checkin_once_per_local_day(clock):
    user = factories.UserFactory(timezone="America/Los_Angeles")
    clock.set(utc(2026, 1, 9, 7, 30))  # 23:30 on the 8th in Los Angeles
    created, entry, streak = checkin(user_id=user.pk, now=clock.now)
    assert created and entry.amount == 1 and streak == 1
    assert checkin(user_id=user.pk, now=clock.now)[0] is False
    clock.set(utc(2026, 1, 9, 8, 30))  # 00:30 on the 9th
    created, entry, streak = checkin(user_id=user.pk, now=clock.now)
    assert created and streak == 2
    assert list(ActivityDay.objects.filter(user=user).values_list("day", flat=True).order_by("day")) == [d(8), d(9)]
    assert UserPoints.objects.get(user=user).level_points == 0  # check-ins do not count toward level


def test_streak_milestone_awards_once(shopper):
    from gamification.streaks import activity_record

    for day in range(5, 12):
        activity_record(user_id=shopper.pk, kind=ActivityDay.Kind.CONTRIBUTION, day=d(day))
    rows = PointsEntry.objects.filter(user=shopper, action="gamification.streak.days_7")
    assert rows.count() == 1
    activity_record(user_id=shopper.pk, kind=ActivityDay.Kind.CONTRIBUTION, day=d(11))  # again: nothing new
    assert rows.count() == 1


def test_quality_band_comes_from_moderation_scores(shopper, product):
    from community.services import review_post
    from moderation.models import QualityScore

    review, _ = review_post(author=shopper, product=product, rating=5)
    assert services.quality_band(review) == "ok"  # not scored yet
    fields = {f.name for f in QualityScore._meta.get_fields()}
    if "score" not in fields:  # pragma: no cover
        pytest.skip("QualityScore has no score field")
    from django.db import models as m

    extra = {f.name: (0 if isinstance(f, (m.IntegerField, m.FloatField)) else ({} if isinstance(f, m.JSONField) else ""))
             for f in QualityScore._meta.concrete_fields
             if not f.primary_key and not f.has_default() and not f.null and f.name not in ("content_type", "object_id", "score")
             and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)}
    QualityScore.objects.create(content_type="review", object_id=review.pk, score=90, **extra)
    assert services.quality_band(review) == "great"
    entry = services.points_award_for_action(user_id=shopper.pk, action="community.review.content", source=review, key="qq")
    assert entry.amount == 2 * Rule.objects.get(action="community.review.content").points
