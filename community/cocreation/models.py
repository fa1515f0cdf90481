"""Brand challenges: challenges, their events, entries, entry images, votes and comments.

Counts on these rows (``Entry.vote_count``, ``Challenge.entry_count``) are caches that
``community.cocreation.services.challenge_recount`` rebuilds from rows. Every state change
goes through a service in ``community/cocreation/services.py``; see docs/challenges.md.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Brand, Product
from core.i18n import localized


class Challenge(models.Model):
    class Kind(models.TextChoices):
        IDEA = "idea", _("Idea")
        DESIGN = "design", _("Design")
        STORY = "story", _("Story")
        POLL = "poll", _("Poll")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open for entries")
        VOTING = "voting", _("Voting")
        JUDGING = "judging", _("Judging")
        CLOSED = "closed", _("Closed")

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="challenges", verbose_name=_("brand"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.IDEA)
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=160, blank=True)
    brief_zh = models.TextField(_("brief (Chinese)"), blank=True)
    brief_en = models.TextField(_("brief (English)"), blank=True)
    cover = models.ImageField(_("cover image"), upload_to="challenges/%Y/%m/", blank=True)
    products = models.ManyToManyField(Product, blank=True, related_name="challenges", verbose_name=_("products"))
    hashtag = models.CharField(_("hashtag"), max_length=40, blank=True)
    rules_zh = models.TextField(_("rules (Chinese)"), blank=True)
    rules_en = models.TextField(_("rules (English)"), blank=True)
    participation_points = models.PositiveIntegerField(_("points for taking part"), default=10)
    winner_points = models.PositiveIntegerField(_("points for winners"), default=200)
    winner_badge_slug = models.SlugField(
        _("badge for winners (slug)"), max_length=60, blank=True,
        help_text=_("The slug of a badge to give every winner; leave empty for none."),
    )
    adopted_points = models.PositiveIntegerField(_("points for an adopted idea"), default=500)
    prize_description_zh = models.TextField(_("prize description (Chinese)"), blank=True)
    prize_description_en = models.TextField(_("prize description (English)"), blank=True)
    prize_draw = models.BooleanField(_("prize draw among participants"), default=False)
    prize_draw_winners = models.PositiveSmallIntegerField(_("prize draw winners"), default=1)
    prize_odds = models.CharField(
        _("prize draw odds"), max_length=200, blank=True,
        help_text=_("Shown on the page, as advertising law requires, e.g. '3 prizes among all eligible entrants'."),
    )
    # Schedule: entries open → entries close (voting opens) → voting closes (judging) → closed.
    opens_at = models.DateTimeField(_("entries open at"))
    entries_close_at = models.DateTimeField(_("entries close at"))
    voting_close_at = models.DateTimeField(_("voting closes at"))
    closes_at = models.DateTimeField(_("results at"))
    allow_overlap = models.BooleanField(
        _("vote while entries are open"), default=False, help_text=_("Voting starts when entries open.")
    )
    entries_per_user = models.PositiveSmallIntegerField(_("entries per user"), default=1)
    votes_per_user = models.PositiveSmallIntegerField(_("votes per user"), default=3)
    min_account_age_days_to_vote = models.PositiveSmallIntegerField(_("minimum account age to vote (days)"), default=0)

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT, editable=False)
    # The verifiable prize draw: sha256(seed) is published when entries open; the seed at the draw.
    draw_seed_hash = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("prize draw seed hash"))
    draw_seed = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("prize draw seed"))
    draw_revealed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("prize draw revealed at"),
    )
    draw_participant_ids = models.JSONField(
        default=list, blank=True, editable=False, verbose_name=_("prize draw participants"),
    )
    draw_winner_ids = models.JSONField(
        default=list, blank=True, editable=False, verbose_name=_("prize draw winners (user ids)"),
    )
    # Caches rebuilt from rows (challenge_recount).
    entry_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("entries"))
    vote_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("votes"))
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))

    class Meta:
        db_table = "community_challenge"  # the table predates the app split
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["state", "-opens_at"], name="challenge_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lte=models.F("entries_close_at"))
                & Q(entries_close_at__lte=models.F("voting_close_at"))
                & Q(voting_close_at__lte=models.F("closes_at")),
                name="challenge_schedule_ordered",
            ),
        ]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")

    def __str__(self):
        return self.title

    @property
    def title(self):
        return localized(self, "title")

    @property
    def brief(self):
        return localized(self, "brief")

    @property
    def rules(self):
        return localized(self, "rules")

    @property
    def prize_description(self):
        return localized(self, "prize_description")

    @property
    def is_public(self):
        return self.state != self.State.DRAFT

    @property
    def accepts_entries(self):
        return self.state == self.State.OPEN and self.kind != self.Kind.POLL  # a poll's options are the brand's

    @property
    def accepts_votes(self):
        return self.state == self.State.VOTING or (self.state == self.State.OPEN and self.allow_overlap)

    @property
    def next_deadline(self):
        return {
            self.State.SCHEDULED: self.opens_at,
            self.State.OPEN: self.entries_close_at,
            self.State.VOTING: self.voting_close_at,
            self.State.JUDGING: self.closes_at,
        }.get(self.state)


class ChallengeEvent(models.Model):
    """Append-only record of every state change and brand action on a challenge."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="events", verbose_name=_("challenge"),
    )
    action = models.CharField(max_length=60, verbose_name=_("action"))  # e.g. community.challenge.opened
    old_state = models.CharField(max_length=10, blank=True, verbose_name=_("old state"))
    new_state = models.CharField(max_length=10, blank=True, verbose_name=_("new state"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("by"),
    )
    data = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        db_table = "community_challengeevent"  # the table predates the app split
        ordering = ["id"]
        verbose_name = _("challenge event")
        verbose_name_plural = _("challenge history")


class ChallengeViewDay(models.Model):
    """Views of one challenge's page on one site day (Asia/Shanghai), one per visitor: counted in
    the cache at request time and added here by ``pageviews.challenge_views_flush`` (the
    dashboard's rollup run), so the page never waits on a database write."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["challenge", "day"], name="challenge_view_day_unique")]
        indexes = [models.Index(fields=["day"], name="challenge_view_day_idx")]
        verbose_name = _("challenge page views")
        verbose_name_plural = _("challenge page views")


class ChallengeParticipant(models.Model):
    """One row per (challenge, user): the lock that makes the per-user entry and vote limits
    hold under concurrency (vote and entry services take it with select_for_update)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "community_challengeparticipant"  # the table predates the app split
        constraints = [models.UniqueConstraint(fields=["challenge", "user"], name="challenge_participant_unique")]
        verbose_name = _("challenge participant")
        verbose_name_plural = _("challenge participants")


class Entry(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        REMOVED = "removed", _("Removed")

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="entries", verbose_name=_("challenge"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="challenge_entries", verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=5000)
    language = models.CharField(_("language"), max_length=5, default="zh")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(_("status reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    # Caches: vote_count from valid EntryVote rows; quality from moderation's QualityScore;
    # fair_score (the default order) from votes and age, refreshed on votes and by the beat task.
    vote_count = models.PositiveIntegerField(_("valid votes"), default=0)
    quality_score = models.PositiveSmallIntegerField(_("quality"), null=True, blank=True)
    fair_score = models.FloatField(default=0.0, verbose_name=_("fair order score"))
    # When the vote count last moved (a vote, a withdrawal, an invalidation): brand insights find
    # the challenges to refresh by it, where a mark row per vote used to cost a statement and a commit.
    voted_at = models.DateTimeField(_("last vote at"), null=True, blank=True, editable=False)
    is_winner = models.BooleanField(_("winner"), default=False)
    won_at = models.DateTimeField(null=True, blank=True, verbose_name=_("won at"))
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    adopted_note = models.CharField(_("what the brand will do"), max_length=300, blank=True)

    class Meta:
        db_table = "community_entry"  # the table predates the app split
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["challenge", "status", "-fair_score", "-id"], name="entry_fair_idx"),
            models.Index(fields=["challenge", "status", "-vote_count", "-id"], name="entry_votes_idx"),
            models.Index(fields=["challenge", "status", "-created_at", "-id"], name="entry_newest_idx"),
            models.Index(fields=["author", "-created_at"], name="entry_author_idx"),
        ]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")

    def __str__(self):
        return f"#{self.pk} {self.text[:40]}"

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED


class EntryImage(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="entries/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "community_entryimage"  # the table predates the app split
        ordering = ["position", "id"]
        verbose_name = _("entry image")
        verbose_name_plural = _("entry images")


class EntryVote(models.Model):
    """One vote. Withdrawing deletes the row while voting is open; integrity checks
    invalidate it instead (kept, excluded from counts, its points reversed)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="votes")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entry_votes")
    valid = models.BooleanField(default=True)
    invalid_reason = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "community_entryvote"  # the table predates the app split
        constraints = [models.UniqueConstraint(fields=["entry", "user"], name="entry_vote_one_per_user")]
        indexes = [models.Index(fields=["challenge", "user"], name="entry_vote_user_idx")]
        verbose_name = _("entry vote")
        verbose_name_plural = _("entry votes")


class EntryComment(models.Model):
    Status = Entry.Status

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entry_comments")
    text = models.TextField(_("comment"), max_length=1000)
    status = models.CharField(max_length=10, choices=Entry.Status.choices, default=Entry.Status.PENDING)
    status_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "community_entrycomment"  # the table predates the app split
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["entry", "status", "created_at"], name="entry_comment_idx")]
        verbose_name = _("entry comment")
        verbose_name_plural = _("entry comments")


class PollOption(models.Model):
    """One option of a poll challenge (kind ``poll``), with its own image. Brand staff add them
    in the admin; shoppers vote on them through ``community.cocreation.polls``."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="poll_options", verbose_name=_("challenge")
    )
    label_zh = models.CharField(_("label (Chinese)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=160, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), max_length=1000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=1000, blank=True)
    # The dimensions are filled by the ImageField from the cleaned file, so the page can give
    # every <img> its width and height (no layout shift) without opening the files.
    image = models.ImageField(
        _("image"), upload_to="polls/%Y/%m/", blank=True, width_field="image_width", height_field="image_height"
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False, verbose_name=_("image width"))
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False, verbose_name=_("image height"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Cache of valid PollVote rows (polls.poll_recount rebuilds it).
    vote_count = models.PositiveIntegerField(_("valid votes"), default=0, editable=False)

    class Meta:
        db_table = "community_polloption"  # the table predates the app split
        ordering = ["position", "id"]
        verbose_name = _("poll option")
        verbose_name_plural = _("poll options")

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized(self, "label")

    @property
    def description(self):
        return localized(self, "description")


class PollVote(models.Model):
    """One vote on a poll option; same life as EntryVote: withdrawing deletes the row while
    voting is open, integrity checks invalidate it (kept, excluded from counts, points reversed)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="poll_votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_votes")
    valid = models.BooleanField(default=True)
    invalid_reason = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "community_pollvote"  # the table predates the app split
        constraints = [models.UniqueConstraint(fields=["option", "user"], name="poll_vote_one_per_user")]
        indexes = [models.Index(fields=["challenge", "user"], name="poll_vote_user_idx")]
        verbose_name = _("poll vote")
        verbose_name_plural = _("poll votes")
