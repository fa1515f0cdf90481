"""Leaderboards: weekly, monthly and all-time, overall and per scope (e.g. "challenge:12").

Two stores behind one interface:

- **redis** (production, when ``REDIS_URL`` is set): one sorted set per scope and
  period bucket, e.g. ``cocreate:lb:overall:week:2025-W47``. Each new ledger row
  ZINCRBYs its user after commit; top-100 is ZREVRANGE, own rank is ZSCORE +
  ZCOUNT, both O(log N).
- **db** (the embedded default): the same numbers aggregated from the ledger.

Ranks are competition ranks ("1, 2, 2, 4"): a user's rank is one plus the number
of users with strictly more points, the same in both stores. Points are *earned*
points (see ledger_reads): spending in the rewards store never costs a rank.
``manage.py leaderboards rebuild`` rebuilds the Redis boards from the ledger.
"""
from __future__ import annotations

import datetime
import logging
import re
import zoneinfo

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from community.models import User
from core.errors import ServiceError
from gamification import ledger_reads

log = logging.getLogger(__name__)

PERIODS = ("week", "month", "all")
OVERALL = "overall"
TOP_N = 100
_SCOPE_RE = re.compile(r"^(overall|challenge:\d{1,18})$")
# Rows of these source types also count on the board of their source object.
SCOPE_SOURCES = {"community.challenge": "challenge"}
EXPIRE_SECONDS = {"week": 120 * 86400, "month": 400 * 86400}


# --- configuration ---------------------------------------------------------------------------------


def backend() -> str:
    configured = getattr(settings, "GAMIFICATION_LEADERBOARD_BACKEND", None)
    if configured:
        return configured
    return "redis" if getattr(settings, "REDIS_URL", "") else "db"


def key_prefix() -> str:
    return getattr(settings, "GAMIFICATION_LEADERBOARD_PREFIX", "cocreate:lb")


def redis_client():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


# --- periods and scopes ------------------------------------------------------------------------------


def _site_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def period_clean(period) -> str:
    if period not in PERIODS:
        raise ServiceError("unknown period", code="period_invalid", fields={"period": ["week, month or all"]})
    return period


def scope_clean(scope) -> str:
    scope = scope or OVERALL
    if not _SCOPE_RE.match(scope):
        raise ServiceError("unknown scope", code="scope_invalid", fields={"scope": ["overall or challenge:<id>"]})
    return scope


def period_start(period, now=None) -> datetime.datetime | None:
    """Start of the current bucket in the site's time zone (weeks start on Monday); None for all time."""
    local = timezone.localtime(now or timezone.now(), _site_zone())
    if period == "week":
        day = local.date() - datetime.timedelta(days=local.weekday())
    elif period == "month":
        day = local.date().replace(day=1)
    else:
        return None
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_site_zone())


def period_bucket(period, when) -> str:
    local = timezone.localtime(when, _site_zone())
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{local.year}-{local.month:02d}"
    return "all"


def board_key(scope, period, bucket) -> str:
    return f"{key_prefix()}:{scope}:{period}:{bucket}"


def scopes_for(source_type, source_id) -> list[str]:
    scopes = [OVERALL]
    kind = SCOPE_SOURCES.get(source_type or "")
    if kind and source_id is not None:
        scopes.append(f"{kind}:{source_id}")
    return scopes


def _scope_q(scope) -> Q:
    if scope == OVERALL:
        return Q()
    kind, _, ident = scope.partition(":")
    types = [t for t, k in SCOPE_SOURCES.items() if k == kind]
    return Q(source_type__in=types, source_id=int(ident))


# --- reads -------------------------------------------------------------------------------------------


def competition_ranks(pairs):
    """[(user_id, points)] sorted by points descending -> rows with competition ranks."""
    rows, rank, last = [], 0, None
    for position, (user_id, points) in enumerate(pairs, start=1):
        if points != last:
            rank, last = position, points
        rows.append({"rank": rank, "user_id": user_id, "points": points})
    return rows


def _db_rows(scope, period, now):
    qs = ledger_reads.earned_rows().filter(_scope_q(scope))
    start = period_start(period, now)
    if start is not None:
        qs = qs.filter(ledger_reads.since(start))
    return qs.order_by().values("user_id").annotate(points=Sum("amount")).filter(points__gt=0)


