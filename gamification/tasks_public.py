"""Celery entry points for badges and leaderboards: thin, take ids, safe to run twice.

(The ledger's own tasks live in gamification/tasks.py; this module is imported by
gamification/receivers_badges.py so the worker registers these names too.)
"""
from celery import shared_task


@shared_task(name="gamification.badges_check_user", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def badges_check_user(user_id, event=None):
    from gamification.badges import badges_check_user as check

    return [row.badge_id for row in check(user_id=user_id, event=event)]


@shared_task(name="gamification.badges_backfill")
def badges_backfill():
    from gamification.badges import badges_backfill as backfill

    return backfill()


@shared_task(name="gamification.leaderboards_rebuild")
def leaderboards_rebuild():
    from gamification.leaderboards import leaderboards_rebuild as rebuild

    return rebuild()
