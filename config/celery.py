import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _warm_screening(**kwargs):
    """Load the screening pipeline (word lists, OpenCC, the active classifier) when a worker
    process starts, so the first submission is not the one that pays for it (~1 s)."""
    try:
        from moderation import pipeline
        from moderation.detectors.base import ScreenInput

        pipeline.screen(ScreenInput(text="warm up 预热"), thresholds={"publish_below": 0.3, "reject_at": 0.9})
    except Exception:  # noqa: BLE001 - a cold start is slower, never fatal
        import logging

        logging.getLogger(__name__).warning("screening warm-up failed", exc_info=True)
