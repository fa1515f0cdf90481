"""The interaction log: one row per vote-like action and per review or entry submission, with
the privacy-preserving signals of the request it came from (docs/integrity.md)."""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InteractionEvent(models.Model):
    class Action(models.TextChoices):
        HELPFUL_VOTE = "helpful_vote", _("Helpful vote")
        UNHELPFUL_VOTE = "unhelpful_vote", _("Not-helpful vote")
        HELPFUL_WITHDRAW = "helpful_withdraw", _("Helpful vote withdrawn")
        ENTRY_VOTE = "entry_vote", _("Entry vote")
        ENTRY_VOTE_WITHDRAW = "entry_vote_withdraw", _("Entry vote withdrawn")
        POLL_VOTE = "poll_vote", _("Poll vote")
        POLL_VOTE_WITHDRAW = "poll_vote_withdraw", _("Poll vote withdrawn")
        REPORT = "report", _("Report")
        CHECKIN = "checkin", _("Check-in")
        REDEMPTION = "redemption", _("Reward redemption")
        REVIEW_SUBMIT = "review_submit", _("Review submitted")
        ENTRY_SUBMIT = "entry_submit", _("Entry submitted")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("actor"))
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    # What the action was on (None for a check-in); for a report, the report row.
    target_ct = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                  verbose_name=_("target type"))
    target_id = models.PositiveBigIntegerField(_("target id"), null=True, blank=True)
    # No database constraint: inserting a log row must not take a key-share lock on the target
    # author's account row (an account deletion holds that row while it erases the author's
    # content, and a vote on that content would deadlock with it). Erasure nulls it.
    target_author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("target author"), db_constraint=False)
    at = models.DateTimeField(_("time"), default=timezone.now)
    # Signals: None outside a web request (tasks, commands) and after the retention window.
    ip_prefix_hash = models.CharField(_("IP prefix hash"), max_length=32, null=True, blank=True)
    device_hash = models.CharField(_("device hash"), max_length=32, null=True, blank=True)
    ua_family = models.CharField(_("browser family"), max_length=24, null=True, blank=True)
    account_age_days = models.PositiveIntegerField(_("account age (days)"), null=True, blank=True)
    actor_level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    # Counted into InteractionDaily and stripped of its signals by the retention task.
    signals_expired = models.BooleanField(_("signals expired"), default=False)
    valid = models.BooleanField(_("valid"), default=True)  # False once an integrity check invalidates it

    class Meta:
        verbose_name = _("interaction event")
        verbose_name_plural = _("interaction events")
        indexes = [
            models.Index(fields=["target_ct", "target_id", "at"], name="integrity_ie_target_at"),
            models.Index(fields=["actor", "at"], name="integrity_ie_actor_at"),
            models.Index(fields=["target_author", "at"], name="integrity_ie_author_at"),
            models.Index(fields=["device_hash"], name="integrity_ie_device"),
            models.Index(fields=["ip_prefix_hash"], name="integrity_ie_ip_prefix"),
            models.Index(fields=["at"], name="integrity_ie_at"),  # the retention task's cut
        ]

    def __str__(self):
        return f"{self.actor_id} {self.action} {self.target_ct_id}:{self.target_id} @ {self.at:%Y-%m-%d %H:%M}"


class InteractionDaily(models.Model):
    """How many interactions of each action a day had, kept after their signals are stripped."""

    day = models.DateField(_("day"))
    action = models.CharField(_("action"), max_length=24, choices=InteractionEvent.Action.choices)
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("daily interaction count")
        verbose_name_plural = _("daily interaction counts")
        constraints = [models.UniqueConstraint(fields=["day", "action"], name="integrity_daily_day_action")]

    def __str__(self):
        return f"{self.day} {self.action}: {self.count}"


class InteractionFlag(models.Model):
    """Why an interaction was invalidated: the detector, its suspicion and its evidence. The
    event keeps its row (``valid=False``); a restore keeps the flag and stamps ``restored_at``,
    so an automatic scan never invalidates again what a human cleared."""

    class Source(models.TextChoices):
        AUTO = "auto", _("Automatic")
        HUMAN = "human", _("Moderator")

    event = models.OneToOneField(InteractionEvent, on_delete=models.CASCADE, related_name="flag",
                                 verbose_name=_("interaction"))
    detector = models.CharField(_("detector"), max_length=40)
    score = models.FloatField(_("suspicion"), default=0.0)
    evidence = models.TextField(_("evidence"), blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.AUTO)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Who decided (None for the automatic scan); a restore names its human and note.
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    restored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("restored by"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("interaction flag")
        verbose_name_plural = _("interaction flags")

    def __str__(self):
        return f"{self.event_id} {self.detector} {self.score:.2f}"
