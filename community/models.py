from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.i18n import localized


class EmailUserManager(UserManager):
    """Users sign in by email; ``username`` is kept only because AbstractUser has it."""

    def _create_user(self, username, email, password, **extra_fields):
        email = self.normalize_email(email)
        username = username or email
        return super()._create_user(username, email, password, **extra_fields)

    def create_user(self, username=None, email=None, password=None, **extra_fields):
        return super().create_user(username, email, password, **extra_fields)

    def create_superuser(self, username=None, email=None, password=None, **extra_fields):
        return super().create_superuser(username, email, password, **extra_fields)


# Deleted accounts keep their row (so reviews, votes and the points ledger stay valid) under
# this username prefix, with no e-mail, name or password (community.services.user_anonymise).
ERASED_USERNAME_PREFIX = "deleted-"


class User(AbstractUser):
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=40, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    email_notifications = models.BooleanField(
        _("email me about decisions, badges and rewards"), default=True,
        help_text=_("Notifications always appear on the site; this adds an email."),
    )

    objects = EmailUserManager()

    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    def __str__(self):
        # Every admin list, filter, raw-id and autocomplete label shows this: never the
        # e-mail address (the username is the e-mail), which brand staff must not see.
        return f"{self.public_name} (#{self.pk})" if self.pk else self.public_name

    @property
    def is_erased(self):
        return not self.is_active and self.username.startswith(ERASED_USERNAME_PREFIX)

    @property
    def public_name(self):
        if self.is_erased:
            return gettext("deleted user")
        if self.display_name:
            return self.display_name
        local = (self.email or self.username).split("@")[0]
        return local[:2] + "***" if len(local) > 2 else local + "***"

    @property
    def is_moderator(self):
        return self.groups.filter(name=MODERATORS_GROUP).exists()


MODERATORS_GROUP = "moderators"
BRAND_STAFF_GROUP = "brand staff"


class Brand(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), unique=True)
    logo = models.ImageField(_("logo"), upload_to="brands/", blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self):
        return self.name


