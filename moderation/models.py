"""Moderation state for any kind of content.

Content is addressed by ``(content_type, object_id)`` where ``content_type`` is a
key in ``moderation.registry`` ("review", later "entry", "comment"): a new kind
registers an adapter and the queue, reports, appeals and audit log work
unchanged.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RejectReason(models.TextChoices):
    SPAM = "spam", _("Spam, ad or contact details")
    ABUSE = "abuse", _("Abuse")
    SENSITIVE = "sensitive", _("Sensitive")
    PERSONAL_DATA = "personal_data", _("Personal data")
    LOW_QUALITY = "low_quality", _("Low quality")
    OFF_TOPIC = "off_topic", _("Off-topic")
    FAKE = "fake", _("Fake or undisclosed incentive")
    COPYRIGHT = "copyright", _("Copyright")


class Case(models.Model):
    """One piece of content's moderation state: screening, the queue item, and its decision."""

    class State(models.TextChoices):
        SCREENING = "screening", _("Screening")
        QUEUED = "queued", _("In the queue")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    content_type = models.CharField(max_length=30, verbose_name=_("content type"))
    object_id = models.PositiveBigIntegerField(verbose_name=_("object id"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_cases", verbose_name=_("author"),
    )
    language = models.CharField(max_length=5, blank=True, verbose_name=_("language"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCREENING, verbose_name=_("state"))
    revision = models.PositiveIntegerField(default=1, verbose_name=_("revision"))
    published_first = models.BooleanField(
        default=False, help_text=_("Trusted author: public while screened"), verbose_name=_("published first"),
    )

    # Screening output.
    risk = models.FloatField(default=0.0, verbose_name=_("risk"))
    classifier_score = models.FloatField(null=True, blank=True, verbose_name=_("classifier score"))
    queue_reasons = models.JSONField(
        default=list, blank=True, verbose_name=_("queue reasons"),
    )  # e.g. ["contact", "personal_data"]
    detectors = models.JSONField(
        default=list, blank=True, verbose_name=_("detector results"),
    )  # [{name, labels, score, action, evidence}]
    ai_decision = models.CharField(max_length=10, blank=True, verbose_name=_("AI decision"))  # publish / queue / reject
    screened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("screened at"))

    # Queue ordering: higher first. A static key so the queue is one index scan (see services).
    report_weight = models.FloatField(default=0.0, verbose_name=_("report weight"))
    author_reach = models.PositiveIntegerField(default=0, verbose_name=_("author reach"))
    priority = models.FloatField(default=0.0, db_index=True, verbose_name=_("priority"))
    queued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("queued at"))

    # Lease: a moderator's claim, renewable; an expired lease returns the item to the queue.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="claimed_cases",
        verbose_name=_("claimed by"),
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claim expires at"))

    # Decision.
    reject_reason = models.CharField(
        max_length=20, choices=RejectReason.choices, blank=True, verbose_name=_("reject reason"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="decided_cases",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    # Calibration: a known-answer item set by an operator or upheld on appeal.
    known_answer = models.CharField(
        max_length=10, blank=True, help_text=_("approve / reject"), verbose_name=_("known answer"),
    )

    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="case_one_per_content")]
        indexes = [
            models.Index(fields=["state", "-priority"], name="case_queue_idx", condition=Q(state="queued")),
            models.Index(fields=["author", "-created_at"], name="case_author_idx"),
            models.Index(fields=["state", "decided_at"], name="case_decided_idx"),
        ]
        verbose_name = _("moderation case")
        verbose_name_plural = _("moderation cases")

    def __str__(self):
        return f"{self.content_type}#{self.object_id} ({self.state})"


