"""Reads for challenge pages and the API; every list costs a fixed number of queries."""
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from community.cocreation.models import (
    Challenge,
    Entry,
    EntryComment,
    EntryImage,
    EntryVote,
    PollOption,
    PollVote,
)
from community.models import Review, User
from community.privacy import selectors as privacy_selectors

ENTRY_SORTS = (
    ("fair", _("Rising")),
    ("votes", _("Most votes")),
    ("newest", _("Newest")),
    ("quality", _("Best written")),
)
ENTRY_ORDER = {
    "fair": ("-fair_score", "-id"),
    "votes": ("-vote_count", "-id"),
    "newest": ("-created_at", "-id"),
    "quality": ("-quality_score", "-id"),
}
LIST_STATES = (Challenge.State.OPEN, Challenge.State.VOTING, Challenge.State.JUDGING, Challenge.State.CLOSED)


def challenge_list(*, state=None, brand=None, kind=None):
    qs = Challenge.objects.select_related("brand").exclude(state=Challenge.State.DRAFT)
    if state:
        qs = qs.filter(state=state)
    if brand:
        qs = qs.filter(brand__slug=brand)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-opens_at", "-id")


def challenge_get(challenge_id, *, viewer=None):
    """A published challenge or None. With a ``viewer``, also a draft the viewer may preview:
    one of their brand's, when they are its staff (any draft for a superuser)."""
    visible = ~Q(state=Challenge.State.DRAFT)
    if viewer is not None and viewer.is_authenticated and viewer.is_staff:
        visible = Q() if viewer.is_superuser else visible | Q(brand__memberships__user=viewer)
    return Challenge.objects.select_related("brand").filter(visible, pk=challenge_id).first()


def entry_list(*, challenge, sort="fair", viewer=None):
    """Published entries, plus the viewer's own pending ones, in the chosen order."""
    visible = Q(status=Entry.Status.PUBLISHED)
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(author=viewer, status=Entry.Status.PENDING)
    return (
        Entry.objects.filter(visible, challenge=challenge)
        .select_related("author")
        .prefetch_related(Prefetch("images", queryset=EntryImage.objects.order_by("position", "id")))
        .order_by(*ENTRY_ORDER.get(sort, ENTRY_ORDER["fair"]))
    )


def entry_get_for_user(entry_id, viewer=None):
    entry = Entry.objects.select_related("challenge__brand", "author").filter(pk=entry_id).first()
    if entry is None or entry.challenge.state == Challenge.State.DRAFT:
        return None
    if entry.is_public or (viewer is not None and viewer.is_authenticated and entry.author_id == viewer.pk):
        return entry
    return None


def entry_comments(entry, viewer=None):
    visible = Q(status=Entry.Status.PUBLISHED)
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(author=viewer, status=Entry.Status.PENDING)
    return EntryComment.objects.filter(visible, entry=entry).select_related("author").order_by("created_at", "id")


def voted_entry_ids(*, viewer, challenge) -> set:
    if viewer is None or not viewer.is_authenticated:
        return set()
    return set(EntryVote.objects.filter(challenge=challenge, user=viewer).values_list("entry_id", flat=True))


def votes_used(*, viewer, challenge) -> int:
    if viewer is None or not viewer.is_authenticated:
        return 0
    return EntryVote.objects.filter(challenge=challenge, user=viewer).count()


def entries_of_user(user):
    return Entry.objects.filter(author=user).select_related("challenge").order_by("-created_at", "-id")


def votes_of_user(user):
    return EntryVote.objects.filter(user=user).select_related("entry__challenge", "entry__author").order_by("-created_at", "-id")


def adopted_entries(*, author=None, challenge=None, brand=None):
    qs = Entry.objects.filter(adopted_at__isnull=False, status=Entry.Status.PUBLISHED).select_related("challenge__brand", "author")
    if author is not None:
        qs = qs.filter(author=author)
    if challenge is not None:
        qs = qs.filter(challenge=challenge)
    if brand is not None:
        qs = qs.filter(challenge__brand=brand)
    return qs.order_by("-adopted_at", "-id")


def winners(challenge):
    return Entry.objects.filter(challenge=challenge, is_winner=True).select_related("author").order_by("-vote_count", "id")


def draw_winner_users(challenge):
    """The prize draw's winners, in the order drawn (one query; none before the reveal)."""
    if not challenge.draw_revealed_at or not challenge.draw_winner_ids:
        return []
    users = User.objects.in_bulk(challenge.draw_winner_ids)
    return [users[pk] for pk in challenge.draw_winner_ids if pk in users]


