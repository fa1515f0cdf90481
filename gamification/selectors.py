"""Public reads other apps may call: balances, levels, progress, history, streaks.

``user_level`` / ``user_levels`` are on every review card, so they read a per-user
cache first and then ask the database once for all misses.
"""
from django.core.cache import cache
from django.utils.translation import get_language

from community.privacy.selectors import public_profile_granted_expr
from gamification.levels import (
    FALLBACK_LEVEL,
    USER_LEVEL_CACHE_KEY,
    USER_LEVEL_TTL,
    breadth,
    level_row,
    levels_table,
)
from gamification.models import PointsEntry, UserBadge, UserPoints


def _localise(row) -> dict:
    english = (get_language() or "zh-hans").lower().startswith("en")
    return {
        "number": row["number"],
        "name": (row["name_en"] or row["name_zh"]) if english else (row["name_zh"] or row["name_en"]),
        "name_zh": row["name_zh"],
        "name_en": row["name_en"],
    }


def _level_dict(number) -> dict:
    return _localise(level_row(number))


def _levels_query(user_ids) -> dict:
    """{user_id: {"number", "name_zh", "name_en"}} in ONE query: the users' totals rows joined to
    their level rows, plus level 1 for users who have no totals row yet."""
    from django.db import connection

    from gamification.models import Level

    ids = sorted(user_ids)
    level_t, points_t = connection.ops.quote_name(Level._meta.db_table), connection.ops.quote_name(UserPoints._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT p.user_id, l.number, l.name_zh, l.name_en FROM {level_t} l "
        f"LEFT JOIN {points_t} p ON p.level = l.number AND p.user_id IN ({marks}) "
        f"WHERE p.user_id IS NOT NULL OR l.number = 1"
    )
    first, found = None, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        for user_id, number, name_zh, name_en in cursor.fetchall():
            row = {"number": number, "name_zh": name_zh, "name_en": name_en}
            if user_id is None:
                first = row
            else:
                found[user_id] = row
            if number == 1:
                first = first or row
    fallback = first or {k: FALLBACK_LEVEL[k] for k in ("number", "name_zh", "name_en")}
    return {i: found.get(i, fallback) for i in ids}


def user_levels(user_ids) -> dict:
    """{user_id: {"number", "name", "name_zh", "name_en"}} for many users: no query for users in the
    per-user cache, and ONE query for all the others."""
    ids = {int(i) for i in user_ids if i is not None}
    if not ids:
        return {}
    keys = {USER_LEVEL_CACHE_KEY.format(i): i for i in ids}
    found = {keys[k]: v for k, v in cache.get_many(list(keys)).items() if isinstance(v, dict)}
    missing = ids - found.keys()
    if missing:
        fetched = _levels_query(missing)
        cache.set_many({USER_LEVEL_CACHE_KEY.format(i): row for i, row in fetched.items()}, USER_LEVEL_TTL)
        found.update(fetched)
    return {i: _localise(row) for i, row in found.items()}


def user_level(user) -> dict:
    """The user's level for display on review cards and profiles: {"number", "name", ...}.
    ``user``: a user id, or a user object, on which the level is kept for as long as the object
    lives (a vote asked three times: its daily cap, its privileges and its interaction log row).
    Request objects live for one request; a loop that keeps user objects across changes of level
    (the replay command) hands out a fresh copy each time."""
    if user is None:
        return _level_dict(1)
    if not hasattr(user, "pk"):
        user_id = int(user)
        return user_levels([user_id])[user_id]
    return _localise(_level_row_kept(user))  # kept with both names: the display name follows the active language


def user_level_number(user) -> int:
    """``user_level(user)["number"]`` of a user object, without the display names (privilege checks
    ask it on every signed-in product page: the names cost a language look-up)."""
    return _level_row_kept(user)["number"]


def _level_row_kept(user) -> dict:
    row = getattr(user, "_gamification_level_row", None)
    if row is None:
        row = user._gamification_level_row = user_levels([user.pk])[user.pk]
    return row


def user_level_prime_keys(user_id) -> list:
    """The user's level entry, read with the signed-in user (``core.userprime``)."""
    return [USER_LEVEL_CACHE_KEY.format(int(user_id))]


