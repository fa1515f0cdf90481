"""The Celery app as ``moderation_latency`` runs its workers: the project's app, with the
screening tasks (names containing "screen") routed to the queue named in
``LATENCY_SCREEN_QUEUE`` and everything else to ``CELERY_TASK_DEFAULT_QUEUE``, as a
deployment with a screening queue of its own does (``celery -A devtools.latency_celery:app``)."""
import os

from config.celery import app

SCREEN_PATTERN = "*screen*"

if os.environ.get("LATENCY_SCREEN_QUEUE"):
    app.conf.task_routes = ({SCREEN_PATTERN: {"queue": os.environ["LATENCY_SCREEN_QUEUE"]}},)

__all__ = ["app"]
