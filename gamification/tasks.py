"""Celery entry points: thin, take ids, call one service, safe to run twice."""
from celery import shared_task

from gamification import services


@shared_task(name="gamification.review_points_settle", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def review_points_settle(review_id):
    return len(services.review_points_settle(review_id=review_id))


@shared_task(name="gamification.review_points_revoke", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def review_points_revoke(review_id):
    return len(services.review_points_revoke(review_id=review_id))


@shared_task(name="gamification.helpful_vote_points_settle", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def helpful_vote_points_settle(review_id, voter_id):
    services.helpful_vote_points_settle(review_id=review_id, voter_id=voter_id)


@shared_task(name="gamification.points_vest_due")
def points_vest_due():
    return services.points_vest_due()