class Event(models.Model):
    """Append-only audit log of every decision, AI or human, bulk included."""

    case = models.ForeignKey(
        Case, null=True, on_delete=models.SET_NULL, related_name="events", verbose_name=_("moderation case"),
    )
    content_type = models.CharField(max_length=30, verbose_name=_("content type"))
    object_id = models.PositiveBigIntegerField(verbose_name=_("object id"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("by"),
    )
    action = models.CharField(max_length=60, verbose_name=_("action"))  # moderation.review.rejected
    reason = models.CharField(max_length=60, blank=True, verbose_name=_("reason"))
    old_state = models.CharField(max_length=20, blank=True, verbose_name=_("old state"))
    new_state = models.CharField(max_length=20, blank=True, verbose_name=_("new state"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"], name="event_target_idx")]
        verbose_name = _("moderation event")
        verbose_name_plural = _("moderation events")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("moderation events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("moderation events are append-only")


class WordEntry(models.Model):
    """An operator-edited word list entry, matched on normalised text in one pass."""

    class Category(models.TextChoices):
        ABUSE = "abuse", _("Abuse")
        SENSITIVE = "sensitive", _("Sensitive")
        SPAM = "spam", _("Spam phrase")
        COMPETITOR = "competitor", _("Competitor ad")

    class Action(models.TextChoices):
        BLOCK = "block", _("Block")
        HOLD = "hold", _("Hold for review")
        FLAG = "flag", _("Flag")
        ALLOW = "allow", _("Allow (exception)")

    term = models.CharField(max_length=100, verbose_name=_("term"))
    category = models.CharField(
        max_length=20, choices=Category.choices, default=Category.SPAM, verbose_name=_("category"),
    )
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.FLAG, verbose_name=_("action"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "category"], name="word_entry_unique")]
        verbose_name = _("word list entry")
        verbose_name_plural = _("word lists")

    def __str__(self):
        return f"{self.term} ({self.category}/{self.action})"


class Threshold(models.Model):
    """Decision thresholds per content type: risk below ``publish_below`` publishes,
    at or above ``reject_at`` rejects, the middle is queued."""

    content_type = models.CharField(max_length=30, unique=True, verbose_name=_("content type"))
    publish_below = models.FloatField(default=0.3, verbose_name=_("publish below risk"))
    reject_at = models.FloatField(default=0.9, verbose_name=_("reject at risk"))
    classifier_min_precision = models.FloatField(
        default=0.95, help_text=_("The classifier may auto-reject only when its held-out precision meets this bar."),
        verbose_name=_("classifier minimum precision"),
    )

    class Meta:
        verbose_name = _("screening threshold")
        verbose_name_plural = _("screening thresholds")

    def __str__(self):
        return self.content_type


class TextFingerprint(models.Model):
    """MinHash signature of a content item's normalised text, for near-duplicate search."""

    content_type = models.CharField(max_length=30)
    object_id = models.PositiveBigIntegerField()
    author_id = models.BigIntegerField(null=True)  # null for reference texts (product descriptions)
    scope = models.CharField(max_length=40, blank=True)  # e.g. product:12, so duplicates compare within a product too
    signature = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="text_fingerprint_unique")
        ]
        verbose_name = _("text fingerprint")
        verbose_name_plural = _("text fingerprints")


class LshBucket(models.Model):
    """One LSH band of a fingerprint: items sharing a bucket are near-duplicate candidates."""

    fingerprint = models.ForeignKey(TextFingerprint, on_delete=models.CASCADE, related_name="buckets")
    key = models.BigIntegerField()  # hash of (band index, band values)

    class Meta:
        # (key, fingerprint) serves "the newest candidates of this bucket" as an index-only
        # scan that stops early, however crowded the bucket (detectors.duplicate.bucket_rows).
        indexes = [models.Index(fields=["key", "-fingerprint"], name="lsh_bucket_key_fp_idx")]
        verbose_name = _("duplicate-search bucket")
        verbose_name_plural = _("duplicate-search buckets")


class ImageFingerprint(models.Model):
    """Perceptual hash of an image, split in four 16-bit chunks for exact-chunk lookup
    (two hashes within Hamming distance 3 share at least one chunk)."""

    content_type = models.CharField(max_length=30)
    object_id = models.PositiveBigIntegerField()
    image_key = models.CharField(max_length=200)
    author_id = models.BigIntegerField(null=True)
    phash = models.BigIntegerField()
    c0 = models.IntegerField()
    c1 = models.IntegerField()
    c2 = models.IntegerField()
    c3 = models.IntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["image_key"], name="image_fingerprint_unique")]
        indexes = [models.Index(fields=[f"c{i}"], name=f"image_fp_c{i}_idx") for i in range(4)]
        verbose_name = _("image fingerprint")
        verbose_name_plural = _("image fingerprints")


