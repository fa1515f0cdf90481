"""Trials listen to community's own review signal: a selected tester's published review of
the trial's product is their report, whichever page they posted it from."""
from django.dispatch import receiver

from community import signals
from community.trials import tasks
from community.trials.models import TrialApplication
from community.trials.services import OWING
from core.queue import enqueue_on_commit


@receiver(signals.review_published)
def on_review_published_trial_report(sender, review_id, author_id, product_id, has_content=False, **kwargs):
    if not has_content:
        return
    # One cheap query keeps the task off the queue for the (many) reviews that are no report.
    owing = TrialApplication.objects.filter(
        user_id=author_id, program__product_id=product_id, status__in=(*OWING, TrialApplication.Status.OVERDUE)
    ).exists()
    if owing:
        enqueue_on_commit(tasks.trial_report_record, review_id=review_id)
