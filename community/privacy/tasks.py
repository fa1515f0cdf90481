"""Celery entry points of the privacy app (thin: call one service)."""
from celery import shared_task

from community.privacy.retention import retention_run


@shared_task(name="privacy.retention_run")
def retention_run_task():
    return {row["kind"]: row["count"] for row in retention_run()}