class Report(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or ad")
        ABUSE = "abuse", _("Abusive")
        FAKE = "fake", _("Fake or misleading")  # "Fake review" on reviews: reason_label_for
        PERSONAL_DATA = "personal_data", _("Personal data")
        OFF_TOPIC = "off_topic", _("Off-topic")
        OTHER = "other", _("Something else")

    content_type = models.CharField(max_length=30, verbose_name=_("content type"))
    object_id = models.PositiveBigIntegerField(verbose_name=_("object id"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made", verbose_name=_("reporter"),
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, verbose_name=_("reason"))
    message = models.CharField(max_length=500, blank=True, verbose_name=_("message"))
    weight = models.FloatField(default=1.0, verbose_name=_("weight"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "reporter"], name="report_one_per_user")
        ]
        indexes = [models.Index(fields=["content_type", "object_id", "status"], name="report_target_idx")]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    @staticmethod
    def reason_label_for(reason, content_type):
        """A reason in the words that fit the reported content: "Fake review" only for reviews."""
        if reason == Report.Reason.FAKE and content_type == "review":
            return _("Fake review")
        return Report.Reason(reason).label if reason in Report.Reason.values else reason

    @property
    def reason_label(self):
        return self.reason_label_for(self.reason, self.content_type)


class Appeal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        UPHELD = "upheld", _("Rejection upheld")
        OVERTURNED = "overturned", _("Rejection overturned")

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="appeal", verbose_name=_("moderation case"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("author"),
    )
    message = models.TextField(max_length=2000, verbose_name=_("message"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, verbose_name=_("status"))
    original_moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("original moderator"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals_decided",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(blank=True, verbose_name=_("decision note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")


class ClassifierArtifact(models.Model):
    """A trained, versioned classifier with the metrics it achieved on held-out decisions."""

    kind = models.CharField(max_length=20, default="moderation", verbose_name=_("kind"))  # moderation / quality
    version = models.PositiveIntegerField(verbose_name=_("version"))
    path = models.CharField(max_length=300, verbose_name=_("file path"))
    metrics = models.JSONField(default=dict, verbose_name=_("metrics"))
    threshold = models.FloatField(default=0.5, verbose_name=_("threshold"))
    trained_on = models.PositiveIntegerField(default=0, verbose_name=_("trained on (decisions)"))
    is_active = models.BooleanField(default=False, verbose_name=_("active"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="classifier_version_unique")]
        ordering = ["-created_at"]
        verbose_name = _("classifier model")
        verbose_name_plural = _("classifier models")


class AuditSample(models.Model):
    """One item of a day's random audit sample (``moderation.audit.audit_draw``).

    ``population`` is the size of the item's stratum (its content kind) that day, so
    the prevalence estimate can weight each label by how many items it stands for."""

    date = models.DateField()  # the day the content was published (site time zone)
    content_type = models.CharField(max_length=30)
    object_id = models.PositiveBigIntegerField()
    stratum = models.CharField(max_length=30)
    population = models.PositiveIntegerField(default=0)
    seed = models.BigIntegerField()
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["date", "content_type", "object_id"], name="audit_sample_unique")
        ]
        indexes = [models.Index(fields=["-date", "id"], name="audit_sample_date_idx")]
        verbose_name = _("audit sample item")
        verbose_name_plural = _("audit sample")

    def __str__(self):
        return f"{self.date} {self.content_type}#{self.object_id}"


class AuditLabel(models.Model):
    """A moderator's quality label on one audit sample item (one label per item)."""

    class Label(models.TextChoices):
        GOOD = "good", _("Good")
        ACCEPTABLE = "acceptable", _("Acceptable")
        LOW = "low", _("Low quality")

    sample = models.OneToOneField(AuditSample, on_delete=models.CASCADE, related_name="label")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    label = models.CharField(max_length=10, choices=Label.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["label"], name="audit_label_label_idx")]
        verbose_name = _("audit label")
        verbose_name_plural = _("audit labels")


class QualityScore(models.Model):
    """The latest quality score of one content item (moderation/quality), with its
    components and explanation, recomputed on create, edit, votes and reports."""

    content_type = models.CharField(max_length=30)
    object_id = models.PositiveBigIntegerField()
    score = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=8)  # low / ok / good / great at computation time
    components = models.JSONField(default=dict, blank=True)
    explanation_zh = models.CharField(max_length=300, blank=True)
    explanation_en = models.CharField(max_length=300, blank=True)
    version = models.PositiveSmallIntegerField(default=1)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="quality_score_one_per_content")
        ]
        indexes = [
            models.Index(fields=["content_type", "-score"], name="quality_score_rank_idx"),
            models.Index(fields=["band", "computed_at"], name="quality_score_band_idx"),
        ]
        verbose_name = _("quality score")
        verbose_name_plural = _("quality scores")

    def __str__(self):
        return f"{self.content_type}#{self.object_id}: {self.score} ({self.band})"


