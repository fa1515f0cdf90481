"""Daily vote caps that grow with trust (issue 11 section 3, like Discourse's
``max_likes_per_day`` times a trust-level multiplier).

Every new vote (a helpful / not-helpful vote on a review, an entry vote, a poll vote)
takes one slot of the voter's day; changing or withdrawing a vote takes none, and a
withdrawal does not give the slot back (so toggling cannot farm anything). The cap is
``COCREATE_VOTES_PER_DAY`` times the multiplier of the voter's level in
``COCREATE_VOTE_LEVEL_MULTIPLIERS`` (the highest listed level at or below theirs);
``COCREATE_VOTES_PER_DAY = 0`` turns the caps off.

The day's count is a cache counter (Redis in production) moved by one atomic INCR, so two
concurrent votes at the cap's edge can never both pass; the take is the last check before
the vote row is written, so a vote refused for another reason never uses a slot. The
counter lives two days after its last vote under a key naming the local date; should Redis lose it, the day
starts again from zero (a cap is a brake on abuse, not an account of record).
"""
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from community import hooks
from core import windowcount
from core.errors import ServiceError

KEY = "votes-day:{user_id}:{day}"
TTL = 2 * 24 * 3600


def vote_level_multiplier(level_number) -> float:
    table = settings.COCREATE_VOTE_LEVEL_MULTIPLIERS
    fits = [n for n in table if n <= (level_number or 1)]
    return float(table[max(fits)]) if fits else 1.0


def vote_daily_cap(user) -> int | None:
    """The user's votes per day, or None when caps are off."""
    base = int(settings.COCREATE_VOTES_PER_DAY or 0)
    if base <= 0:
        return None
    level = hooks.user_level(user)
    return int(base * vote_level_multiplier(level["number"] if level else 1))


def _key(user_id, day=None):
    return KEY.format(user_id=user_id, day=(day or timezone.localdate()).isoformat())


def vote_daily_used(user) -> int:
    return int(cache.get(_key(user.pk)) or 0)


def vote_daily_take(user) -> None:
    """Take one of today's vote slots, or raise ``ServiceError(code="vote_daily_limit")`` (HTTP 429)."""
    cap = vote_daily_cap(user)
    if cap is None:
        return
    used = windowcount.incr_expiring(_key(user.pk), TTL)  # one round trip
    if used > cap:
        raise ServiceError(
            _("You have used all %(n)d of today's votes. Your daily votes grow as your level rises; "
              "come back tomorrow.") % {"n": cap},
            code="vote_daily_limit", status_code=429,
        )
