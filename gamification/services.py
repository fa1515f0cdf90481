"""Every write to the points ledger goes through a function here.

``points_award`` / ``points_spend`` / ``points_reverse`` are the only writers of
``PointsEntry``. Each takes the user's ``UserPoints`` row with ``select_for_update``
first, which serialises one user's ledger writes: that keeps the per-user hash
chain linear, the cached sums exact, daily caps race-free, and a repeated key
yields one row (the unique constraint backs this up across users).
"""
import hashlib
import logging
from datetime import timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from community import hooks
from community.cocreation.models import Entry, EntryVote, PollVote
from community.models import HelpfulVote, Review, User
from community.trials.models import TrialApplication
from core.errors import ServiceError
from gamification.badges import badge_get, badge_grant
from gamification.models import PointsEntry, UserPoints

log = logging.getLogger(__name__)


def _now():
    # One seam for tests that need a fixed clock (daily caps across midnight).
    return timezone.now()


# --- hashing --------------------------------------------------------------------------


def _iso(value):
    return value.astimezone(dt_timezone.utc).isoformat() if value else ""


def entry_content(entry) -> str:
    """The hashed content of a row: everything but the hash fields and ``vested_at``."""
    return "|".join(
        str(v)
        for v in (
            entry.user_id,
            entry.amount,
            entry.action,
            entry.source_type,
            entry.source_id if entry.source_id is not None else "",
            entry.key,
            entry.reverses_id or "",
            _iso(entry.vests_at),
            int(bool(entry.counts_toward_level)),
            _iso(entry.created_at),
        )
    )


def entry_hash(prev_hash: str, entry) -> str:
    return hashlib.sha256(f"{prev_hash}\n{entry_content(entry)}".encode()).hexdigest()


# --- the per-user lock ----------------------------------------------------------------


def user_points_lock(user_id) -> UserPoints:
    """The user's totals row, locked for this transaction (created on first use)."""
    row = UserPoints.objects.select_for_update().filter(user_id=user_id).first()
    if row is None:
        try:
            with transaction.atomic():
                UserPoints.objects.create(user_id=user_id)
        except IntegrityError:
            pass  # another transaction created it; the lock below waits for it
        row = UserPoints.objects.select_for_update().get(user_id=user_id)
    return row


def _lock_users(*user_ids) -> dict:
    """Lock several users' ledgers in id order, so two transactions never wait on each other;
    {user_id: their locked row}."""
    return {user_id: user_points_lock(user_id) for user_id in sorted(set(user_ids))}


def _source_ref(source):
    """``("community.challenge", 12)``: the top-level package, not the app label, names the
    source, so ledger rows written before challenges and trials became their own apps
    (``cocreation``, ``trials``) and after it share one name (the ledger is append-only)."""
    if source is None:
        return "", None
    meta = source._meta
    return f"{meta.app_config.name.split('.')[0]}.{meta.model_name}", source.pk


def _append(points: UserPoints, *, amount, action, source_type, source_id, key, reverses=None, vests_at=None,
            counts_toward_level=True, reason="", key_checked=False) -> PointsEntry | None:
    """Insert one chained row and bump the cached sums; ``points`` must be locked. None if the key exists.
    ``key_checked``: the caller found the key unused under the lock (the insert's own check, the
    unique constraint, still answers a race)."""
    if not key_checked and PointsEntry.objects.filter(key=key).exists():
        return None
    entry = PointsEntry(
        user_id=points.user_id,
        amount=int(amount),
        action=action,
        source_type=source_type,
        source_id=source_id,
        key=key,
        reverses=reverses,
        reason=reason[:200],
        vests_at=vests_at,
        counts_toward_level=counts_toward_level,
        prev_hash=points.last_hash,
        created_at=_now(),
    )
    entry.hash = entry_hash(entry.prev_hash, entry)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        return None  # same key written by a concurrent call (for another user row lock)
    UserPoints.objects.filter(pk=points.pk).update(
        total=F("total") + entry.amount,
        spendable=F("spendable") + (entry.amount if vests_at is None else 0),
        level_points=F("level_points") + (entry.amount if counts_toward_level else 0),
        last_hash=entry.hash,
    )
    points.last_hash = entry.hash
    points.total += entry.amount
    if vests_at is None:
        points.spendable += entry.amount
    if counts_toward_level:
        points.level_points += entry.amount
    return entry


