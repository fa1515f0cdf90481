from django.utils import timezone

from community.privacy.models import DataExport, DeletionRequest


def data_export_latest(*, user_id) -> DataExport | None:
    return DataExport.objects.filter(user_id=user_id).order_by("-created_at", "-id").first()


def data_export_get_for_owner(*, user_id, export_id) -> DataExport | None:
    """An export only its owner can reach (someone else's id is "not found")."""
    return DataExport.objects.filter(user_id=user_id, pk=export_id).first()


def data_export_state(export, *, now=None) -> dict:
    """What the page and its polling script show about one export."""
    now = now or timezone.now()
    return {
        "id": export.pk,
        "status": export.status,
        "status_label": str(export.get_status_display()),
        "progress": export.progress,
        "created_at": export.created_at,
        "expires_at": export.expires_at,
        "downloadable": export.is_downloadable(now),
    }


def deletion_scheduled(*, user_id) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user_id=user_id, status=DeletionRequest.Status.SCHEDULED).first()