def challenge_list_open(*, limit=4):
    """Challenges taking entries or votes, soonest-closing first, for the home page (one query)."""
    return (
        Challenge.objects.select_related("brand")
        .filter(state__in=[Challenge.State.OPEN, Challenge.State.VOTING])
        .order_by("opens_at", "id")[:limit]
    )


# --- polls ----------------------------------------------------------------------------------


def poll_percent(votes, total) -> int:
    """A whole-number share (half rounds up), 0 when nobody has voted."""
    return (200 * votes + total) // (2 * total) if total else 0


def poll_voted_option_ids(*, viewer, challenge) -> set:
    """The options the viewer voted for (invalidated votes included: they still use a slot)."""
    if viewer is None or not viewer.is_authenticated:
        return set()
    return set(PollVote.objects.filter(challenge=challenge, user=viewer).values_list("option_id", flat=True))


def poll_options(*, challenge, viewer=None) -> list:
    """Every option of a poll in the brand's order, each with ``percent`` (share of valid
    votes), ``voted`` (by the viewer) and ``is_leader`` (most votes, once anyone voted).
    Two queries whatever the number of options (one when signed out)."""
    options = list(PollOption.objects.filter(challenge=challenge).order_by("position", "id"))
    voted = poll_voted_option_ids(viewer=viewer, challenge=challenge)
    total = sum(o.vote_count for o in options)
    top = max((o.vote_count for o in options), default=0)
    for option in options:
        option.percent = poll_percent(option.vote_count, total)
        option.voted = option.pk in voted
        option.is_leader = top > 0 and option.vote_count == top
    return options


def poll_total_votes(challenge_id) -> int:
    return PollOption.objects.filter(challenge_id=challenge_id).aggregate(n=Sum("vote_count"))["n"] or 0


def poll_shows_results(challenge) -> bool:
    """Voting is over: the page titles the poll "Results" and marks the leading option."""
    return challenge.state in (Challenge.State.JUDGING, Challenge.State.CLOSED)


# --- public profiles (reviews, adopted ideas and wins) ----------------------------------------

PUBLIC_PROFILE_REVIEWS = 10


def user_public_profile(user_id, *, viewer=None):
    """What ``viewer`` may see of a member, or None for an unknown or inactive account.

    ``is_public``: the member consented to a public profile (``privacy.public_profile_allowed``);
    ``full``: the viewer sees the full profile (always the member themself and staff). When not
    full, only the member comes back: one query, and the page shows the private state.

    Only published content, and only in challenges that are not drafts. Three queries
    whatever the member has written: the user with both counts and the consent as subqueries,
    their latest published reviews (product joined), and their adopted and winning entries
    (challenge and brand joined). Level and badges come from gamification's cached reads in the view.
    """

    def _count(qs):
        counted = qs.filter(author=OuterRef("pk")).order_by().values("author").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    public_entries = Entry.objects.filter(status=Entry.Status.PUBLISHED).exclude(
        challenge__state=Challenge.State.DRAFT
    )
    member = (
        User.objects.filter(pk=user_id, is_active=True)
        .annotate(
            review_count=_count(Review.objects.filter(status=Review.Status.PUBLISHED)),
            entry_count=_count(public_entries),
            public_profile_granted=privacy_selectors.public_profile_granted_expr(),
        )
        .first()
    )
    if member is None:
        return None
    is_public = privacy_selectors.public_profile_allowed(member)
    if not privacy_selectors.public_profile_full_for(member=member, viewer=viewer):
        return {"member": member, "is_public": False, "full": False}
    reviews = list(
        Review.objects.filter(author=member, status=Review.Status.PUBLISHED)
        .select_related("product")
        .order_by("-created_at", "-id")[:PUBLIC_PROFILE_REVIEWS]
    )
    notable = list(
        public_entries.filter(author=member)
        .filter(Q(adopted_at__isnull=False) | Q(is_winner=True))
        .select_related("challenge__brand")
        .order_by("-created_at", "-id")
    )
    adopted = sorted((e for e in notable if e.adopted_at), key=lambda e: (e.adopted_at, e.pk), reverse=True)
    # An adopted idea that also won carries its 🏆 in the adopted list, so it is not listed twice.
    winners = [e for e in notable if e.is_winner and not e.adopted_at]
    return {
        "member": member,
        "is_public": is_public,
        "full": True,
        "review_count": member.review_count,
        "entry_count": member.entry_count,
        "reviews": reviews,
        "adopted": adopted,
        "winners": winners,
    }
