"""Gamification reacts to community's domain signals (sent on commit) by enqueuing tasks.

Signals arrive after commit, so ``enqueue`` sends at once outside a transaction and
defers to commit inside one (``config.queue.enqueue_on_commit``).
"""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from community import signals
from config.queue import enqueue_on_commit
from gamification import tasks
from gamification.levels import tables_invalidate
from gamification.models import Level, PrivilegeGrant


@receiver(signals.review_published)
def on_review_published(sender, review_id, **kwargs):
    enqueue_on_commit(tasks.review_points_settle, review_id=review_id)


@receiver(signals.review_unpublished)
def on_review_unpublished(sender, review_id, status=None, **kwargs):
    # "pending" means an edit is being re-screened and a publication follows: keep the points.
    if status in ("rejected", "removed"):
        enqueue_on_commit(tasks.review_points_revoke, review_id=review_id)


@receiver(signals.review_voted)
def on_review_voted(sender, review_id, voter_id, **kwargs):
    enqueue_on_commit(tasks.helpful_vote_points_settle, review_id=review_id, voter_id=voter_id)


@receiver([post_save, post_delete], sender=Level)
@receiver([post_save, post_delete], sender=PrivilegeGrant)
def on_table_change(sender, **kwargs):
    tables_invalidate()
