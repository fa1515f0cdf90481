"""The dashboard's personal data, declared in the privacy registry (community/privacy/registry.py):
the per-day active-user sets hold a user's id and the days they acted (today's per hour, exported
summed per day). Deleting an account deletes its rows, hours included; the days' totals (DailyCount) are counts with no user in them."""
from django.db.models import Sum
from django.utils.translation import gettext_noop

from community.privacy.registry import PersonalData, personal_data_register
from dashboard.models import DailyChallengeUser, DailyUser, FirstBadge


def _days(user):
    rows = (DailyUser.objects.filter(user_id=user.pk, brand_id=0).values("day")
            .annotate(a=Sum("actions"), d=Sum("deep"), c=Sum("contributions")).order_by("day"))
    for row in rows:
        yield {"day": row["day"], "actions": row["a"], "deep_actions": row["d"], "contributions": row["c"]}


def _erase(user, keep_content):
    return DailyUser.objects.filter(user_id=user.pk).delete()[0]


def _challenge_days(user):
    for row in DailyChallengeUser.objects.filter(user_id=user.pk).order_by("day", "challenge_id"):
        yield {"day": row.day, "challenge": row.challenge_id, "entries": row.entries, "votes": row.votes}


def _erase_challenge_days(user, keep_content):
    return DailyChallengeUser.objects.filter(user_id=user.pk).delete()[0]


def _first_badge(user):
    for row in FirstBadge.objects.filter(user_id=user.pk):
        yield {"first_badge_day": row.day}


def _erase_first_badge(user, keep_content):
    return FirstBadge.objects.filter(user_id=user.pk).delete()[0]


def register():
    personal_data_register(PersonalData("dashboard.DailyUser", "dashboard_active_days.json", gettext_noop(
        "The days you were active, counted for the site's statistics (how many actions, none of their content)."),
        _days, _erase))
    personal_data_register(PersonalData("dashboard.DailyChallengeUser", "dashboard_challenge_days.json", gettext_noop(
        "The days you entered or voted in a challenge, counted for the challenge funnel (how many, none of the "
        "content)."), _challenge_days, _erase_challenge_days))
    personal_data_register(PersonalData("dashboard.FirstBadge", "dashboard_first_badge.json", gettext_noop(
        "The day you earned your first badge, for the statistics of creation before and after it."),
        _first_badge, _erase_first_badge))
