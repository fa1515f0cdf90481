"""Staff access to personal data and the sign-in history. Both tables are append-only: services
add rows, the admin only reads them, retention deletes old sign-ins."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["StaffAccessRecord", "LoginEvent"]


class StaffAccessRecord(models.Model):
    """A staff member revealed one field of a person's data: who, whose, which field, when, why."""

    class Role(models.TextChoices):
        OPERATOR = "operator", _("an operator")
        MODERATOR = "moderator", _("a moderator")
        BRAND_STAFF = "brand_staff", _("brand staff")

    class Field(models.TextChoices):
        EMAIL = "email", _("e-mail address")
        PHONE = "phone", _("phone number")
        ID_NUMBER = "id_number", _("ID number")
        SHIPPING_ADDRESS = "shipping_address", _("shipping name, phone and address")

    class Reason(models.TextChoices):
        SUPPORT = "support", _("Answering the person's own request")
        SHIPPING = "shipping", _("Shipping a trial sample")
        ABUSE = "abuse", _("Investigating abuse or fraud")
        LEGAL = "legal", _("A legal obligation")
        ACCOUNT = "account", _("Account recovery or security")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("staff member"),
    )
    actor_role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_access_records",
        verbose_name=_("whose data"),
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    object_ref = models.CharField(_("where"), max_length=80, blank=True)  # e.g. "trials.trialapplication:12"
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject", "-at"], name="staff_access_subject_idx")]
        verbose_name = _("staff access record")
        verbose_name_plural = _("staff access records")

    def __str__(self):
        return f"{self.actor_id}→{self.subject_id}:{self.field}"


class LoginEvent(models.Model):
    """A successful sign-in, kept for ``RETENTION_LOGIN_HISTORY_DAYS`` for account security.
    No raw address: a salted hash of its network prefix, and the browser family only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_events")
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    network_hash = models.CharField(_("network (hashed)"), max_length=32, blank=True)  # client_signals.HASH_CHARS
    client_family = models.CharField(_("browser"), max_length=20, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")

    def __str__(self):
        return f"{self.user_id}@{self.at:%Y-%m-%d %H:%M}"
