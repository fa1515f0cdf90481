"""Streaks: consecutive days (in the user's time zone) with a check-in or a published
contribution, with one grace day per ISO week. Computed from ``ActivityDay`` rows, so
nothing is cached that a command would have to rebuild.
"""
from datetime import date, timedelta

from django.db import IntegrityError, transaction

from community.integrity.services import interaction_record
from gamification.models import ActivityDay

MILESTONES = (7, 30, 100)
LOOKBACK_DAYS = 400


def streak_length(days: set, today: date) -> int:
    """Length of the streak ending today (or yesterday, since today is not over yet).

    A single missed day is forgiven once per ISO week (the week of the missed day);
    grace days do not count toward the length.
    """
    day = today if today in days else today - timedelta(days=1)
    length = 0
    graced_weeks = set()
    while True:
        if day in days:
            length += 1
            day -= timedelta(days=1)
            continue
        week, prev = day.isocalendar()[:2], day - timedelta(days=1)
        if prev in days and week not in graced_weeks:
            graced_weeks.add(week)
            day = prev
            continue
        return length


def _days(user_id, kind, today):
    return set(
        ActivityDay.objects.filter(user_id=user_id, kind=kind, day__gte=today - timedelta(days=LOOKBACK_DAYS))
        .values_list("day", flat=True)
    )


def streak_current(user_id, kind=ActivityDay.Kind.CONTRIBUTION, now=None, tz_name=None) -> int:
    from gamification.services import user_day_bounds

    _s, _e, today = user_day_bounds(user_id, now, tz_name)
    return streak_length(_days(user_id, kind, today), today)


@transaction.atomic
def activity_record(*, user_id, kind, day: date) -> bool:
    """Record that the user was active on ``day``; True if it is new. Streak milestones award points."""
    try:
        with transaction.atomic():
            ActivityDay.objects.create(user_id=user_id, kind=kind, day=day)
    except IntegrityError:
        return False
    if kind == ActivityDay.Kind.CONTRIBUTION:
        _award_milestones(user_id, day)
    return True


def _award_milestones(user_id, day):
    from gamification.services import points_award_for_action

    days = _days(user_id, ActivityDay.Kind.CONTRIBUTION, day)
    length = streak_length(days, day)
    for milestone in MILESTONES:
        if length == milestone:
            # One award per streak run: the run is named by the day the milestone was reached.
            points_award_for_action(
                user_id=user_id, action=f"gamification.streak.days_{milestone}",
                key=f"streak:{user_id}:{milestone}:{day.isoformat()}",
            )


@transaction.atomic
def checkin(*, user_id, now=None):
    """The daily check-in: one per day in the user's time zone. Returns (created, entry_or_None, streak)."""
    from gamification.services import points_award_for_action, user_day_bounds

    _s, _e, today = user_day_bounds(user_id, now)
    created = activity_record(user_id=user_id, kind=ActivityDay.Kind.CHECKIN, day=today)
    entry = None
    if created:
        interaction_record(actor_id=user_id, action="checkin")
        entry = points_award_for_action(
            user_id=user_id, action="gamification.checkin", key=f"checkin:{user_id}:{today.isoformat()}"
        )
    return created, entry, streak_length(_days(user_id, ActivityDay.Kind.CHECKIN, today), today)
