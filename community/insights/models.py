"""Brand insights tables: filled only by ``community.insights.services`` (the Celery refresh),
read by the brand insights page. Every row can be rebuilt from reviews and entries."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Brand, Product, Review


class InsightsState(models.Model):
    """The refresh's watermark: reviews created, edited or published after it (less an overlap
    for late commits) are read again by the next incremental run."""

    name = models.CharField(max_length=40, unique=True)
    watermark = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_rebuild_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("insights state")
        verbose_name_plural = _("insights state")
        permissions = [("view_all_brand_insights", _("Can see every brand's insights"))]


class InsightsDirty(models.Model):
    """Work the next run must redo: a review whose status changed (a moderation decision moves
    no timestamp), or a brand whose ideas changed (an entry published, voted on or adopted)."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("review")
        BRAND = "brand", _("brand")
        CHALLENGE = "challenge", _("challenge")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "object_id"], name="insights_dirty_kind_idx")]


class AspectMention(models.Model):
    """One aspect a published review talks about, with its polarity and the sentence that names it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    aspect = models.CharField(max_length=60)
    label_zh = models.CharField(max_length=30, blank=True)
    label_en = models.CharField(max_length=40, blank=True)
    polarity = models.SmallIntegerField()  # 1, 0, -1
    day = models.DateField()  # the publication day in the site's time zone
    quote = models.CharField(max_length=200, blank=True)
    quality = models.PositiveSmallIntegerField(null=True, blank=True)
    # published, quality >= INSIGHTS_QUOTE_MIN_QUALITY and a quote: may be shown on the page
    quotable = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "aspect"], name="insights_mention_unique")]
        indexes = [
            models.Index(fields=["brand", "quotable", "aspect", "-quality", "-day"], name="insights_quote_brand_idx"),
            models.Index(fields=["product", "quotable", "aspect", "-quality", "-day"], name="insights_quote_product_idx"),
            models.Index(fields=["product", "day"], name="insights_mention_day_idx"),
        ]


class AspectDaily(models.Model):
    """Mentions of one aspect of one product on one day (rebuilt from ``AspectMention``)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    aspect = models.CharField(max_length=60)
    label_zh = models.CharField(max_length=30, blank=True)
    label_en = models.CharField(max_length=40, blank=True)
    day = models.DateField()
    mentions = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "aspect", "day"], name="insights_daily_unique")]
        indexes = [
            models.Index(fields=["brand", "day"], name="insights_daily_brand_idx"),
            models.Index(fields=["product", "day"], name="insights_daily_product_idx"),
        ]


class IdeaTheme(models.Model):
    """Ideas from a brand's idea challenges and from suggestions in its reviews, grouped by
    near-duplicate text; ``members`` lists them ({"kind", "id", "votes", "text", "adopted"})."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)  # the group's root ("e12" an entry, "r34.0" a review sentence)
    text = models.CharField(max_length=500)  # the most-voted member's text
    votes = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    entry_id = models.BigIntegerField(null=True, blank=True)  # the most-voted entry, for "mark adopted"
    adopted = models.BooleanField(default=False)
    members = models.JSONField(default=list)
    latest_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "key"], name="insights_theme_unique")]
        indexes = [models.Index(fields=["brand", "-votes", "-size"], name="insights_theme_votes_idx")]


class ReviewIdea(models.Model):
    """A suggestion sentence in a published, quotable review ("希望出大容量的"), one row per sentence."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=200)
    votes = models.PositiveIntegerField(default=0)  # the review's helpful votes
    published_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "position"], name="insights_review_idea_unique")]
        indexes = [models.Index(fields=["brand"], name="insights_review_idea_brand_idx")]
