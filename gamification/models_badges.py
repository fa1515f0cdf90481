"""Badge models (owned by the badges/leaderboards/rewards work of issue 5).

Badges: definitions edited by operators, and the badges users hold. A badge's
criterion is a code registered in ``gamification/badges.py`` with parameters in
``params`` (JSON); the admin offers only registered codes.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.i18n import localized

__all__ = ["Badge", "UserBadge"]


class Badge(models.Model):
    class Tier(models.TextChoices):
        BRONZE = "bronze", _("Bronze")
        SILVER = "silver", _("Silver")
        GOLD = "gold", _("Gold")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    description_zh = models.CharField(_("description (Chinese)"), max_length=200, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    icon_emoji = models.CharField(_("icon (emoji)"), max_length=16, blank=True, default="🏅")
    icon_image = models.ImageField(
        _("icon (image)"), upload_to="badges/", blank=True, help_text=_("Shown instead of the emoji when set.")
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.BRONZE)
    criterion = models.CharField(_("criterion"), max_length=60)
    params = models.JSONField(_("criterion parameters"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("badge")
        verbose_name_plural = _("badges")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return localized(self, "name")

    @property
    def description(self):
        return localized(self, "description")

    @property
    def tier_rank(self):
        return {"gold": 3, "silver": 2, "bronze": 1}.get(self.tier, 0)


class UserBadge(models.Model):
    """A badge a user holds. One row per user and badge: granting twice changes nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="holders")
    awarded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-awarded_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="user_badge_unique")]
        indexes = [models.Index(fields=["badge", "-awarded_at"], name="user_badge_holders_idx")]
        verbose_name = _("badge held")
        verbose_name_plural = _("badges held")

    def __str__(self):
        return f"{self.user_id}: {self.badge_id}"