# --- the public ledger API --------------------------------------------------------------


@transaction.atomic
def points_award(*, user_id, amount, action, source=None, key, counts_toward_level=True, vest_days=None,
                 reason="") -> PointsEntry | None:
    """Append an award row. Returns None when ``key`` was already used (nothing changes).

    ``vest_days``: the points stay pending (not spendable) for that many days; the
    vesting task settles them unless the content was reported and the report upheld.
    """
    if not key:
        raise ValueError("points_award needs an idempotency key")
    if int(amount) < 0:
        raise ValueError("points_award takes a positive amount; use points_spend or points_reverse")
    return _award(user_points_lock(user_id), amount=amount, action=action, source=source, key=key,
                  counts_toward_level=counts_toward_level, vest_days=vest_days, reason=reason)


def _award(points, *, amount, action, source, key, counts_toward_level, vest_days, reason, key_checked=False):
    """``points_award`` for a caller that holds the user's lock in its own transaction."""
    source_type, source_id = _source_ref(source)
    vests_at = _now() + timedelta(days=vest_days) if vest_days else None
    entry = _append(
        points, amount=amount, action=action, source_type=source_type, source_id=source_id, key=key,
        vests_at=vests_at, counts_toward_level=counts_toward_level, reason=reason, key_checked=key_checked,
    )
    if entry is not None and counts_toward_level and amount:
        from gamification.levels import level_refresh

        level_refresh(points)
    return entry


@transaction.atomic
def points_spend(*, user_id, amount, action, source=None, key) -> PointsEntry:
    """Append a negative row. Raises ``ServiceError(code="insufficient_points")`` when the
    spendable balance is too low. A repeated key returns the row it wrote the first time."""
    from django.utils.translation import gettext as _

    amount = int(amount)
    if amount <= 0:
        raise ValueError("points_spend takes a positive amount")
    points = user_points_lock(user_id)
    existing = PointsEntry.objects.filter(key=key).first()
    if existing is not None:
        return existing
    if points.spendable < amount:
        raise ServiceError(
            _("You need %(need)d points but have %(have)d to spend.") % {"need": amount, "have": max(points.spendable, 0)},
            code="insufficient_points",
        )
    source_type, source_id = _source_ref(source)
    entry = _append(
        points, amount=-amount, action=action, source_type=source_type, source_id=source_id, key=key,
        counts_toward_level=False,
    )
    if entry is None:  # pragma: no cover - the key check above ran under the user's lock
        raise ServiceError(_("This spend was already recorded."), code="duplicate")
    return entry


@transaction.atomic
def points_reverse(*, entry_id, reason, key=None) -> PointsEntry | None:
    """Append the row that cancels ``entry_id`` (names it in ``reverses``). Idempotent:
    None when it was already reversed, or when it is itself a reversal."""
    user_id = PointsEntry.objects.filter(pk=entry_id).values_list("user_id", flat=True).first()
    if user_id is None:
        return None
    points = user_points_lock(user_id)
    return _reverse(points, PointsEntry.objects.get(pk=entry_id), reason=reason, key=key)


def _reverse(points, original, *, reason, key=None):
    """``points_reverse`` for a caller that holds the lock of ``original``'s user (``points``) and
    read ``original`` under it."""
    if original.reverses_id is not None or original.reversals.exists():
        return None
    # A pending original is cancelled by a row that is pending too and never vests, so
    # "pending" nets to zero; a settled original is cancelled in the spendable balance at once.
    vests_at = original.vests_at if not original.is_settled else None
    entry = _append(
        points, amount=-original.amount, action=original.action, source_type=original.source_type,
        source_id=original.source_id, key=key or f"reverse:{original.pk}", reverses=original, vests_at=vests_at,
        counts_toward_level=original.counts_toward_level, reason=reason,
        key_checked=key is None,  # reverse:<id> is written only here, with the reversal checked above
    )
    if entry is not None and original.counts_toward_level and original.amount:
        from gamification.levels import level_refresh

        level_refresh(points)
    return entry


