"""The dashboard's personal data, declared in the privacy registry (community/privacy/registry.py):
the per-day active-user sets hold a user's id and the days they acted (today's per hour, exported
summed per day). Deleting an account deletes its rows, hours included; the days' totals (DailyCount) are counts with no user in them."""
from django.db.models import Sum
from django.utils.translation import gettext_noop

from community.privacy.registry import PersonalData, personal_data_register
from dashboard.models import DailyUser


def _days(user):
    rows = (DailyUser.objects.filter(user_id=user.pk, brand_id=0).values("day")
            .annotate(a=Sum("actions"), d=Sum("deep"), c=Sum("contributions")).order_by("day"))
    for row in rows:
        yield {"day": row["day"], "actions": row["a"], "deep_actions": row["d"], "contributions": row["c"]}


def _erase(user, keep_content):
    return DailyUser.objects.filter(user_id=user.pk).delete()[0]


def register():
    personal_data_register(PersonalData("dashboard.DailyUser", "dashboard_active_days.json", gettext_noop(
        "The days you were active, counted for the site's statistics (how many actions, none of their content)."),
        _days, _erase))
