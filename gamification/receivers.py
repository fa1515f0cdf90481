"""Gamification reacts to community's, co-creation's and trials' domain signals (sent on commit) by enqueuing tasks.

Signals arrive after commit, so ``enqueue`` sends at once outside a transaction and
defers to commit inside one (``core.queue.enqueue_on_commit``).
"""
import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from community import signals
from community.cocreation import signals as cocreation_signals
from community.integrity import signals as integrity_signals
from community.trials import signals as trials_signals
from core.queue import enqueue_on_commit
from gamification import badges, leaderboards, tasks, votesettle
from gamification.levels import tables_invalidate
from gamification.models import Level, PointsEntry, PrivilegeGrant

log = logging.getLogger(__name__)


@receiver(signals.review_published)
def on_review_published(sender, review_id, **kwargs):
    enqueue_on_commit(tasks.review_points_settle, review_id=review_id)


@receiver(signals.review_unpublished)
def on_review_unpublished(sender, review_id, status=None, **kwargs):
    # "pending" means an edit is being re-screened and a publication follows: keep the points.
    if status in ("rejected", "removed"):
        enqueue_on_commit(tasks.review_points_revoke, review_id=review_id)


def _vote_settle(kind, target_id, voter_id, task, **ids):
    """A vote's points: its pair joins the pending settlements, and the vote that finds the door
    open sends the batch task (gamification/votesettle.py); without a broker and a shared Redis,
    or should Redis refuse, the vote's own task as before."""
    if votesettle.in_use():
        try:
            rang = votesettle.pending_add(kind, target_id, voter_id)
        except Exception:  # noqa: BLE001 - Redis refused: the vote's own task still settles it
            log.warning("votes: could not add to the pending settlements; sending the vote's task", exc_info=True)
        else:
            if rang:
                try:
                    tasks.votes_settle.apply_async()
                except Exception:  # noqa: BLE001 - the pair is kept: beat's run settles it within a minute
                    log.warning("votes: could not send the settle task; beat's run will settle the pair", exc_info=True)
            return
    enqueue_on_commit(task, voter_id=voter_id, **ids)


@receiver(signals.review_voted)
def on_review_voted(sender, review_id, voter_id, **kwargs):
    _vote_settle("helpful", review_id, voter_id, tasks.helpful_vote_points_settle, review_id=review_id)


@receiver([cocreation_signals.entry_published, cocreation_signals.entry_unpublished])
def on_entry_visibility(sender, entry_id, **kwargs):
    enqueue_on_commit(tasks.entry_points_settle, entry_id=entry_id)


@receiver(cocreation_signals.entry_voted)
def on_entry_voted(sender, entry_id, voter_id, **kwargs):
    _vote_settle("entry", entry_id, voter_id, tasks.entry_vote_points_settle, entry_id=entry_id)


@receiver(cocreation_signals.poll_voted)
def on_poll_voted(sender, option_id, voter_id, **kwargs):
    _vote_settle("poll", option_id, voter_id, tasks.poll_vote_points_settle, option_id=option_id)


@receiver(cocreation_signals.entry_won)
def on_entry_won(sender, entry_id, **kwargs):
    enqueue_on_commit(tasks.entry_win_settle, entry_id=entry_id)


@receiver(cocreation_signals.entry_adopted)
def on_entry_adopted(sender, entry_id, **kwargs):
    enqueue_on_commit(tasks.entry_adopted_settle, entry_id=entry_id)


@receiver(trials_signals.trial_report_recorded)
def on_trial_report_recorded(sender, application_id, on_time=True, **kwargs):
    if on_time:
        enqueue_on_commit(tasks.trial_report_points_settle, application_id=application_id)


@receiver([integrity_signals.interactions_invalidated, integrity_signals.interactions_restored])
def on_interactions_judged(sender, event_ids, actions, **kwargs):
    # Votes settle on their own events (review_voted, entry_voted, poll_voted); check-ins here.
    # Redemptions are not undone: the coupon was issued (docs/integrity.md, "Actions").
    for event_id, action in zip(event_ids, actions):
        if action == "checkin":
            enqueue_on_commit(tasks.checkin_points_settle, event_id=event_id)


@receiver([post_save, post_delete], sender=Level)
@receiver([post_save, post_delete], sender=PrivilegeGrant)
def on_table_change(sender, **kwargs):
    tables_invalidate()
    # Again on commit: a read between the save and the commit stored the rows as they were.
    transaction.on_commit(tables_invalidate)


# --- badges and leaderboards ------------------------------------------------------------------
# Receivers for badges and leaderboards (imported by GamificationConfig.ready).
# 
# - community's domain signals (sent on commit) enqueue a badge check for the user
# whose numbers changed, naming the event so only criteria it can satisfy run;
# - every new ledger row moves its user on the Redis leaderboards after commit,
# and rows that can satisfy ledger-based criteria (challenge wins, adopted
# ideas, streak milestones) enqueue a badge check too.

# Ledger actions that feed badge criteria (prefixes).
BADGE_ACTIONS = ("community.challenge.won", "community.idea.adopted", "gamification.streak.")


@receiver(signals.review_published, dispatch_uid="gamification.badges.review_published")
def on_review_published_badges(sender, *, author_id, **kwargs):
    enqueue_on_commit(tasks.badges_check_user, user_id=author_id, event=badges.EVENT_REVIEW_PUBLISHED)


@receiver(signals.review_voted, dispatch_uid="gamification.badges.review_voted")
def on_review_voted_badges(sender, *, author_id, helpful, **kwargs):
    if helpful:
        enqueue_on_commit(tasks.badges_check_user, user_id=author_id, event=badges.EVENT_VOTE_RECEIVED)


@receiver(post_save, sender=PointsEntry, dispatch_uid="gamification.boards.points_entry")
def on_points_entry(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    if leaderboards.backend() == "redis" and ledger_reads_delta(instance):
        transaction.on_commit(lambda: _record(instance))
    if instance.amount > 0 and instance.action.startswith(BADGE_ACTIONS):
        enqueue_on_commit(tasks.badges_check_user, user_id=instance.user_id, event=badges.EVENT_POINTS)


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
