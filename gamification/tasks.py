"""Celery entry points: thin, take ids, call one service, safe to run twice."""
from celery import shared_task

from gamification import badges, leaderboards, services, votesettle


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


# --- co-creation and trials events --------------------------------------------------------------
RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="gamification.entry_points_settle", **RETRY)
def entry_points_settle(entry_id):
    services.entry_points_settle(entry_id=entry_id)


@shared_task(name="gamification.entry_vote_points_settle", **RETRY)
def entry_vote_points_settle(entry_id, voter_id):
    services.entry_vote_points_settle(entry_id=entry_id, voter_id=voter_id)


@shared_task(name="gamification.votes_settle", **RETRY)
def votes_settle():
    """The votes' pending settlements, in batches (gamification/votesettle.py); rung by the votes
    and run by beat every minute. Rings for the next run when pairs are left."""
    result = votesettle.settle_pending()
    if result["left"] and votesettle.ring():
        votes_settle.apply_async()
    return result


@shared_task(name="gamification.poll_vote_points_settle", **RETRY)
def poll_vote_points_settle(option_id, voter_id):
    services.poll_vote_points_settle(option_id=option_id, voter_id=voter_id)


@shared_task(name="gamification.entry_win_settle", **RETRY)
def entry_win_settle(entry_id):
    services.entry_win_settle(entry_id=entry_id)


@shared_task(name="gamification.entry_adopted_settle", **RETRY)
def entry_adopted_settle(entry_id):
    services.entry_adopted_settle(entry_id=entry_id)


@shared_task(name="gamification.trial_report_points_settle", **RETRY)
def trial_report_points_settle(application_id):
    services.trial_report_points_settle(application_id=application_id)


@shared_task(name="gamification.checkin_points_settle", **RETRY)
def checkin_points_settle(event_id):
    services.checkin_points_settle(event_id=event_id)


# --- badges and leaderboards -----------------------------------------------------------------------


@shared_task(name="gamification.badges_check_user", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def badges_check_user(user_id, event=None):
    return [row.badge_id for row in badges.badges_check_user(user_id=user_id, event=event)]


@shared_task(name="gamification.badges_backfill")
def badges_backfill():
    return badges.badges_backfill()


@shared_task(name="gamification.leaderboards_rebuild")
def leaderboards_rebuild():
    return leaderboards.leaderboards_rebuild()