def points_reverse_for_source(*, user_id, source_type, source_id, reason, actions=None) -> list[PointsEntry]:
    """Reverse every not-yet-reversed award of ``user_id`` that came from one source object."""
    qs = PointsEntry.objects.filter(
        user_id=user_id, source_type=source_type, source_id=source_id, reverses__isnull=True, reversals__isnull=True,
        amount__gt=0,
    )
    if actions is not None:
        qs = qs.filter(action__in=actions)
    out = []
    for entry_id in qs.values_list("pk", flat=True):
        row = points_reverse(entry_id=entry_id, reason=reason)
        if row is not None:
            out.append(row)
    return out


@transaction.atomic
def points_vest_user(*, user_id, now=None) -> int:
    """Settle the user's due pending rows; content with an upheld report is reversed instead.

    Returns the number of points that became spendable."""
    now = now or _now()
    points = user_points_lock(user_id)
    due = list(
        PointsEntry.objects.filter(
            user_id=user_id, vested_at__isnull=True, vests_at__lte=now, reverses__isnull=True, reversals__isnull=True
        ).order_by("id")
    )
    settled = 0
    for entry in due:
        if _has_upheld_report(entry.source_type, entry.source_id):
            points_reverse(entry_id=entry.pk, reason="moderation.report.upheld")
            continue
        if PointsEntry.objects.filter(pk=entry.pk, vested_at__isnull=True).update(vested_at=now):
            settled += entry.amount
    if settled:
        UserPoints.objects.filter(pk=points.pk).update(spendable=F("spendable") + settled)
    return settled


