"""Trial programs (试用 + 测评): a brand offers N free samples of a product; shoppers apply,
brand staff select testers, and each tester's report is their review of the product,
disclosed as "trial tester, free sample". Writes go through community.trials.services."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Brand, Product, Review
from core.i18n import localized

__all__ = ["TrialProgram", "TrialApplication", "TrialShipping"]


class TrialProgram(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for applications")
        SELECTING = "selecting", _("Selecting testers")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="trial_programs", verbose_name=_("brand"))
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="trial_programs", verbose_name=_("product"),
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    samples = models.PositiveIntegerField(_("free samples"), default=10)
    applications_open_at = models.DateTimeField(_("applications open"))
    applications_close_at = models.DateTimeField(_("applications close"))
    selection_criteria_zh = models.TextField(_("selection criteria (Chinese)"), blank=True)
    selection_criteria_en = models.TextField(_("selection criteria (English)"), blank=True)
    report_deadline = models.DateTimeField(_("report deadline"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        db_table = "community_trialprogram"  # the table predates the app split
        ordering = ["-applications_open_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(applications_close_at__gt=models.F("applications_open_at")),
                name="trial_window_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(report_deadline__gt=models.F("applications_close_at")),
                name="trial_deadline_after_window",
            ),
        ]
        indexes = [models.Index(fields=["state", "applications_close_at"], name="trial_state_idx")]
        verbose_name = _("trial program")
        verbose_name_plural = _("trial programs")

    def __str__(self):
        return self.title

    @property
    def title(self):
        return localized(self, "title")

    @property
    def description(self):
        return localized(self, "description")

    @property
    def selection_criteria(self):
        return localized(self, "selection_criteria")

    def window_open(self, now=None):
        now = now or timezone.now()
        return self.state == self.State.OPEN and self.applications_open_at <= now < self.applications_close_at


class TrialApplication(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        SELECTED = "selected", _("Selected")
        NOT_SELECTED = "not_selected", _("Not selected")
        SHIPPED = "shipped", _("Sample shipped")
        REPORTED = "reported", _("Reported")
        OVERDUE = "overdue", _("Report overdue")

    program = models.ForeignKey(
        TrialProgram, on_delete=models.CASCADE, related_name="applications", verbose_name=_("trial program"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trial_applications",
        verbose_name=_("applicant"),
    )
    reason = models.CharField(_("why you want to try it"), max_length=300)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    selected_at = models.DateTimeField(null=True, blank=True, verbose_name=_("selected at"))
    shipped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sample shipped at"))
    reported_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reported at"))
    reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded at"))
    # Kept after a late report: overdue testers lose priority in later suggestions.
    overdue_at = models.DateTimeField(null=True, blank=True, verbose_name=_("overdue since"))
    # One-to-one (a nullable unique FK): a review is the report of at most one trial, and the
    # review card reads the label through a join instead of an extra query.
    review = models.OneToOneField(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="trial_application",
        verbose_name=_("report (review)"),
    )

    class Meta:
        db_table = "community_trialapplication"  # the table predates the app split
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["program", "user"], name="trial_application_once")]
        indexes = [
            models.Index(fields=["program", "status"], name="trial_app_program_idx"),
            models.Index(fields=["user", "status"], name="trial_app_user_idx"),
        ]
        verbose_name = _("trial application")
        verbose_name_plural = _("trial applications")

    def __str__(self):
        return f"{self.program_id}/{self.user_id}: {self.status}"

    @property
    def reported_on_time(self):
        return self.reported_at is not None and self.reported_at <= self.program.report_deadline


class TrialShipping(models.Model):
    """The parcel details a tester agreed to share with the trial's brand, for that trial only:
    kept apart from the application, shown to brand staff only for selected testers and only
    behind a recorded reveal, and deleted at ``purge_after`` (report deadline + retention)."""

    application = models.OneToOneField(TrialApplication, on_delete=models.CASCADE, related_name="shipping")
    recipient_name = models.CharField(_("name on the parcel"), max_length=40)
    phone = models.CharField(_("phone"), max_length=20)
    address = models.CharField(_("address"), max_length=200)
    consented_at = models.DateTimeField(_("shared with the brand at"), default=timezone.now)
    purge_after = models.DateTimeField(_("deleted after"), db_index=True)

    class Meta:
        db_table = "community_trialshipping"  # every trials table keeps the community_ prefix
        verbose_name = _("trial shipping details")
        verbose_name_plural = _("trial shipping details")

    def __str__(self):
        return f"shipping for application {self.application_id}"
