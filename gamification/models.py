"""Gamification: the points ledger, rules, levels, privileges, streak days, badges and the
rewards store.

The ledger (``PointsEntry``) is append-only and hash-chained per user; ``UserPoints``
is a cache of sums over it that ``manage.py ledger rebuild`` recomputes. Only
``gamification.services`` writes these rows.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Brand
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
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

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

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="points",
        verbose_name=_("user"),
    )
    total = models.IntegerField(default=0, verbose_name=_("total points"))  # sum of all rows
    spendable = models.IntegerField(default=0, verbose_name=_("spendable points"))  # rows not waiting to vest
    level_points = models.IntegerField(default=0, verbose_name=_("level points"))  # rows that count toward level
    level = models.PositiveSmallIntegerField(default=1, verbose_name=_("level"))
    last_hash = models.CharField(max_length=64, blank=True, verbose_name=_("last ledger hash"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("user points")
        verbose_name_plural = _("user points")

    @property
    def pending(self):
        return self.total - self.spendable


class PointsEntry(models.Model):
    """One append-only ledger row. Never updated except ``vested_at`` (not part of the hash)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_entries", verbose_name=_("user"),
    )
    amount = models.IntegerField(verbose_name=_("points"))
    action = models.CharField(max_length=80, verbose_name=_("action"))
    source_type = models.CharField(max_length=60, blank=True, verbose_name=_("source type"))
    source_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("source id"))
    key = models.CharField(max_length=200, unique=True, verbose_name=_("idempotency key"))
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals", verbose_name=_("reverses"),
    )
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    vests_at = models.DateTimeField(null=True, blank=True, verbose_name=_("vests at"))  # null: spendable at once
    vested_at = models.DateTimeField(null=True, blank=True, verbose_name=_("vested at"))  # set by the vesting task
    counts_toward_level = models.BooleanField(default=True, verbose_name=_("counts toward level"))
    prev_hash = models.CharField(max_length=64, blank=True, verbose_name=_("previous hash"))
    hash = models.CharField(max_length=64, verbose_name=_("hash"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

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

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_days", verbose_name=_("user"),
    )
    day = models.DateField(verbose_name=_("day"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["user", "kind", "day"], name="activity_day_unique")]
        verbose_name = _("activity day")
        verbose_name_plural = _("activity days")


# --- badges: definitions edited by operators, and the badges users hold ------------------------
# A badge's criterion is a code registered in gamification/badges.py with parameters in
# ``params`` (JSON); the admin offers only registered codes.


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
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

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

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges", verbose_name=_("user"),
    )
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="holders", verbose_name=_("badge"))
    awarded_at = models.DateTimeField(default=timezone.now, verbose_name=_("awarded at"))

    class Meta:
        ordering = ["-awarded_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="user_badge_unique")]
        indexes = [models.Index(fields=["badge", "-awarded_at"], name="user_badge_holders_idx")]
        verbose_name = _("badge held")
        verbose_name_plural = _("badges held")

    def __str__(self):
        return f"{self.user_id}: {self.badge_id}"


# --- the rewards store (积分兑换) ------------------------------------------------------------
# Brands offer coupon codes for points. Inventory is the set of unclaimed RewardCode rows, so
# it never goes below zero: a redemption claims one row under a lock (gamification/rewards.py).


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
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

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

    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="codes", verbose_name=_("reward"))
    code = models.CharField(_("code"), max_length=120)
    redeemed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("redeemed at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

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

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="redemptions", verbose_name=_("user"),
    )
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("reward"))
    code = models.OneToOneField(RewardCode, on_delete=models.PROTECT, related_name="redemption", verbose_name=_("code"))
    points_entry = models.ForeignKey(
        "gamification.PointsEntry", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        verbose_name=_("ledger entry"),
    )
    cost = models.PositiveIntegerField(verbose_name=_("cost in points"))
    key = models.CharField(
        max_length=120, unique=True, help_text=_("idempotency key of the request"), verbose_name=_("idempotency key"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    # Set when the holder's account is deleted: the code is void, not returned to stock (it
    # was shown to the holder), and brand staff see it as void (docs/privacy.md).
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "reward"], name="redemption_user_reward_idx")]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")

    def __str__(self):
        return f"{self.user_id} ← {self.reward_id}"
