"""Default rules, levels and privileges (operators edit them in the admin afterwards).

Depends on 0001_initial by name, so regenerating 0001 keeps this migration working.
"""
from django.db import migrations

RULES = [
    # action, points, cap count, cap points, quality scaled, counts toward level, vests
    ("community.review.rated", 2, 10, None, False, True, False),
    ("community.review.content", 10, None, 100, True, True, True),
    ("community.review.helpful_received", 3, 30, None, False, True, False),
    ("community.review.vote_cast", 1, 5, None, False, False, False),
    ("community.entry.published", 10, 5, None, True, True, True),
    ("community.challenge.won", 100, None, None, False, True, False),
    ("community.idea.adopted", 200, None, None, False, True, False),
    ("community.trial.report_on_time", 30, None, None, True, True, True),
    ("gamification.checkin", 1, 1, None, False, False, False),
    ("gamification.streak.days_7", 10, None, None, False, True, False),
    ("gamification.streak.days_30", 50, None, None, False, True, False),
    ("gamification.streak.days_100", 200, None, None, False, True, False),
]

LEVELS = [
    # number, zh, en, points, distinct voters, distinct days
    (1, "新手", "Newcomer", 0, 0, 0),
    (2, "见习", "Apprentice", 50, 0, 0),
    (3, "活跃", "Regular", 200, 3, 2),
    (4, "资深", "Trusted", 600, 10, 5),
    (5, "专家", "Connoisseur", 1500, 25, 10),
    (6, "达人", "Expert", 4000, 50, 20),
]

GRANTS = [
    ("higher_rate_limits", 2, 0),
    ("more_photos", 3, 3),
    ("more_challenge_votes", 3, 2),
    ("heavier_reports", 4, 2),
    ("skip_premoderation", 4, 0),
]


def forwards(apps, schema_editor):
    Rule = apps.get_model("gamification", "Rule")
    Level = apps.get_model("gamification", "Level")
    PrivilegeGrant = apps.get_model("gamification", "PrivilegeGrant")
    for action, points, cap_n, cap_p, scaled, counts, vests in RULES:
        Rule.objects.update_or_create(
            action=action,
            defaults=dict(points=points, daily_cap_count=cap_n, daily_cap_points=cap_p, quality_scaled=scaled,
                          counts_toward_level=counts, vests=vests),
        )
    for number, zh, en, pts, voters, days in LEVELS:
        Level.objects.update_or_create(
            number=number,
            defaults=dict(name_zh=zh, name_en=en, min_points=pts, min_distinct_voters=voters, min_distinct_days=days),
        )
    for privilege, level, value in GRANTS:
        PrivilegeGrant.objects.update_or_create(privilege=privilege, defaults=dict(min_level=level, value=value))


class Migration(migrations.Migration):
    dependencies = [("gamification", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
