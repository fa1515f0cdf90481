"""Rules for the two co-creation actions that used to be awarded outside the rules (entry and
poll votes), now that every source of points goes through gamification's rules."""
from django.db import migrations

RULES = [
    # action, points, cap count, cap points, quality scaled, counts toward level, vests
    ("community.entry.vote_cast", 1, None, None, False, True, False),
    ("community.poll.vote_cast", 1, None, None, False, True, False),
]


def forwards(apps, schema_editor):
    Rule = apps.get_model("gamification", "Rule")
    for action, points, cap_n, cap_p, scaled, counts, vests in RULES:
        Rule.objects.get_or_create(
            action=action,
            defaults=dict(points=points, daily_cap_count=cap_n, daily_cap_points=cap_p, quality_scaled=scaled,
                          counts_toward_level=counts, vests=vests),
        )


class Migration(migrations.Migration):
    dependencies = [("gamification", "0002_defaults")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
