"""Gamification core: the points ledger, rules, levels, privileges and streak days.

The ledger (``PointsEntry``) is append-only and hash-chained per user; ``UserPoints``
is a cache of sums over it that ``manage.py ledger rebuild`` recomputes. Only
``gamification.services`` writes these rows.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.i18n import localized

PRIVILEGE_CHOICES = [
    ("skip_premoderation", _("Skip pre-moderation (publish first, screened right after)")),
    ("heavier_reports", _("Reports weigh more")),
    ("more_challenge_votes", _("More votes per challenge")),
    ("more_photos", _("Can upload more photos")),
    ("higher_rate_limits", _("Higher rate limits")),
]


class Rule(models.Model):
    """How many points an action earns. Operators edit these in the admin."""

    action = models.CharField(_("action code"), max_length=80, unique=True, help_text=_("Dotted code, e.g. community.review.helpful_received"))
    points = models.IntegerField(_("points"))
    daily_cap_count = models.PositiveIntegerField(
        _("daily cap (awards)"), null=True, blank=True, help_text=_("Most awards per user per day (user's time zone); empty = no cap.")
    )
    daily_cap_points = models.PositiveIntegerField(
        _("daily cap (points)"), null=True, blank=True, help_text=_("Most points per user per day (user's time zone); empty = no cap.")
    )
    quality_scaled = models.BooleanField(_("scaled by quality"), default=False)
    counts_toward_level = models.BooleanField(_("counts toward level"), default=True)
    vests = models.BooleanField(
        _("vests"), default=False, help_text=_("Pending until the content has stood for the vesting period without an upheld report.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action"]
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")

    def __str__(self):
        return f"{self.action} ({self.points:+d})"


class Level(models.Model):
    """A level: points threshold plus breadth (helpful votes from distinct users on distinct days)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=30)
    name_en = models.CharField(_("name (English)"), max_length=40)
    min_points = models.PositiveIntegerField(_("points needed"), default=0)
    min_distinct_voters = models.PositiveIntegerField(
        _("helpful votes from distinct users"), default=0, help_text=_("Breadth: so one friend cannot lift anyone.")
    )
    min_distinct_days = models.PositiveIntegerField(
        _("helpful votes on distinct days"), default=0, help_text=_("Breadth: so one busy day cannot lift anyone.")
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")

    def __str__(self):
        return f"Lv{self.number} {self.name_zh} / {self.name_en}"

    @property
    def name(self):
        return localized(self, "name")


class PrivilegeGrant(models.Model):
    """A privilege held from ``min_level`` up. ``value`` is an optional amount (e.g. extra photos)."""

    privilege = models.CharField(_("privilege"), max_length=40, choices=PRIVILEGE_CHOICES, unique=True)
    min_level = models.PositiveSmallIntegerField(_("from level"))
    value = models.PositiveIntegerField(_("value"), default=0, help_text=_("Optional amount, e.g. extra photos or votes."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["min_level", "privilege"]
        verbose_name = _("privilege")
        verbose_name_plural = _("privileges")

    def __str__(self):
        return f"{self.privilege} ≥ Lv{self.min_level}"


class UserPoints(models.Model):
    """Cached sums over a user's ledger rows; also the per-user lock and hash-chain head."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="points")
    total = models.IntegerField(default=0)  # sum of all rows
    spendable = models.IntegerField(default=0)  # rows not waiting to vest
    level_points = models.IntegerField(default=0)  # rows that count toward level
    level = models.PositiveSmallIntegerField(default=1)
    last_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("user points")
        verbose_name_plural = _("user points")

    @property
    def pending(self):
        return self.total - self.spendable


class PointsEntry(models.Model):
    """One append-only ledger row. Never updated except ``vested_at`` (not part of the hash)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_entries")
    amount = models.IntegerField()
    action = models.CharField(max_length=80)
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    key = models.CharField(max_length=200, unique=True)
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals")
    reason = models.CharField(max_length=200, blank=True)
    vests_at = models.DateTimeField(null=True, blank=True)  # null: spendable at once
    vested_at = models.DateTimeField(null=True, blank=True)  # set by the vesting task
    counts_toward_level = models.BooleanField(default=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One reversal per original row.
            models.UniqueConstraint(fields=["reverses"], condition=Q(reverses__isnull=False), name="points_entry_one_reversal"),
        ]
        indexes = [
            models.Index(fields=["user", "-id"], name="points_user_idx"),
            models.Index(fields=["user", "action", "created_at"], name="points_user_action_idx"),
            models.Index(fields=["source_type", "source_id"], name="points_source_idx"),
            models.Index(fields=["vests_at"], condition=Q(vested_at__isnull=True, vests_at__isnull=False), name="points_vesting_idx"),
        ]
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")

    def __str__(self):
        return f"{self.user_id} {self.amount:+d} {self.action}"

    @property
    def is_settled(self):
        """Counts in the spendable balance."""
        return self.vests_at is None or self.vested_at is not None


class ActivityDay(models.Model):
    """A day (in the user's time zone) on which the user checked in or published a contribution."""

    class Kind(models.TextChoices):
        CHECKIN = "checkin", _("Check-in")
        CONTRIBUTION = "contribution", _("Contribution")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_days")
    day = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["user", "kind", "day"], name="activity_day_unique")]
        verbose_name = _("activity day")
        verbose_name_plural = _("activity days")


from gamification.models_badges import *  # noqa: E402,F401,F403
from gamification.models_rewards import *  # noqa: E402,F401,F403