def leaderboard_top(*, period="week", scope=OVERALL, limit=TOP_N, now=None) -> list[dict]:
    """The top ``limit`` rows: [{rank, user_id, points}], best first. One query or one Redis call."""
    period, scope = period_clean(period), scope_clean(scope)
    if backend() == "redis":
        key = board_key(scope, period, period_bucket(period, now or timezone.now()))
        pairs = redis_client().zrevrange(key, 0, limit - 1, withscores=True)
        return competition_ranks([(int(m), int(s)) for m, s in pairs if s > 0])
    rows = _db_rows(scope, period, now).order_by("-points", "user_id")[:limit]
    return competition_ranks([(r["user_id"], r["points"]) for r in rows])


def leaderboard_rank(*, user_id, period="week", scope=OVERALL, now=None) -> dict | None:
    """{rank, points} of one user, or None when they have no points on this board."""
    period, scope = period_clean(period), scope_clean(scope)
    if backend() == "redis":
        key = board_key(scope, period, period_bucket(period, now or timezone.now()))
        client = redis_client()
        score = client.zscore(key, str(user_id))
        if score is None or score <= 0:
            return None
        above = client.zcount(key, f"({score}", "+inf")
        return {"rank": above + 1, "points": int(score)}
    rows = _db_rows(scope, period, now)
    mine = next(iter(rows.filter(user_id=user_id).values_list("points", flat=True)), None)
    if not mine:
        return None
    return {"rank": rows.filter(points__gt=mine).count() + 1, "points": mine}


def leaderboard_get(*, period="week", scope=OVERALL, viewer=None, limit=TOP_N, now=None) -> dict:
    """What the page shows: the top rows with their users, and the viewer's own rank."""
    rows = leaderboard_top(period=period, scope=scope, limit=limit, now=now)
    users = User.objects.in_bulk([r["user_id"] for r in rows]) if rows else {}
    rows = [dict(r, user=users[r["user_id"]]) for r in rows if r["user_id"] in users]
    me = None
    if viewer is not None and viewer.is_authenticated:
        mine = next((r for r in rows if r["user_id"] == viewer.pk), None)
        me = {"rank": mine["rank"], "points": mine["points"]} if mine else leaderboard_rank(
            user_id=viewer.pk, period=period, scope=scope, now=now
        )
    return {"period": period, "scope": scope, "rows": rows, "me": me, "start": period_start(period, now)}


# --- writes (Redis only; the database store needs none) ------------------------------------------------


def leaderboard_record(*, entry) -> None:
    """Move the entry's user on every board the row belongs to (called after commit)."""
    if backend() != "redis":
        return
    delta = ledger_reads.earned_delta(entry)
    if not delta:
        return
    when = entry.created_at
    if entry.reverses_id is not None:  # a reversal counts in the period of what it cancels
        from gamification.models import PointsEntry

        when = PointsEntry.objects.filter(pk=entry.reverses_id).values_list("created_at", flat=True).first() or when
    pipe = redis_client().pipeline(transaction=False)
    for scope in scopes_for(entry.source_type, entry.source_id):
        for period in PERIODS:
            key = board_key(scope, period, period_bucket(period, when))
            pipe.zincrby(key, delta, str(entry.user_id))
            if period in EXPIRE_SECONDS:
                pipe.expire(key, EXPIRE_SECONDS[period])
    pipe.execute()


def leaderboards_rebuild(*, scopes=None, now=None, chunk=10_000) -> dict[str, int]:
    """Recompute the current week, month and all-time boards from the ledger.

    Each board is written to a temporary key and renamed over the live one, so
    readers never see a half-built board. Returns {key: members}."""
    if backend() != "redis":
        return {}
    now = now or timezone.now()
    if scopes is None:
        scopes = [OVERALL] + sorted(
            f"{kind}:{sid}"
            for stype, kind in SCOPE_SOURCES.items()
            for sid in ledger_reads.earned_rows()
            .filter(source_type=stype)
            .values_list("source_id", flat=True)
            .distinct()
            .order_by()
            if sid is not None
        )
    client = redis_client()
    result = {}
    for scope in map(scope_clean, scopes):
        for period in PERIODS:
            key = board_key(scope, period, period_bucket(period, now))
            tmp = f"{key}:rebuild"
            client.delete(tmp)
            rows = list(_db_rows(scope, period, now).values_list("user_id", "points"))
            pipe = client.pipeline(transaction=False)
            for start in range(0, len(rows), chunk):
                pipe.zadd(tmp, {str(uid): pts for uid, pts in rows[start : start + chunk]})
            pipe.execute()
            if rows:
                client.rename(tmp, key)
                if period in EXPIRE_SECONDS:
                    client.expire(key, EXPIRE_SECONDS[period])
            else:
                client.delete(key)
            result[key] = len(rows)
    return result