def points_vest_due(*, now=None, limit=5000) -> int:
    """Vest every due row (the beat task). Returns the number of users processed."""
    now = now or _now()
    user_ids = list(
        PointsEntry.objects.filter(vested_at__isnull=True, vests_at__lte=now, reverses__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")[:limit]
    )
    for user_id in user_ids:
        points_vest_user(user_id=user_id, now=now)
    return len(user_ids)


def _has_upheld_report(source_type, source_id) -> bool:
    if not source_type or source_id is None:
        return False
    return hooks.content_report_upheld(source_type.split(".", 1)[-1], source_id)


def vest_days_default() -> int:
    return int(getattr(settings, "GAMIFICATION_VEST_DAYS", 3))


# --- rules: caps, quality scaling, vesting ------------------------------------------------

QUALITY_MULTIPLIERS = {"low": 0.5, "ok": 1.0, "good": 1.5, "great": 2.0}


def quality_band(source) -> str:
    """The quality band of a content item ("ok" when it has no score yet or scoring is unavailable)."""
    if source is None:
        return "ok"
    try:
        value = hooks.content_quality_band(source._meta.model_name, source.pk)
    except Exception:  # a scoring failure must never cost the author their points
        log.exception("quality_band failed for %s#%s", source._meta.model_name, source.pk)
        return "ok"
    return value if value in QUALITY_MULTIPLIERS else "ok"


def user_day_bounds(user_id, now=None, tz_name=None):
    """Start and end (aware datetimes) of the user's day at ``now`` in their own time zone, and its date."""
    import zoneinfo


    name = tz_name or User.objects.filter(pk=user_id).values_list("timezone", flat=True).first() or settings.TIME_ZONE
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = (now or _now()).astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    # Add a calendar day in local terms (DST-safe): normalise through the zone.
    end = (start + timedelta(days=1, hours=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, end, local.date()


def _next_key(base_key):
    """``base_key`` if unused; ``base#n`` after every earlier award under it was reversed (re-publication
    after removal is a new award); None while an award under it stands."""
    used = list(
        PointsEntry.objects.filter(key__startswith=base_key, reverses__isnull=True)
        .filter(Q(key=base_key) | Q(key__startswith=f"{base_key}#"))
        .values_list("key", "reversals__id")
    )
    if not used:
        return base_key
    if any(rev is None for _k, rev in used):
        return None
    return f"{base_key}#{len(used)}"


@transaction.atomic
def points_award_for_action(*, user_id, action, source=None, key, reason="", amount=None,
                            quality_source=None) -> PointsEntry | None:
    """Award what the operator's ``Rule`` for ``action`` says: points, scaled by quality, within the daily
    caps in the user's time zone, pending for the vesting period when the rule vests.

    ``amount`` replaces the rule's points where the source sets its own (a challenge's
    participation, winner and adoption points); the rule still decides whether it is active,
    the caps, the quality scaling (by ``quality_source``, else ``source``) and vesting.

    Idempotent on ``key``; a key whose award was reversed may award again (``key#n``).
    Returns None when nothing was awarded (no active rule, cap reached, key already awarded).
    """
    return _award_for_action(None, user_id=user_id, action=action, source=source, key=key, reason=reason,
                             amount=amount, quality_source=quality_source)


def _award_for_action(points, *, user_id, action, source=None, key, reason="", amount=None, quality_source=None):
    """``points_award_for_action`` inside the caller's transaction: ``points`` is the user's row when
    the caller holds its lock already (the vote settlements), else None (locked here, once the rule
    says there is something to award)."""
    from gamification.models import Rule

    rule = Rule.objects.filter(action=action, is_active=True).first()
    if rule is None or (rule.points <= 0 and amount is None):
        return None
    if points is None:
        points = user_points_lock(user_id)  # caps are checked under the user's lock: no race past a cap
    key = _next_key(key)
    if key is None:
        return None
    amount = rule.points if amount is None else int(amount)
    if amount <= 0:
        return None
    if rule.quality_scaled:
        amount = max(1, round(amount * QUALITY_MULTIPLIERS[quality_band(quality_source or source)]))
    if rule.daily_cap_count is not None or rule.daily_cap_points is not None:
        start, end, _day = user_day_bounds(user_id)
        today = PointsEntry.objects.filter(
            user_id=user_id, action=action, created_at__gte=start, created_at__lt=end, reverses__isnull=True, amount__gt=0
        )
        if rule.daily_cap_count is not None and today.count() >= rule.daily_cap_count:
            return None
        if rule.daily_cap_points is not None:
            used = today.aggregate(s=Sum("amount"))["s"] or 0
            amount = min(amount, rule.daily_cap_points - used)
    if amount <= 0:
        return None
    return _award(points, amount=amount, action=action, source=source, key=key,
                  counts_toward_level=rule.counts_toward_level, vest_days=vest_days_default() if rule.vests else None,
                  reason=reason, key_checked=True)  # _next_key found it unused under the lock


# --- reactions to community's domain signals (called from tasks) -----------------------------

REVIEW_SOURCE = "community.review"


def review_points_settle(*, review_id) -> list[PointsEntry]:
    """Award a published review's points (rating, plus content when it has text or photos), and record
    the contribution day for streaks. Re-reads the review; safe to run twice."""
    from gamification.models import ActivityDay
    from gamification.streaks import activity_record

    review = Review.objects.filter(pk=review_id).first()
    if review is None or review.status != Review.Status.PUBLISHED:
        return []
    out = []
    with transaction.atomic():
        entry = points_award_for_action(
            user_id=review.author_id, action="community.review.rated", source=review, key=f"review.rated:{review.pk}"
        )
        out.append(entry)
        if review.has_content:
            out.append(
                points_award_for_action(
                    user_id=review.author_id, action="community.review.content", source=review,
                    key=f"review.content:{review.pk}",
                )
            )
        _s, _e, day = user_day_bounds(review.author_id, review.published_at or _now())
        activity_record(user_id=review.author_id, kind=ActivityDay.Kind.CONTRIBUTION, day=day)
    return [e for e in out if e is not None]


def review_points_revoke(*, review_id) -> list[PointsEntry]:
    """Reverse what the author earned from a review that was rejected or removed (not when it is only
    pending re-screening after an edit: a later publication follows)."""
    review = Review.objects.filter(pk=review_id).values("author_id", "status").first()
    if review is None or review["status"] not in (Review.Status.REJECTED, Review.Status.REMOVED):
        return []
    return points_reverse_for_source(
        user_id=review["author_id"], source_type=REVIEW_SOURCE, source_id=review_id,
        reason=f"community.review.{review['status']}",
    )


def helpful_vote_points_settle(*, review_id, voter_id) -> dict:
    """Bring the points for one vote in line with the vote as it stands now.

    The author earns for a helpful vote on a published review; the voter earns a tiny,
    capped amount for voting at all. A withdrawn or flipped vote reverses what no longer holds.
    """
    review = Review.objects.filter(pk=review_id).only("pk", "author_id", "status").first()
    if review is None:
        return {}
    author_key, voter_key = f"vote.helpful:{review_id}:{voter_id}", f"vote.cast:{review_id}:{voter_id}"
    result = {}
    with transaction.atomic():
        # Lock both ledgers (in id order) before reading the vote: a vote and its withdrawal
        # settling at once then serialise, and the later one sees the earlier one's award.
        locked = _lock_users(review.author_id, voter_id)
        row = HelpfulVote.objects.filter(review_id=review_id, user_id=voter_id).values_list(
            "helpful", "valid", "invalid_reason").first()
        # An invalidated vote earns nothing, like a withdrawn one; its reversal says why.
        vote = row[0] if row and row[1] else None
        withdrawn = (row[2] or "gamification.fraud") if row and not row[1] else "community.vote.withdrawn"
        if vote is True and review.status == Review.Status.PUBLISHED:
            result["author"] = _award_for_action(
                locked[review.author_id], user_id=review.author_id, action="community.review.helpful_received",
                source=review, key=author_key,
            )
        else:
            result["author"] = _reverse_key(author_key, withdrawn, locked)
        if vote is not None:
            result["voter"] = _award_for_action(
                locked[voter_id], user_id=voter_id, action="community.review.vote_cast", source=review, key=voter_key
            )
        else:
            result["voter"] = _reverse_key(voter_key, withdrawn, locked)
    return result


def _reverse_key(base_key, reason, locked=None):
    """Reverse the standing award under ``base_key`` (or its ``#n`` re-award), if any. ``locked``:
    {user_id: row} of the ledgers the caller holds locked; an award on one of them is read and
    reversed under that lock and through that row (which so stays current for the caller's next
    write), any other through ``points_reverse``."""
    standing = PointsEntry.objects.filter(Q(key=base_key) | Q(key__startswith=f"{base_key}#"), reverses__isnull=True,
                                          reversals__isnull=True)
    if not locked:
        standing_id = standing.values_list("pk", flat=True).first()
        return points_reverse(entry_id=standing_id, reason=reason) if standing_id else None
    original = standing.first()
    if original is None:
        return None
    if original.user_id not in locked:
        return points_reverse(entry_id=original.pk, reason=reason)
    return _reverse(locked[original.user_id], original, reason=reason)



# --- reactions to co-creation and trials events (called from tasks) ---------------------------
# Each re-reads the row and brings the points in line with it, so a repeated or late event
# changes nothing. Keys are the ones the challenge services used before points moved here.

ENTRY_PUBLISHED = "community.entry.published"
ENTRY_VOTE_CAST = "community.entry.vote_cast"
POLL_VOTE_CAST = "community.poll.vote_cast"
CHALLENGE_WON = "community.challenge.won"
IDEA_ADOPTED = "community.idea.adopted"
TRIAL_REPORT_ON_TIME = "community.trial.report_on_time"


def entry_points_settle(*, entry_id) -> PointsEntry | None:
    """A public entry earns its challenge's participation points (scaled by the entry's quality,
    within the rule's caps); a hidden one loses them. The challenge is the source, so the points
    count on its leaderboard."""
    author_id = Entry.objects.filter(pk=entry_id).values_list("author_id", flat=True).first()
    if author_id is None:
        return None
    key = f"{ENTRY_PUBLISHED}:{entry_id}"
    with transaction.atomic():
        points = user_points_lock(author_id)  # then read: a publication and a removal settle in order
        entry = Entry.objects.select_related("challenge").get(pk=entry_id)
        if entry.is_public:
            return _award_for_action(
                points, user_id=entry.author_id, action=ENTRY_PUBLISHED, source=entry.challenge, key=key,
                amount=entry.challenge.participation_points, quality_source=entry,
            )
        return _reverse_key(key, "community.entry.removed", {author_id: points})


def _vote_points_settle(*, action, key, read_vote, voter_id, source_of):
    """Award the voter's point for a standing valid vote; reverse it for a withdrawn or invalidated one.
    The voter's ledger is locked before the vote is read, so a vote and its withdrawal settling at
    the same time serialise and the later one sees the earlier one's award."""
    with transaction.atomic():
        points = user_points_lock(voter_id)
        vote = read_vote()
        if vote is not None and vote.valid:
            return _award_for_action(points, user_id=voter_id, action=action, source=source_of(vote), key=key)
        reason = "community.vote.withdrawn" if vote is None else (vote.invalid_reason or "gamification.fraud")
        return _reverse_key(key, reason, {voter_id: points})


def entry_vote_points_settle(*, entry_id, voter_id) -> PointsEntry | None:
    return _vote_points_settle(
        action=ENTRY_VOTE_CAST, key=f"{ENTRY_VOTE_CAST}:{entry_id}:{voter_id}", voter_id=voter_id,
        read_vote=lambda: EntryVote.objects.select_related("challenge").filter(entry_id=entry_id, user_id=voter_id).first(),
        source_of=lambda v: v.challenge)


def poll_vote_points_settle(*, option_id, voter_id) -> PointsEntry | None:
    return _vote_points_settle(
        action=POLL_VOTE_CAST, key=f"{POLL_VOTE_CAST}:{option_id}:{voter_id}", voter_id=voter_id,
        read_vote=lambda: PollVote.objects.select_related("challenge").filter(option_id=option_id, user_id=voter_id).first(),
        source_of=lambda v: v.challenge)


def entry_win_settle(*, entry_id) -> PointsEntry | None:
    """A winning entry's author earns the challenge's winner points and its winner badge."""
    entry = Entry.objects.select_related("challenge").filter(pk=entry_id, is_winner=True).first()
    if entry is None:
        return None
    challenge = entry.challenge
    with transaction.atomic():
        row = points_award_for_action(
            user_id=entry.author_id, action=CHALLENGE_WON, source=challenge, key=f"{CHALLENGE_WON}:{entry.pk}",
            amount=challenge.winner_points,
        )
        badge = badge_get(challenge.winner_badge_slug) if challenge.winner_badge_slug else None
        if badge is not None:
            badge_grant(user_id=entry.author_id, badge=badge)
    return row


def entry_adopted_settle(*, entry_id) -> PointsEntry | None:
    """An adopted idea earns its author the challenge's adoption points."""
    entry = Entry.objects.select_related("challenge").filter(pk=entry_id, adopted_at__isnull=False).first()
    if entry is None:
        return None
    return points_award_for_action(
        user_id=entry.author_id, action=IDEA_ADOPTED, source=entry.challenge, key=f"{IDEA_ADOPTED}:{entry.pk}",
        amount=entry.challenge.adopted_points,
    )


def trial_report_points_settle(*, application_id) -> PointsEntry | None:
    """A trial report filed by the deadline earns the rule's points (the review is the source)."""
    app = TrialApplication.objects.select_related("program").filter(pk=application_id).first()
    if app is None or app.status != TrialApplication.Status.REPORTED or app.review_id is None:
        return None
    if app.reported_at is None or app.reported_at > app.program.report_deadline:
        return None
    return points_award_for_action(
        user_id=app.user_id, action=TRIAL_REPORT_ON_TIME, source=Review(pk=app.review_id),
        key=f"trial.report:{app.pk}",
    )



# --- integrity: check-ins invalidated or restored (community.integrity signals) ---------------

CHECKIN = "gamification.checkin"


def checkin_points_settle(*, event_id) -> PointsEntry | None:
    """Bring a logged check-in's points in line with its log row: an invalidated check-in's award
    is reversed (a reversing row), a restored one's is awarded again (``key#n``) only when an
    award under its key was reversed before. Re-reads the row, so a repeated event changes nothing."""
    from community.integrity.models import InteractionEvent

    row = InteractionEvent.objects.filter(pk=event_id, action="checkin").values_list("actor_id", "at").first()
    if row is None:
        return None
    user_id, at = row
    _s, _e, day = user_day_bounds(user_id, at)
    key = f"checkin:{user_id}:{day.isoformat()}"
    with transaction.atomic():
        user_points_lock(user_id)
        valid = InteractionEvent.objects.filter(pk=event_id).values_list("valid", flat=True).first()
        if not valid:
            return _reverse_key(key, "integrity.invalidated")
        earned = (PointsEntry.objects.filter(Q(key=key) | Q(key__startswith=f"{key}#"), user_id=user_id,
                                             reverses__isnull=True).order_by("-id").first())
        next_key = _next_key(key)
        if earned is None or next_key is None:
            return None  # it never earned, or its award stands
        # The same amount again, past the daily cap (the reversed original still counts in it).
        return points_award(user_id=user_id, amount=earned.amount, action=earned.action, key=next_key,
                            counts_toward_level=earned.counts_toward_level, reason="integrity.restored")
