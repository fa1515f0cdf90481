"""Receivers for badges and leaderboards (imported by GamificationConfig.ready).

- community's domain signals (sent on commit) enqueue a badge check for the user
  whose numbers changed, naming the event so only criteria it can satisfy run;
- every new ledger row moves its user on the Redis leaderboards after commit,
  and rows that can satisfy ledger-based criteria (challenge wins, adopted
  ideas, streak milestones) enqueue a badge check too.
"""
import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from community import signals
from core.queue import enqueue_on_commit
from gamification import badges, leaderboards, tasks_public
from gamification.models import PointsEntry

log = logging.getLogger(__name__)

# Ledger actions that feed badge criteria (prefixes).
BADGE_ACTIONS = ("community.challenge.won", "community.idea.adopted", "gamification.streak.")


@receiver(signals.review_published, dispatch_uid="gamification.badges.review_published")
def on_review_published(sender, *, author_id, **kwargs):
    enqueue_on_commit(tasks_public.badges_check_user, user_id=author_id, event=badges.EVENT_REVIEW_PUBLISHED)


@receiver(signals.review_voted, dispatch_uid="gamification.badges.review_voted")
def on_review_voted(sender, *, author_id, helpful, **kwargs):
    if helpful:
        enqueue_on_commit(tasks_public.badges_check_user, user_id=author_id, event=badges.EVENT_VOTE_RECEIVED)


@receiver(post_save, sender=PointsEntry, dispatch_uid="gamification.boards.points_entry")
def on_points_entry(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    if leaderboards.backend() == "redis" and ledger_reads_delta(instance):
        transaction.on_commit(lambda: _record(instance))
    if instance.amount > 0 and instance.action.startswith(BADGE_ACTIONS):
        enqueue_on_commit(tasks_public.badges_check_user, user_id=instance.user_id, event=badges.EVENT_POINTS)


def ledger_reads_delta(entry):
    from gamification.ledger_reads import earned_delta

    return earned_delta(entry)


def _record(entry):
    # The ledger row is committed; a Redis outage must not fail the request that
    # earned the points. `manage.py leaderboards rebuild` repairs the boards.
    try:
        leaderboards.leaderboard_record(entry=entry)
    except Exception:  # noqa: BLE001
        log.exception("leaderboard update failed for ledger row %s", entry.pk)
