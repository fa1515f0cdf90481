"""Celery entry points: thin, take ids, call one service, safe to run twice."""
from celery import shared_task

from community import services


@shared_task(name="community.product_stats_refresh", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def product_stats_refresh(product_id):
    return services.product_stats_refresh(product_id=product_id)


@shared_task(name="community.review_photo_make_thumbnail", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def review_photo_make_thumbnail(photo_id):
    return services.review_photo_make_thumbnail(photo_id=photo_id)


@shared_task(name="community.counters_rebuild")
def counters_rebuild():
    from community.counters import counters_rebuild as rebuild

    return rebuild()


@shared_task(name="community.notification_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notification_email(notification_id):
    return services.notification_email(notification_id=notification_id)


# --- trials (community.trials.services) ----------------------------------------------------


@shared_task(name="community.trial_report_record", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def trial_report_record(review_id):
    from community.trials import services as trials

    app = trials.trial_report_record(review_id=review_id)
    return app.pk if app is not None else None


@shared_task(name="community.trials_remind")
def trials_remind():
    from community.trials import services as trials

    return trials.trials_remind_due()


@shared_task(name="community.trials_mark_overdue")
def trials_mark_overdue():
    from community.trials import services as trials

    return trials.trials_mark_overdue()
from community.challenges.tasks import challenges_advance  # noqa: E402,F401  (autodiscovery)
