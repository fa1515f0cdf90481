"""Celery entry points of trial programs: thin, take ids, call one service, safe to run twice.
The names are those the tasks had before trials became their own app."""
from celery import shared_task

from community.trials import services


@shared_task(name="community.trial_report_record", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def trial_report_record(review_id):
    app = services.trial_report_record(review_id=review_id)
    return app.pk if app is not None else None


@shared_task(name="community.trials_remind")
def trials_remind():
    return services.trials_remind_due()


@shared_task(name="community.trials_mark_overdue")
def trials_mark_overdue():
    return services.trials_mark_overdue()
