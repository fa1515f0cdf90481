"""Celery entry points of brand insights: thin, idempotent (docs/insights.md)."""
from celery import shared_task

from community.insights import services


@shared_task(name="insights.run")
def insights_run():
    return services.insights_run()


@shared_task(name="insights.rebuild")
def insights_rebuild():
    return services.insights_rebuild()
