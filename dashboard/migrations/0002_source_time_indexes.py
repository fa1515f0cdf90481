"""Indexes on the timestamp columns the rollups read a day at a time (a day's rows without a scan
of the whole table). They sit on other apps' tables but serve only the dashboard, so they are
created here, by name, and dropped when this migration is reversed (docs/dashboard.md)."""
from django.db import migrations

COLUMNS = [
    ("community", "review", "created_at"), ("community", "review", "edited_at"),
    ("community", "reviewphoto", "created_at"), ("community", "helpfulvote", "created_at"),
    ("community", "user", "date_joined"),
    ("cocreation", "entry", "created_at"), ("cocreation", "entry", "adopted_at"),
    ("cocreation", "entrycomment", "created_at"), ("cocreation", "entryvote", "created_at"),
    ("cocreation", "pollvote", "created_at"), ("cocreation", "challengeparticipant", "created_at"),
    ("trials", "trialapplication", "created_at"), ("trials", "trialapplication", "reported_at"),
    ("moderation", "case", "decided_at"), ("moderation", "appeal", "created_at"),
    ("gamification", "pointsentry", "created_at"), ("gamification", "redemption", "created_at"),
]


def _name(model, column):
    return f"dash_{model[:14]}_{column[:10]}"


def create(apps, schema_editor):
    qn = schema_editor.quote_name
    for app, model, column in COLUMNS:
        table = apps.get_model(app, model)._meta.db_table
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {qn(_name(model, column))} ON {qn(table)} ({qn(column)})")


def drop(apps, schema_editor):
    for _app, model, column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(_name(model, column))}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_rollup_tables"),
        # Pinned to the migrations that made these tables and columns. "__latest__" would move with
        # every later migration of those apps and make an already-migrated database refuse to
        # migrate (InconsistentMigrationHistory: applied before its new dependency).
        ("community", "0014_translated_admin_labels"), ("cocreation", "0004_translated_admin_labels"),
        ("trials", "0004_trial_shipping"), ("moderation", "0008_interaction_audit_sample"),
        ("gamification", "0005_redemption_voided_at"),
    ]
    operations = [migrations.RunPython(create, drop)]
