"""Consent: the privacy policy's versions and an append-only record of every consent given or
withdrawn (PIPL Art. 14-15, GDPR Art. 7). The current state of a purpose is its latest record;
the e-mail purpose reads ``User.email_notifications`` itself, so the two never disagree."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.i18n import localized

__all__ = ["PolicyVersion", "ConsentRecord"]


class PolicyVersion(models.Model):
    """One published text of the privacy policy. Operators add a new version in the admin;
    signed-in users who accepted an older one are asked once to accept the newest."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    changes_zh = models.TextField(_("summary of changes (Chinese)"), blank=True)
    changes_en = models.TextField(_("summary of changes (English)"), blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("privacy policy version")
        verbose_name_plural = _("privacy policy versions")

    def __str__(self):
        return self.version

    @property
    def text(self):
        return localized(self, "text")

    @property
    def changes(self):
        return localized(self, "changes")


class ConsentRecord(models.Model):
    """Append-only: a person gave or withdrew one purpose (or accepted a policy version), when,
    under which policy version and how. Never updated or deleted except with the account."""

    class Purpose(models.TextChoices):
        POLICY = "policy", _("Privacy policy accepted")
        EMAIL_NOTIFICATIONS = "email_notifications", _("E-mail notifications")
        BRAND_MARKETING = "brand_marketing", _("Marketing from brands")
        PUBLIC_PROFILE = "public_profile", _("Public profile")

    class Method(models.TextChoices):
        SIGNUP = "signup", _("At sign-up")
        SETTINGS = "settings", _("In the settings")
        BANNER = "banner", _("From the policy banner")
        API = "api", _("Through the API")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_records")
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    policy_version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="consents",
        verbose_name=_("policy version"),
    )
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "purpose", "-at"], name="consent_user_purpose_idx")]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self):
        return f"{self.user_id}/{self.purpose}={'yes' if self.granted else 'no'}"
