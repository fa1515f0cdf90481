"""Leaderboards: periods, ordering, competition ranks and own rank, in the database store and in Redis."""
import datetime
import os
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from gamification import leaderboards
from gamification.models import PointsEntry
from gamification.services import points_award, points_reverse, points_spend
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)  # a Wednesday


@pytest.fixture(params=["db", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, settings):
    settings.GAMIFICATION_LEADERBOARD_BACKEND = request.param
    if request.param == "redis":
        settings.GAMIFICATION_LEADERBOARD_PREFIX = f"test:lb:{uuid.uuid4().hex}"
        yield request.param
        client = leaderboards.redis_client()
        keys = list(client.scan_iter(f"{settings.GAMIFICATION_LEADERBOARD_PREFIX}:*"))
        if keys:
            client.delete(*keys)
    else:
        yield request.param


def award(user, amount, *, when, key=None):
    entry = points_award(user_id=user.pk, amount=amount, action="community.review.content", key=key or uuid.uuid4().hex)
    PointsEntry.objects.filter(pk=entry.pk).update(created_at=when)  # place it in time
    entry.refresh_from_db()
    return entry


def sync(store):
    """Redis boards follow ledger rows after commit; tests run in a transaction, so rebuild."""
    if store == "redis":
        call_command("leaderboards", "rebuild")


def test_periods_ordering_and_ranks(store, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    a, b, c, d = factories.UserFactory.create_batch(4)
    award(a, 50, when=NOW - datetime.timedelta(hours=1))
    award(b, 30, when=NOW - datetime.timedelta(days=1))
    award(c, 30, when=NOW - datetime.timedelta(days=1))
    award(d, 500, when=NOW - datetime.timedelta(days=20))  # earlier this month, not this week
    award(a, 1000, when=NOW - datetime.timedelta(days=400))  # long ago: all time only
    sync(store)

    week = leaderboards.leaderboard_top(period="week")
    assert [(r["rank"], r["user_id"], r["points"]) for r in week][:1] == [(1, a.pk, 50)]
    assert sorted((r["rank"], r["user_id"]) for r in week[1:]) == [(2, b.pk), (2, c.pk)]  # a tie shares a rank
    assert [r["user_id"] for r in leaderboards.leaderboard_top(period="month")][:2] == [d.pk, a.pk]
    assert leaderboards.leaderboard_top(period="all")[0] == {"rank": 1, "user_id": a.pk, "points": 1050}

    assert leaderboards.leaderboard_rank(user_id=c.pk, period="week") == {"rank": 2, "points": 30}
    assert leaderboards.leaderboard_rank(user_id=d.pk, period="week") is None
    assert leaderboards.leaderboard_rank(user_id=d.pk, period="month") == {"rank": 1, "points": 500}


def test_week_starts_on_monday_in_site_time_zone(store, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    user = factories.UserFactory()
    monday_shanghai = datetime.datetime(2025, 11, 23, 16, 30, tzinfo=datetime.timezone.utc)  # Mon 00:30 +08
    award(user, 7, when=monday_shanghai)
    award(user, 100, when=monday_shanghai - datetime.timedelta(hours=1))  # Sunday 23:30 in Shanghai
    sync(store)
    assert leaderboards.leaderboard_rank(user_id=user.pk, period="week")["points"] == 7


def test_spending_never_lowers_a_rank_but_reversals_do(store, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    a, b = factories.UserFactory.create_batch(2)
    win = award(a, 100, when=NOW)
    award(b, 60, when=NOW)
    points_spend(user_id=a.pk, amount=90, action="gamification.reward.redeemed", key="spend-1")
    sync(store)
    assert leaderboards.leaderboard_rank(user_id=a.pk, period="week") == {"rank": 1, "points": 100}
    points_reverse(entry_id=win.pk, reason="removed")
    sync(store)
    assert leaderboards.leaderboard_rank(user_id=a.pk, period="week") is None
    assert leaderboards.leaderboard_rank(user_id=b.pk, period="week") == {"rank": 1, "points": 60}


def test_challenge_scope_counts_only_that_challenge(store, monkeypatch, product):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    a, b = factories.UserFactory.create_batch(2)
    award(a, 500, when=NOW)
    entry = award(b, 20, when=NOW)
    PointsEntry.objects.filter(pk=entry.pk).update(source_type="community.challenge", source_id=12)
    sync(store)
    assert [r["user_id"] for r in leaderboards.leaderboard_top(period="all", scope="challenge:12")] == [b.pk]
    assert [r["user_id"] for r in leaderboards.leaderboard_top(period="all")] == [a.pk, b.pk]


@pytest.mark.redis
def test_redis_board_follows_new_rows_after_commit(settings, django_capture_on_commit_callbacks):
    settings.GAMIFICATION_LEADERBOARD_BACKEND = "redis"
    settings.GAMIFICATION_LEADERBOARD_PREFIX = prefix = f"test:lb:{uuid.uuid4().hex}"
    try:
        a, b = factories.UserFactory.create_batch(2)
        with django_capture_on_commit_callbacks(execute=True):
            entry = points_award(user_id=a.pk, amount=40, action="community.review.content", key="r1")
            points_award(user_id=b.pk, amount=10, action="community.review.content", key="r2")
            points_spend(user_id=a.pk, amount=5, action="gamification.reward.redeemed", key="r3")
        assert leaderboards.leaderboard_top(period="week") == [
            {"rank": 1, "user_id": a.pk, "points": 40}, {"rank": 2, "user_id": b.pk, "points": 10},
        ]
        with django_capture_on_commit_callbacks(execute=True):
            points_reverse(entry_id=entry.pk, reason="removed")
        assert leaderboards.leaderboard_rank(user_id=a.pk, period="all") is None
        assert leaderboards.leaderboard_rank(user_id=b.pk, period="all") == {"rank": 1, "points": 10}
    finally:
        client = leaderboards.redis_client()
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def test_invalid_period_or_scope_is_an_error(settings):
    settings.GAMIFICATION_LEADERBOARD_BACKEND = "db"
    with pytest.raises(Exception):
        leaderboards.leaderboard_top(period="year")
    with pytest.raises(Exception):
        leaderboards.leaderboard_top(period="week", scope="challenge:abc")


def test_redis_url_selects_redis_store(settings):
    settings.GAMIFICATION_LEADERBOARD_BACKEND = None
    settings.REDIS_URL = ""
    assert leaderboards.backend() == "db"
    settings.REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    assert leaderboards.backend() == "redis"