class InteractionAuditSample(models.Model):
    """One counted interaction of a day's random fake-interaction audit sample, and the
    moderator's label on it (``moderation.fakerate``; docs/integrity.md, "The fake-interaction
    rate"). ``population`` is the size of the item's stratum (its kind) that day at draw time."""

    class Label(models.TextChoices):
        GENUINE = "genuine", _("Genuine")
        FAKE = "fake", _("Fake")
        UNSURE = "unsure", _("Can't tell")

    date = models.DateField(_("day"))  # the day of the interaction (site time zone)
    interaction = models.OneToOneField("integrity.InteractionEvent", on_delete=models.CASCADE, related_name="+",
                                       verbose_name=_("interaction"))
    kind = models.CharField(_("kind"), max_length=20)
    population = models.PositiveIntegerField(_("stratum size"), default=0)
    seed = models.BigIntegerField(_("seed"))
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)
    label = models.CharField(_("label"), max_length=10, choices=Label.choices, blank=True)
    labelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("labelled by"))
    labelled_at = models.DateTimeField(_("labelled at"), null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["label", "-date", "id"], name="interaction_audit_queue_idx"),
            models.Index(fields=["date", "kind"], name="interaction_audit_day_idx"),
        ]
        verbose_name = _("interaction audit sample item")
        verbose_name_plural = _("interaction audit sample")

    def __str__(self):
        return f"{self.date} {self.kind} interaction #{self.interaction_id}: {self.label or '-'}"


class RingCase(models.Model):
    """An unclear cluster of accounts acting together (issue 11 section 3): one queue item and one
    decision for the whole cluster (invalidate all, clear all, or member by member). ``key`` is a
    stable hash of the sorted member ids and the detector, so a re-scan finds the same case."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DECIDED = "decided", _("Decided")

    class Decision(models.TextChoices):
        NONE = "", _("Not decided")
        INVALIDATE_ALL = "invalidate_all", _("Invalidate all")
        CLEAR_ALL = "clear_all", _("Clear all")
        PARTIAL = "partial", _("Member by member")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True, default="")
    score = models.FloatField(_("suspicion"), default=0.0)
    detectors = models.JSONField(_("detectors"), default=list, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    key = models.CharField(_("key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "-score", "id"], name="ringcase_queue_idx")]
        verbose_name = _("ring case")
        verbose_name_plural = _("ring cases")

    def __str__(self):
        return f"ring case #{self.pk} ({self.status}, {self.score:.2f})"


class RingMember(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        INVALIDATED = "invalidated", _("Invalidated")
        CLEARED = "cleared", _("Cleared")

    case = models.ForeignKey(RingCase, on_delete=models.CASCADE, related_name="members", verbose_name=_("ring case"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("account"))
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, default=Decision.PENDING)
    event_count = models.PositiveIntegerField(_("interactions"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="ringmember_one_per_case")]
        verbose_name = _("ring member")
        verbose_name_plural = _("ring members")

    def __str__(self):
        return f"{self.case_id}: {self.user_id} ({self.decision})"


class RingCaseEvent(models.Model):
    case = models.ForeignKey(RingCase, on_delete=models.CASCADE, related_name="events", verbose_name=_("ring case"))
    event = models.ForeignKey("integrity.InteractionEvent", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("interaction"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "event"], name="ringcaseevent_one_per_case")]
        verbose_name = _("ring case interaction")
        verbose_name_plural = _("ring case interactions")

    def __str__(self):
        return f"{self.case_id}: event {self.event_id}"


class RingAppeal(models.Model):
    """A shopper's appeal against the invalidation of their interactions (PIPL Art. 24: a person
    may refuse a decision made solely by automated means). One appeal per invalidation: each
    flag joins at most one appeal (``RingAppealFlag.flag`` is unique). A different human from the
    one who invalidated decides it (``moderation.ring_review``); upheld restores the interactions."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a moderator")
        UPHELD = "upheld", _("Upheld: interactions restored")
        REJECTED = "rejected", _("Rejected: invalidation stands")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ring_appeals",
                             verbose_name=_("account"))
    case = models.ForeignKey(RingCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals",
                             verbose_name=_("ring case"))
    flags = models.ManyToManyField("integrity.InteractionFlag", through="RingAppealFlag", related_name="+",
                                   verbose_name=_("invalidations"))
    text = models.TextField(_("message"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Whoever invalidated (a ring case's decider); None when only the automatic checks did.
    original_moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name=_("original moderator"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="ringappeal_queue_idx")]
        verbose_name = _("interaction appeal")
        verbose_name_plural = _("interaction appeals")

    def __str__(self):
        return f"ring appeal #{self.pk} by {self.user_id} ({self.status})"


class RingAppealFlag(models.Model):
    appeal = models.ForeignKey(RingAppeal, on_delete=models.CASCADE, related_name="items",
                               verbose_name=_("interaction appeal"))
    flag = models.OneToOneField("integrity.InteractionFlag", on_delete=models.CASCADE, related_name="appeal_item",
                                verbose_name=_("invalidation"))

    class Meta:
        verbose_name = _("appealed invalidation")
        verbose_name_plural = _("appealed invalidations")
