from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from dashboard import rollups, runs


@shared_task(name="dashboard.rollups_run")
def rollups_run():
    return [rollups.window_label(w) for w in runs.run()]


@shared_task(name="dashboard.rollups_reconcile")
def rollups_reconcile():
    since = rollups.site_day(timezone.now()) - timedelta(days=settings.DASHBOARD_RECONCILE_DAYS)
    return len(runs.rebuild(since=since))