class BrandMembership(models.Model):
    """Links a user to the brand they work for; brand staff see only that brand in the admin."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="brand_memberships", verbose_name=_("user"),
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("brand"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "brand"], name="brand_membership_unique")]
        verbose_name = _("brand membership")
        verbose_name_plural = _("brand memberships")

    def __str__(self):
        return f"{self.user} @ {self.brand}"


class Category(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    slug = models.SlugField(_("slug"), unique=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return localized(self, "name")


class AspectTag(models.Model):
    """An aspect a shopper can tick in a review (质量好 / good quality), per category."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="aspect_tags", verbose_name=_("category"),
    )
    slug = models.SlugField(_("slug"))
    label_zh = models.CharField(_("label (Chinese)"), max_length=30)
    label_en = models.CharField(_("label (English)"), max_length=40)
    negative = models.BooleanField(_("negative aspect"), default=False)
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        ordering = ["category_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "slug"], name="aspect_tag_unique_slug")]
        verbose_name = _("aspect tag")
        verbose_name_plural = _("aspect tags")

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized(self, "label")


class Product(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products", verbose_name=_("brand"))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category"),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    # Caches rebuilt from review rows by product_stats_refresh / `manage.py rebuild_counters`.
    rating_count = models.PositiveIntegerField(default=0, verbose_name=_("ratings"))
    rating_sum = models.PositiveIntegerField(default=0, verbose_name=_("sum of ratings"))
    rating_histogram = models.JSONField(
        default=list, blank=True, verbose_name=_("ratings by stars"),
    )  # [n1, n2, n3, n4, n5]
    tag_counts = models.JSONField(default=dict, blank=True, verbose_name=_("tag counts"))  # {tag_id: n}
    photo_review_count = models.PositiveIntegerField(default=0, verbose_name=_("reviews with photos"))
    # Published reviews with text or photos; the rest of rating_count are star-only ratings.
    content_review_count = models.PositiveIntegerField(default=0, verbose_name=_("reviews with text or photos"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["brand", "category", "is_active"])]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return localized(self, "name")

    @property
    def description(self):
        return localized(self, "description")

    @property
    def rating_average(self):
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def rating_only_count(self):
        """Published star-only ratings (no text, no photos): counted, shown collapsed."""
        return max(self.rating_count - self.content_review_count, 0)


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product"))
    image = models.ImageField(upload_to="products/%Y/%m/", verbose_name=_("image"))
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")


class Review(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        REMOVED = "removed", _("Removed")

    class Language(models.TextChoices):
        ZH = "zh", _("Chinese")
        EN = "en", _("English")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("product"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("author"),
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    tags = models.ManyToManyField(AspectTag, blank=True, related_name="reviews", verbose_name=_("aspect tags"))
    text = models.TextField(_("text"), blank=True, max_length=5000)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.ZH)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    status_reason = models.CharField(_("status reason"), max_length=200, blank=True)
    class Incentive(models.TextChoices):
        """Why a review is an incentivized review (docs/incentives.md): something of material value
        given in exchange for this specific review. Points that every review earns alike, whatever
        its rating, are not one of them: they are disclosed site-wide, not on the card."""

        FREE_SAMPLE = "free_sample", _("got a free sample")

    incentive = models.CharField(
        _("incentive"), max_length=20, choices=Incentive.choices, blank=True, default="",
        help_text=_(
            "What the author got in exchange for this review (a free sample in a trial): the card is labelled "
            "“Incentivized review” with this reason. Empty when nothing was; points every review earns alike "
            "are disclosed site-wide instead."
        ),
    )
    has_photos = models.BooleanField(default=False, verbose_name=_("has photos"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("edited at"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    # Caches rebuilt from HelpfulVote rows.
    helpful_count = models.PositiveIntegerField(default=0, verbose_name=_("helpful votes"))
    not_helpful_count = models.PositiveIntegerField(default=0, verbose_name=_("not helpful votes"))
    helpful_score = models.FloatField(
        default=0.0, help_text=_("Wilson lower bound of helpful votes"), verbose_name=_("helpfulness score"),
    )
    # Denormalised from moderation's QualityScore by review_set_quality (null: not scored,
    # e.g. a rating alone), and the default "helpful" ordering key combining it with votes.
    quality_score = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("quality"))
    rank_score = models.FloatField(
        default=0.16, help_text=_("Helpfulness and quality combined (review_rank_score)"), verbose_name=_("rank score"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "author"], name="review_one_per_user_per_product"),
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["product", "status", "-created_at", "-id"], name="review_newest_idx"),
            models.Index(fields=["product", "status", "-rank_score", "-helpful_score", "-id"], name="review_rank_idx"),
            models.Index(fields=["product", "status", "-quality_score", "-id"], name="review_quality_idx"),
            models.Index(fields=["status", "-created_at"], name="review_recent_idx"),
            models.Index(fields=["author", "-created_at"], name="review_author_idx"),
        ]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self):
        return f"{self.product_id}/{self.author_id}: {self.rating}★"

    # Text or photos: something for other shoppers to read or judge (review_has_content is
    # the same test as a query filter, community.selectors).
    @property
    def has_content(self):
        return bool(self.text.strip()) or self.has_photos

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED

    @property
    def incentivized(self):
        return bool(self.incentive)


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos", verbose_name=_("review"))
    image = models.ImageField(upload_to="reviews/%Y/%m/", verbose_name=_("image"))
    thumbnail = models.ImageField(upload_to="reviews/thumbs/%Y/%m/", blank=True, verbose_name=_("thumbnail"))
    width = models.PositiveIntegerField(default=0, verbose_name=_("width"))
    height = models.PositiveIntegerField(default=0, verbose_name=_("height"))
    # The author's chosen order (the photo picker); ties (rows from before) keep upload order.
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")

    @property
    def thumbnail_or_image_url(self):
        return (self.thumbnail or self.image).url


class HelpfulVote(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes", verbose_name=_("review"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="helpful_votes", verbose_name=_("user"),
    )
    helpful = models.BooleanField(verbose_name=_("helpful"))
    # Integrity checks invalidate a vote instead of deleting it: it stays, leaves the counts,
    # its points are reversed, and the voter cannot change it (community.interactions).
    valid = models.BooleanField(default=True, verbose_name=_("valid"))
    invalid_reason = models.CharField(max_length=60, blank=True, verbose_name=_("why invalid"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "user"], name="helpful_vote_one_per_user")]
        verbose_name = _("helpful vote")
        verbose_name_plural = _("helpful votes")


class Notification(models.Model):
    """An on-site notification (decisions, reports' outcomes, later badges and rewards)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=60)  # dotted code, e.g. moderation.review.rejected
    # The title's source text (English, a gettext msgid) and its parameters: it is translated
    # when shown, in the reader's language, not in whoever's language sent it.
    title = models.CharField(max_length=200)
    title_params = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_user_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    @property
    def display_title(self) -> str:
        """The title in the active language (rows written before titles were translated on
        display hold finished text, which gettext returns unchanged)."""
        text = gettext(self.title)
        if not self.title_params:
            return text
        # Parameters stored as source text (a content kind, a reject reason) are translated too.
        params = {k: gettext(v) if isinstance(v, str) and v else v for k, v in self.title_params.items()}
        try:
            return text % params
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
            return self.title % self.title_params

