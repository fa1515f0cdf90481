"""Celery entry points of the privacy app: thin, take ids, call one service, safe to run twice."""
from celery import shared_task

from community.privacy import services
from community.privacy.retention import retention_run


@shared_task(name="privacy.retention_run")
def retention_run_task():
    return {row["kind"]: row["count"] for row in retention_run()}


@shared_task(name="privacy.data_export_build", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def data_export_build(export_id):
    export = services.data_export_build(export_id=export_id)
    return export.status if export else None


@shared_task(name="privacy.data_exports_expire")
def data_exports_expire():
    return services.data_exports_expire()


@shared_task(name="privacy.deletions_run_due")
def deletions_run_due():
    return services.deletions_run_due()
