from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from dashboard import kpis, rollups, runs


@shared_task(name="dashboard.rollups_run")
def rollups_run():
    windows = [rollups.window_label(w) for w in runs.run()]
    kpis.warm_default_views()  # the operators' default view of the run just written, in each language
    return windows


@shared_task(name="dashboard.rollups_reconcile")
def rollups_reconcile():
    since = rollups.site_day(timezone.now()) - timedelta(days=settings.DASHBOARD_RECONCILE_DAYS)
    return len(runs.rebuild(since=since))
