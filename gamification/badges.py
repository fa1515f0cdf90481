"""Badge criteria registered in code, and the services that grant badges.

A criterion measures one number per user (reviews with photos, helpful votes
received, ...) and compares it with a threshold taken from the badge's
parameters. Every criterion can measure a few users (after an event) or every
user at once (the nightly backfill) with one GROUP BY query, so the backfill
costs a query per badge, not a query per user.

Adding a criterion: write a ``measure(user_ids, params) -> {user_id: value}``
function, decorate it with ``@criterion(...)`` naming its parameters and the
events that can change it; the admin offers it at once. See docs/gamification.md.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from community.cocreation.models import Entry
from community.models import HelpfulVote, Review
from community.services import notification_send, notification_send_many
from core import localcache
from core.errors import ServiceError
from gamification.models import Badge, UserBadge

log = logging.getLogger(__name__)

# Events that can satisfy criteria (the receivers name them when they enqueue a check).
EVENT_REVIEW_PUBLISHED = "review.published"
EVENT_VOTE_RECEIVED = "review.voted"
EVENT_POINTS = "points.awarded"  # any ledger row: challenge wins, adopted ideas, streak milestones
EVENT_QUALITY = "quality.scored"


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    default: int
    minimum: int = 0
    maximum: int = 1_000_000


@dataclass(frozen=True)
class Criterion:
    code: str
    label: object
    measure: object  # (user_ids | None, params) -> {user_id: int}
    threshold_param: str | None
    params: tuple = field(default_factory=tuple)
    events: frozenset = field(default_factory=frozenset)

    def clean_params(self, raw):
        """Validated parameters with defaults filled in; raises ServiceError naming the bad one."""
        raw = raw or {}
        if not isinstance(raw, dict):
            raise ServiceError(_("Parameters must be a JSON object."), code="params_invalid", fields={"params": [_("Parameters must be a JSON object.")]})
        known = {p.name for p in self.params}
        unknown = sorted(set(raw) - known)
        if unknown:
            msg = _("Unknown parameters: %(names)s.") % {"names": ", ".join(unknown)}
            raise ServiceError(msg, code="params_invalid", fields={"params": [msg]})
        clean = {}
        for p in self.params:
            value = raw.get(p.name, p.default)
            if isinstance(value, bool) or not isinstance(value, int) or not p.minimum <= value <= p.maximum:
                msg = _("%(name)s must be a whole number from %(min)d to %(max)d.") % {
                    "name": p.name, "min": p.minimum, "max": p.maximum,
                }
                raise ServiceError(msg, code="params_invalid", fields={"params": [msg]})
            clean[p.name] = value
        return clean

    def threshold(self, params):
        return self.clean_params(params)[self.threshold_param] if self.threshold_param else 1

    def qualifying(self, user_ids, params):
        """The ids among ``user_ids`` (None: everyone) who meet the criterion."""
        params = self.clean_params(params)
        threshold = params[self.threshold_param] if self.threshold_param else 1
        values = self.measure(None if user_ids is None else list(user_ids), params)
        return {uid for uid, value in values.items() if value >= threshold}


REGISTRY: dict[str, Criterion] = {}


def criterion(code, label, *, params=(), threshold=None, events=()):
    def register(measure):
        REGISTRY[code] = Criterion(
            code=code, label=label, measure=measure, threshold_param=threshold,
            params=tuple(params), events=frozenset(events),
        )
        return measure

    return register


def criterion_choices():
    return [(code, c.label) for code, c in sorted(REGISTRY.items())]


def criterion_get(code) -> Criterion:
    try:
        return REGISTRY[code]
    except KeyError:
        msg = _("Unknown criterion: %(code)s.") % {"code": code}
        raise ServiceError(msg, code="criterion_unknown", fields={"criterion": [msg]}) from None


# --- measurements -------------------------------------------------------------------------------


def _grouped(qs, user_field, user_ids, *, distinct_field="id"):
    if user_ids is not None:
        qs = qs.filter(**{f"{user_field}__in": user_ids})
    rows = qs.order_by().values(user_field).annotate(n=Count(distinct_field, distinct=distinct_field != "id"))
    return {row[user_field]: row["n"] for row in rows}


def _published_reviews():
    return Review.objects.filter(status=Review.Status.PUBLISHED)


@criterion(
    "reviews_published",
    gettext_lazy("Published reviews ≥ N"),
    params=[Param("n", "N", 1, 1)],
    threshold="n",
    events=[EVENT_REVIEW_PUBLISHED],
)
def measure_reviews_published(user_ids, params):
    return _grouped(_published_reviews(), "author_id", user_ids)


@criterion(
    "reviews_with_photos",
    gettext_lazy("Published reviews with photos ≥ N"),
    params=[Param("n", "N", 5, 1)],
    threshold="n",
    events=[EVENT_REVIEW_PUBLISHED],
)
def measure_reviews_with_photos(user_ids, params):
    return _grouped(_published_reviews().filter(has_photos=True), "author_id", user_ids)


@criterion(
    "helpful_votes_received",
    gettext_lazy("Helpful votes received ≥ N"),
    params=[Param("n", "N", 10, 1)],
    threshold="n",
    events=[EVENT_VOTE_RECEIVED],
)
def measure_helpful_votes_received(user_ids, params):
    qs = HelpfulVote.objects.filter(helpful=True, review__status=Review.Status.PUBLISHED)
    return _grouped(qs, "review__author_id", user_ids)


def _ledger_action_counts(action, user_ids):
    """How many standing (not reversed) ledger rows with this action code each user has.

    Challenges and adopted ideas write these rows when they exist, so the
    criteria below start working the day those features emit them."""
    from gamification import ledger_reads

    return ledger_reads.action_counts(action, user_ids)


@criterion(
    "challenge_winner",
    gettext_lazy("Challenge wins ≥ N"),
    params=[Param("n", "N", 1, 1)],
    threshold="n",
    events=[EVENT_POINTS],
)
def measure_challenge_winner(user_ids, params):
    return _ledger_action_counts("community.challenge.won", user_ids)


@criterion(
    "idea_adopted",
    gettext_lazy("Ideas adopted by a brand ≥ N"),
    params=[Param("n", "N", 1, 1)],
    threshold="n",
    events=[EVENT_POINTS],
)
def measure_idea_adopted(user_ids, params):
    return _ledger_action_counts("community.idea.adopted", user_ids)


@criterion(
    "streak_days",
    gettext_lazy("Streak ≥ N days"),
    params=[Param("n", "N", 7, 1, 3650)],
    threshold="n",
    events=[EVENT_POINTS, EVENT_REVIEW_PUBLISHED],
)
def measure_streak_days(user_ids, params):
    from gamification import ledger_reads

    # Badges are never taken back, so checking the current streak at every contribution
    # (and nightly) catches the day it reaches N.
    return ledger_reads.current_streaks(user_ids)


@criterion(
    "quality_author",
    gettext_lazy("Quality author: N items with quality ≥ Q"),
    params=[Param("n", "N", 10, 1), Param("q", "Q", 80, 0, 100)],
    threshold="n",
    events=[EVENT_QUALITY, EVENT_REVIEW_PUBLISHED],
)
def measure_quality_author(user_ids, params):
    """Published reviews and entries whose quality score is at least Q, per author. The
    scores are moderation's, cached on community's rows; two grouped queries."""
    q, ids = params["q"], list(user_ids)
    counts = {}
    for model in (Review, Entry):
        rows = (model.objects.filter(author_id__in=ids, status="published", quality_score__gte=q)
                .values("author_id").annotate(n=Count("id")).values_list("author_id", "n"))
        for author_id, n in rows:
            counts[author_id] = counts.get(author_id, 0) + n
    return counts


# --- granting -----------------------------------------------------------------------------------


BADGE_EARNED_TITLE = gettext_noop("You earned the badge “%(name)s”")


def _badge_notification(badge):
    # Both names go in (zh first, the site default): the title is translated when shown.
    names = badge.name_zh if not badge.name_en else f"{badge.name_zh} / {badge.name_en}"
    return {"kind": "gamification.badge.earned", "title": BADGE_EARNED_TITLE, "title_params": {"name": names},
            "body": badge.description or "", "url": f"/badges/{badge.slug}/"}


def _notify(user_id, badge, *, email=True):
    notification_send(user_id=user_id, email=email, **_badge_notification(badge))


@transaction.atomic
def badge_get(slug) -> Badge | None:
    """The active badge with this slug (e.g. a challenge's winner badge), or None."""
    return Badge.objects.filter(slug=slug, is_active=True).first()


def badge_grant(*, user_id: int, badge: Badge, notify=True, email=True) -> UserBadge | None:
    """Give ``badge`` to the user; returns the new row, or None when they already hold it."""
    if UserBadge.objects.filter(user_id=user_id, badge=badge).exists():
        return None
    try:
        with transaction.atomic():
            held = UserBadge.objects.create(user_id=user_id, badge=badge)
    except IntegrityError:  # a concurrent grant won the race: the unique row already exists
        return None
    transaction.on_commit(lambda: badges_cache_forget([user_id]))
    if notify:
        _notify(user_id, badge, email=email)
    return held


def badges_check_user(*, user_id: int, event: str | None = None) -> list[UserBadge]:
    """Grant every active badge the user now meets (only criteria ``event`` can change)."""
    held = set(UserBadge.objects.filter(user_id=user_id).values_list("badge_id", flat=True))
    granted = []
    for badge in Badge.objects.filter(is_active=True).exclude(pk__in=held):
        crit = REGISTRY.get(badge.criterion)
        if crit is None or (event is not None and event not in crit.events):
            continue
        try:
            ok = user_id in crit.qualifying([user_id], badge.params)
        except ServiceError:
            log.warning("badge %s has invalid parameters; skipped", badge.slug)
            continue
        if ok:
            row = badge_grant(user_id=user_id, badge=badge)
            if row is not None:
                granted.append(row)
    return granted


def badges_backfill(*, badge_ids=None, notify=True, batch_size=2000) -> dict[str, int]:
    """Grant every active badge to everyone who meets it; returns {badge slug: new holders}.

    One measuring query per badge; new rows go in with bulk inserts that ignore
    rows a concurrent grant already wrote, so it is safe to run at any time.
    Notifications are on-site only here, so a new badge does not mass-mail everyone.
    """
    badges = Badge.objects.filter(is_active=True)
    if badge_ids is not None:
        badges = badges.filter(pk__in=badge_ids)
    result = {}
    for badge in badges:
        crit = REGISTRY.get(badge.criterion)
        if crit is None:
            continue
        try:
            qualifying = crit.qualifying(None, badge.params)
        except ServiceError:
            log.warning("badge %s has invalid parameters; skipped", badge.slug)
            continue
        held = set(UserBadge.objects.filter(badge=badge).values_list("user_id", flat=True))
        new = sorted(qualifying - held)
        created = 0
        for start in range(0, len(new), batch_size):
            chunk = new[start : start + batch_size]
            with transaction.atomic():
                now = timezone.now()
                UserBadge.objects.bulk_create(
                    [UserBadge(user_id=uid, badge=badge, awarded_at=now) for uid in chunk], ignore_conflicts=True
                )
                # Only the rows this run wrote (not a concurrent grant's) are notified.
                mine = list(
                    UserBadge.objects.filter(badge=badge, user_id__in=chunk, awarded_at=now).values_list(
                        "user_id", flat=True
                    )
                )
                if notify:  # one bulk insert per chunk (a backfill can reach every member)
                    notification_send_many(user_ids=mine, **_badge_notification(badge))
                created += len(mine)
                transaction.on_commit(lambda mine=mine: badges_cache_forget(mine))
        result[badge.slug] = created
    return result


def badge_criterion_validate(*, criterion_code: str, params) -> dict:
    """The admin's check: a registered criterion and parameters it accepts."""
    return criterion_get(criterion_code).clean_params(params)


# --- reads for pages -------------------------------------------------------------------------------


BADGES_CACHE_TTL = 600
_VERSION_KEY = "gamification:badges:version"


def _badges_version():
    from django.core.cache import cache

    return cache.get_or_set(_VERSION_KEY, 1, None)


def _badges_cache_keys(ids, *, version=None):
    # The version moves only when a badge itself is edited: readers take this process's copy,
    # kept for a few seconds (core.localcache), so a page's badge lists cost one round trip, not two.
    if version is None:
        version = localcache.remember(_VERSION_KEY, _badges_version)
    return {f"gamification:user-badges:{version}:{i}": i for i in ids}


def badges_cache_forget(user_ids=None):
    """Drop cached badge lists: of some users (after a grant), or of everyone (a badge was edited)."""
    from django.core.cache import cache

    if user_ids is None:
        try:
            cache.incr(_VERSION_KEY)
        except ValueError:
            cache.set(_VERSION_KEY, 2, None)
        localcache.forget(_VERSION_KEY)  # this process at once; the others within LOCAL_CACHE_SECONDS
        return
    # Under the shared version and this process's copy of it (which may be a few seconds behind).
    keys = {**_badges_cache_keys(user_ids, version=_badges_version()), **_badges_cache_keys(user_ids)}
    cache.delete_many(list(keys))


def badges_for_users(user_ids, *, per_user=3) -> dict[int, list[Badge]]:
    """{user_id: [Badge, ...]} best tier first, for review cards and profiles.

    Reads a per-user cache first and asks the database once for all misses, so a
    page of review cards costs at most one query for its authors' badges."""
    from django.core.cache import cache

    ids = {int(i) for i in user_ids if i is not None}
    if not ids:
        return {}
    keys = _badges_cache_keys(ids)
    found = {keys[k]: v for k, v in cache.get_many(list(keys)).items()}
    missing = ids - found.keys()
    if missing:
        fetched = {i: [] for i in missing}
        rows = UserBadge.objects.filter(user_id__in=missing, badge__is_active=True).select_related("badge")
        for row in rows.order_by("user_id", "badge__position", "badge_id"):
            fetched[row.user_id].append(row.badge)
        for badges in fetched.values():
            badges.sort(key=lambda b: -b.tier_rank)  # stable: position order within a tier
        cache.set_many({k: fetched[i] for k, i in keys.items() if i in missing}, BADGES_CACHE_TTL)
        found.update(fetched)
    return {i: (b[:per_user] if per_user else list(b)) for i, b in found.items()}
