"""Celery entry points of the interaction log: thin and safe to run twice."""
from celery import shared_task

from community.integrity import services


@shared_task(name="integrity.interaction_signals_expire")
def interaction_signals_expire():
    return services.interaction_signals_expire()
