"""What insights does when community and co-creation report a change (all signals arrive after
commit). A review or entry that leaves publication stops being quoted at once; everything else
is marked for the next incremental run."""
from django.dispatch import receiver

from community import signals
from community.cocreation import signals as cocreation_signals
from community.insights import services
from community.insights.models import InsightsDirty

Kind = InsightsDirty.Kind


@receiver(signals.review_unpublished, dispatch_uid="insights.review_unpublished")
def _review_unpublished(sender, review_id, **kwargs):
    services.review_unquote(review_id=review_id)


@receiver(signals.review_submitted, dispatch_uid="insights.review_submitted")
def _review_submitted(sender, review_id, first=False, **kwargs):
    # edited text waits for a decision: the old quote no longer says what the review says. A
    # review's first text has nothing quoted yet (and its publication marks it for the next run):
    # nothing to do, and no wait on the state row a run holds.
    if not first:
        services.review_unquote(review_id=review_id)


@receiver(signals.review_published, dispatch_uid="insights.review_published")
def _review_published(sender, review_id, **kwargs):
    services.insights_mark(kind=Kind.REVIEW, object_id=review_id)


@receiver(signals.review_voted, dispatch_uid="insights.review_voted")
def _review_voted(sender, review_id, **kwargs):
    services.insights_mark(kind=Kind.REVIEW, object_id=review_id)


@receiver(cocreation_signals.entry_unpublished, dispatch_uid="insights.entry_unpublished")
def _entry_unpublished(sender, challenge_id, **kwargs):
    services.entry_unquote(challenge_id=challenge_id)


# Votes leave no mark: the run finds the challenges whose entries' votes moved (Entry.voted_at).
@receiver(cocreation_signals.entry_published, dispatch_uid="insights.entry_published")
@receiver(cocreation_signals.entry_adopted, dispatch_uid="insights.entry_adopted")
def _entry_changed(sender, challenge_id, **kwargs):
    services.insights_mark(kind=Kind.CHALLENGE, object_id=challenge_id)
