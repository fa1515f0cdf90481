"""Periodic operator work for moderation (calibration). Thin, like ``moderation.tasks``;
the schedule lives in settings (``CELERY_BEAT_SCHEDULE``)."""
from celery import shared_task

from moderation import calibration


@shared_task(name="moderation.known_answer_requeue")
def known_answer_requeue(share=0.05, limit=50):
    """Keep about ``share`` of the queue as blind known-answer items (beat, hourly)."""
    return len(calibration.known_answer_requeue(share=share, limit=limit))
