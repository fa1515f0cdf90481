"""Celery entry points: thin, take ids, call one service, safe to run twice."""
from celery import shared_task

from community import counters, services


@shared_task(name="community.product_stats_refresh", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def product_stats_refresh(product_id):
    return services.product_stats_refresh(product_id=product_id)


@shared_task(name="community.review_photo_make_thumbnail", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def review_photo_make_thumbnail(photo_id):
    return services.review_photo_make_thumbnail(photo_id=photo_id)


@shared_task(name="community.counters_rebuild")
def counters_rebuild():
    return counters.counters_rebuild()


@shared_task(name="community.notification_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notification_email(notification_id):
    return services.notification_email(notification_id=notification_id)
