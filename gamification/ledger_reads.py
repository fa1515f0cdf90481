"""Reads of the points ledger that badges and leaderboards share.

Leaderboards rank *earned* points: awards, minus the reversals of awards. Spends
in the rewards store (and refunds of spends) never move anyone down a board.
A reversal counts in the period of the award it cancels, so removing last
week's review changes last week's board, not this week's.
"""
from django.db.models import Count, Q

from community.models import User

# Awards are positive rows; reversals of awards are negative rows that name an original.
EARNED = Q(reverses__isnull=True, amount__gt=0) | Q(reverses__isnull=False, amount__lt=0)


def earned_delta(entry) -> int:
    """How much one new ledger row moves its user on the boards."""
    if entry.reverses_id is None:
        return entry.amount if entry.amount > 0 else 0
    return entry.amount if entry.amount < 0 else 0


def earned_rows():
    from gamification.models import PointsEntry

    return PointsEntry.objects.filter(EARNED)


def since(start):
    """Rows that belong to periods from ``start`` on (a reversal belongs to its original's time)."""
    return Q(reverses__isnull=True, created_at__gte=start) | Q(reverses__isnull=False, reverses__created_at__gte=start)


def action_counts(action, user_ids=None) -> dict[int, int]:
    """{user_id: standing (not reversed) award rows with this action code}."""
    from gamification.models import PointsEntry

    qs = PointsEntry.objects.filter(action=action, amount__gt=0, reverses__isnull=True, reversals__isnull=True)
    if user_ids is not None:
        qs = qs.filter(user_id__in=user_ids)
    return {row["user_id"]: row["n"] for row in qs.order_by().values("user_id").annotate(n=Count("id"))}


def current_streaks(user_ids=None) -> dict[int, int]:
    """{user_id: current contribution streak in days}, as gamification.streaks computes it
    (user's time zone, one grace day per week), for many users with two queries."""
    import datetime
    import zoneinfo

    from django.utils import timezone

    from gamification.models import ActivityDay
    from gamification.streaks import LOOKBACK_DAYS, streak_length

    now = timezone.now()
    since = (now - datetime.timedelta(days=LOOKBACK_DAYS + 1)).date()
    qs = ActivityDay.objects.filter(kind=ActivityDay.Kind.CONTRIBUTION, day__gte=since)
    if user_ids is not None:
        qs = qs.filter(user_id__in=user_ids)
    days = {}
    for uid, day in qs.order_by().values_list("user_id", "day").iterator(chunk_size=10_000):
        days.setdefault(uid, set()).add(day)
    zones = dict(User.objects.filter(pk__in=list(days)).values_list("pk", "timezone")) if days else {}
    out = {}
    for uid, user_days in days.items():
        try:
            zone = zoneinfo.ZoneInfo(zones.get(uid) or "Asia/Shanghai")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("Asia/Shanghai")
        out[uid] = streak_length(user_days, timezone.localtime(now, zone).date())
    return out