def user_level_prime(user, found) -> None:
    """Keep the level read with the signed-in user on the user object, as ``user_level`` does."""
    row = found.get(USER_LEVEL_CACHE_KEY.format(user.pk))
    if isinstance(row, dict) and getattr(user, "_gamification_level_row", None) is None:
        user._gamification_level_row = row


def user_points(user_id) -> dict:
    row = UserPoints.objects.filter(user_id=user_id).first()
    if row is None:
        return {"total": 0, "spendable": 0, "pending": 0, "level_points": 0, "level": _level_dict(1)}
    return {
        "total": row.total,
        "spendable": row.spendable,
        "pending": row.total - row.spendable,
        "level_points": row.level_points,
        "level": _level_dict(row.level),
    }


def level_progress(user, *, points=None) -> dict:
    """Where the user stands and exactly what is missing for the next level.

    Returns {"level", "next" (or None), "level_points", "missing": {"points", "voters", "days"},
    "have": {"voters", "days"}, "percent"}. One query for the totals (skipped when ``points``
    from ``user_points`` is passed) and one for breadth when the next level asks for it.
    """
    user_id = getattr(user, "pk", user)
    points = points or user_points(user_id)
    number = points["level"]["number"]
    lp = points["level_points"]
    nxt = next((r for r in levels_table() if r["number"] > number), None)
    result = {"level": points["level"], "next": None, "level_points": lp, "missing": {"points": 0, "voters": 0, "days": 0},
              "have": {"voters": None, "days": None}, "percent": 100}
    if nxt is None:
        return result
    cur = level_row(number)
    result["next"] = _level_dict(nxt["number"])
    result["next"].update(min_points=nxt["min_points"], min_distinct_voters=nxt["min_distinct_voters"],
                          min_distinct_days=nxt["min_distinct_days"])
    result["missing"]["points"] = max(0, nxt["min_points"] - lp)
    if nxt["min_distinct_voters"] or nxt["min_distinct_days"]:
        got = breadth(user_id)
        result["have"] = got
        result["missing"]["voters"] = max(0, nxt["min_distinct_voters"] - got["voters"])
        result["missing"]["days"] = max(0, nxt["min_distinct_days"] - got["days"])
    span = max(1, nxt["min_points"] - cur["min_points"])
    result["percent"] = max(0, min(100, int(100 * (lp - cur["min_points"]) / span)))
    return result


def points_history(user_id):
    """The user's ledger rows, newest first (a reversal carries its original's action and the reason)."""
    return PointsEntry.objects.filter(user_id=user_id).order_by("-id")


def streak_current(user_id, kind="contribution", tz_name=None) -> int:
    """Days in the user's current streak (contribution by default, or "checkin"); one grace day per week."""
    from gamification.streaks import streak_current as current

    return current(user_id, kind=kind, tz_name=tz_name)


def streaks_for_user(user) -> dict:
    """Both streaks and whether the user checked in today, in one query (the user's time zone is on the row)."""
    from datetime import timedelta

    from gamification.models import ActivityDay
    from gamification.services import user_day_bounds
    from gamification.streaks import LOOKBACK_DAYS, streak_length

    _s, _e, today = user_day_bounds(user.pk, tz_name=user.timezone)
    days = {"checkin": set(), "contribution": set()}
    rows = ActivityDay.objects.filter(user_id=user.pk, day__gte=today - timedelta(days=LOOKBACK_DAYS))
    for kind, day in rows.values_list("kind", "day"):
        days[kind].add(day)
    return {
        "contribution": streak_length(days["contribution"], today),
        "checkin": streak_length(days["checkin"], today),
        "checked_in_today": today in days["checkin"],
        "today": today,
    }


def badge_holders_public(badge):
    """Who holds ``badge``, newest first: only people who consented to a public profile (a
    badge is part of the profile; the others count in the badge's total but are not named)."""
    return (
        UserBadge.objects.filter(badge=badge)
        .alias(public=public_profile_granted_expr("user_id"))
        .filter(public=True)
        .select_related("user")
        .order_by("-awarded_at", "-id")
    )
