"""Rewards store models (owned by the badges/leaderboards/rewards work of issue 5).

The rewards store (积分兑换): brands offer coupon codes for points. Inventory is
the set of unclaimed ``RewardCode`` rows, so it can never go below zero: a
redemption claims one row under a lock (see gamification/rewards.py).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Brand
from core.i18n import localized

__all__ = ["Reward", "RewardCode", "Redemption"]


class Reward(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="rewards", verbose_name=_("brand"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=80)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    cost = models.PositiveIntegerField(_("cost in points"))
    per_user_limit = models.PositiveSmallIntegerField(
        _("limit per user"), default=1, help_text=_("How many codes one user may redeem.")
    )
    is_active = models.BooleanField(_("on offer"), default=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(cost__gt=0), name="reward_cost_positive")]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")

    def __str__(self):
        return self.title

    @property
    def title(self):
        return localized(self, "title")

    @property
    def description(self):
        return localized(self, "description")

    def is_open(self, now=None):
        now = now or timezone.now()
        return (
            self.is_active
            and (self.starts_at is None or self.starts_at <= now)
            and (self.ends_at is None or now < self.ends_at)
        )


class RewardCode(models.Model):
    """One coupon code: unclaimed (``redeemed_at`` empty) until a redemption takes it."""

    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(_("code"), max_length=120)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["reward", "code"], name="reward_code_unique")]
        indexes = [models.Index(fields=["reward", "redeemed_at", "id"], name="reward_code_free_idx")]
        verbose_name = _("reward code")
        verbose_name_plural = _("reward codes")

    def __str__(self):
        return f"{self.reward_id}: {self.code[:4]}…"


class Redemption(models.Model):
    """A user's redemption: the code they got and the ledger row that paid for it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="redemptions")
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    code = models.OneToOneField(RewardCode, on_delete=models.PROTECT, related_name="redemption")
    points_entry = models.ForeignKey(
        "gamification.PointsEntry", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    cost = models.PositiveIntegerField()
    key = models.CharField(max_length=120, unique=True, help_text="idempotency key of the request")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "reward"], name="redemption_user_reward_idx")]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")

    def __str__(self):
        return f"{self.user_id} ← {self.reward_id}"
