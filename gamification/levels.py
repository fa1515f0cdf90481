"""Levels: points thresholds plus breadth, read from the operator-edited ``Level`` table.

The table is tiny and read on every privilege check, so it is cached (and the cache
is dropped when an operator saves a level or privilege; see receivers.py).
"""
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import HelpfulVote
from community.services import notification_send
from core import localcache
from gamification.models import Level, PrivilegeGrant, UserPoints

LEVELS_CACHE_KEY = "gamification:levels:v1"
GRANTS_CACHE_KEY = "gamification:grants:v1"
USER_LEVEL_CACHE_KEY = "gamification:user-level:v2:{}"
TABLE_TTL = 300
USER_LEVEL_TTL = 300

FALLBACK_LEVEL = {"number": 1, "name_zh": "新手", "name_en": "Newcomer", "min_points": 0, "min_distinct_voters": 0,
                  "min_distinct_days": 0}


def levels_table() -> list[dict]:
    """The levels in order, for display (read several times by a profile page: kept by each process
    for a few seconds too, ``core.localcache``). Read-only rows. The level a user is given is
    computed from the shared table (``level_compute``), never from this copy."""
    return localcache.remember(LEVELS_CACHE_KEY, _levels_load)


def _levels_load() -> list[dict]:
    rows = cache.get(LEVELS_CACHE_KEY)
    if rows is None:
        rows = list(
            Level.objects.order_by("number").values(
                "number", "name_zh", "name_en", "min_points", "min_distinct_voters", "min_distinct_days"
            )
        ) or [FALLBACK_LEVEL]
        cache.set(LEVELS_CACHE_KEY, rows, TABLE_TTL)
    return rows


def grants_table() -> dict:
    """{privilege: (min_level, value)} for active grants (read on most signed-in requests: kept
    by each process for a few seconds too, ``core.localcache``)."""
    return localcache.remember(GRANTS_CACHE_KEY, _grants_load)


def _grants_load() -> dict:
    grants = cache.get(GRANTS_CACHE_KEY)
    if grants is None:
        grants = {
            g["privilege"]: (g["min_level"], g["value"])
            for g in PrivilegeGrant.objects.filter(is_active=True).values("privilege", "min_level", "value")
        }
        cache.set(GRANTS_CACHE_KEY, grants, TABLE_TTL)
    return grants


def tables_invalidate():
    cache.delete_many([LEVELS_CACHE_KEY, GRANTS_CACHE_KEY])
    localcache.forget(LEVELS_CACHE_KEY, GRANTS_CACHE_KEY)


def level_row(number, *, table=None) -> dict:
    table = table or levels_table()
    for row in table:
        if row["number"] == number:
            return row
    return table[0]


def breadth(user_id) -> dict:
    """Helpful votes on the user's published reviews: distinct voters and distinct days (UTC)."""
    return HelpfulVote.objects.filter(review__author_id=user_id, review__status="published", helpful=True).aggregate(
        voters=Count("user_id", distinct=True), days=Count(TruncDate("created_at"), distinct=True)
    )


def _meets(row, level_points, got) -> bool:
    return (
        level_points >= row["min_points"]
        and got["voters"] >= row["min_distinct_voters"]
        and got["days"] >= row["min_distinct_days"]
    )


def level_compute(user_id, level_points) -> int:
    """The highest level whose points and breadth the user meets (breadth queried only if needed)."""
    got = None
    table = _levels_load()  # what is stored follows an operator's edit at once: not this process's copy
    best = table[0]["number"]
    for row in table:
        if level_points < row["min_points"]:
            break
        if row["min_distinct_voters"] or row["min_distinct_days"]:
            got = got or breadth(user_id)
            if not _meets(row, level_points, got):
                break  # levels are a ladder: no skipping a rung that lacks breadth
        best = row["number"]
    return best


def level_refresh(points: UserPoints) -> int:
    """Recompute the locked ``points`` row's level after its level points changed; notify on a level-up."""
    table = _levels_load()  # as level_compute: the shared table, never this process's copy
    current = level_row(points.level, table=table)
    nxt = next((r for r in table if r["number"] > points.level), None)
    if points.level_points >= current["min_points"] and (nxt is None or points.level_points < nxt["min_points"]):
        return points.level  # fast path: still between this rung and the next, no query
    new = level_compute(points.user_id, points.level_points)
    if new != points.level:
        old = points.level
        UserPoints.objects.filter(pk=points.pk).update(level=new)
        points.level = new
        user_level_cache_set(points.user_id, new)
        if new > old:
            _notify_level_up(points.user_id, new)
    return points.level


def level_recheck(user_id) -> int:
    """Re-evaluate a user's level now (e.g. after breadth grew without points changing)."""
    from django.db import transaction

    from gamification.services import user_points_lock

    with transaction.atomic():
        points = user_points_lock(user_id)
        new = level_compute(user_id, points.level_points)
        if new != points.level:
            old = points.level
            UserPoints.objects.filter(pk=points.pk).update(level=new)
            user_level_cache_set(user_id, new)
            if new > old:
                _notify_level_up(user_id, new)
        return new


def user_level_cache_set(user_id, number):
    row = level_row(number)
    value = {"number": row["number"], "name_zh": row["name_zh"], "name_en": row["name_en"]}
    # Set after commit so a rolled-back level change never leaks into the cache.
    transaction.on_commit(lambda: cache.set(USER_LEVEL_CACHE_KEY.format(user_id), value, USER_LEVEL_TTL))
    cache.delete(USER_LEVEL_CACHE_KEY.format(user_id))


def _notify_level_up(user_id, number):
    row = level_row(number)
    notification_send(
        user_id=user_id,
        kind="gamification.level.up",
        title=gettext_noop("You reached Lv%(n)d · %(zh)s %(en)s"),
        title_params={"n": number, "zh": row["name_zh"], "en": row["name_en"]},
        body=_("Thank you for your reviews and helpful votes. New privileges may come with your level."),
        url=reverse("gamification:points"),
    )
