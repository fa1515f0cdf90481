"""Self-service export (PIPL Art. 45, GDPR Art. 15 / 20) and account deletion (PIPL Art. 47,
GDPR Art. 17). Only community.privacy.services writes these rows."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.privacy.storage import export_storage


class DataExport(models.Model):
    """One "download my data" job: a ZIP built by Celery into private storage, downloadable by
    its owner's session for 7 days, then deleted by the beat task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    language = models.CharField(max_length=10, default="zh-hans")  # of the README and the labels
    file = models.FileField(storage=export_storage, upload_to="exports/", max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="data_export_user_idx"),
            models.Index(fields=["status", "expires_at"], name="data_export_expiry_idx"),
        ]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self):
        return f"{self.user_id}: {self.status} {self.progress}%"

    @property
    def is_active(self):
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    def is_downloadable(self, now=None):
        return (self.status == self.Status.READY and bool(self.file)
                and self.expires_at is not None and (now or timezone.now()) < self.expires_at)


class DeletionRequest(models.Model):
    """"Delete my account": scheduled after a 7-day cool-off (signing in cancels it), then run
    by the beat task through every registered eraser."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("account deletion", "Scheduled")
        CANCELLED = "cancelled", pgettext_lazy("account deletion", "Cancelled")
        DONE = "done", pgettext_lazy("account deletion", "Done")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deletion_requests")
    keep_content = models.BooleanField(
        _("keep my reviews and entries, anonymised"), default=True,
        help_text=_("Shown as “deleted user”; otherwise they are removed."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    requested_at = models.DateTimeField(default=timezone.now)
    scheduled_for = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    rows_erased = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="scheduled"), name="deletion_one_scheduled"),
        ]
        indexes = [
            models.Index(fields=["scheduled_for"], condition=Q(status="scheduled"), name="deletion_due_idx"),
        ]
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")

    def __str__(self):
        return f"{self.user_id}: {self.status} {self.scheduled_for:%Y-%m-%d}"
