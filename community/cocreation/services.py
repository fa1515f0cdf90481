"""Every write to challenge rows: state transitions, entries, votes, comments, winners,
adoption and the prize draw. Names are ``<entity>_<verb>``; see docs/challenges.md.

Locks: a vote or entry takes the (challenge, user) ``ChallengeParticipant`` row first,
then the entry row, so the per-user limits and the cached counts hold under concurrency.
"""

import math
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Ln
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community import hooks
from community.cocreation import draw, signals
from community.cocreation.models import (
    Challenge,
    ChallengeEvent,
    ChallengeParticipant,
    Entry,
    EntryComment,
    EntryImage,
    EntryVote,
    PollOption,
    PollVote,
)
from community.images import image_clean
from community.integrity.services import interaction_record
from community.services import (
    ERASED_REASON,
    UNSCORED_QUALITY,
    brand_staff_check,
    notification_send,
    quality_is_low,
)
from community.signals import send_on_commit
from community.votelimits import vote_daily_take
from core import hooks as core_hooks
from core.errors import PermissionDeniedError, ServiceError
from core.insertone import delete_one, insert_one
from core.text import clean_user_text, guess_language

State = Challenge.State
Status = Entry.Status
MAX_IMAGES = 9
# The default order: log of votes plus an exposure bonus for new entries that halves
# every FAIR_HALF_LIFE_HOURS, so early entries do not win by being first, plus the
# quality score (worth up to one point; a low-quality entry loses two more).
FAIR_BONUS = 2.0
FAIR_HALF_LIFE_HOURS = 24.0
FAIR_QUALITY_WEIGHT = 1.0
FAIR_LOW_QUALITY_PENALTY = 2.0

ORDER = [State.DRAFT, State.SCHEDULED, State.OPEN, State.VOTING, State.JUDGING, State.CLOSED]
ACTIONS = {
    State.SCHEDULED: "community.challenge.scheduled",
    State.OPEN: "community.challenge.opened",
    State.VOTING: "community.challenge.voting",
    State.JUDGING: "community.challenge.judging",
    State.CLOSED: "community.challenge.closed",
}


def _event(challenge, *, action, old_state="", new_state="", actor=None, data=None):
    return ChallengeEvent.objects.create(
        challenge=challenge, action=action, old_state=old_state, new_state=new_state, actor=actor, data=data or {}
    )


# --- state machine -------------------------------------------------------------------


def challenge_due_state(challenge, now=None):
    """The state the schedule says a published challenge should be in now."""
    now = now or timezone.now()
    if now < challenge.opens_at:
        return State.SCHEDULED
    if now < challenge.entries_close_at:
        return State.OPEN
    if now < challenge.voting_close_at:
        return State.VOTING
    if now < challenge.closes_at:
        return State.JUDGING
    return State.CLOSED


@transaction.atomic
def challenge_transition(*, challenge_id, to_state, actor=None) -> Challenge:
    """Move a challenge one or more states forward, recording one event per step.
    Idempotent: asking for the current (or an earlier) state changes nothing."""
    challenge = Challenge.objects.select_for_update().get(pk=challenge_id)
    if to_state not in ORDER:
        raise ServiceError(_("Unknown challenge state."), code="state_invalid")
    if challenge.state == State.DRAFT and to_state not in (State.DRAFT, State.SCHEDULED):
        # Only publishing takes a challenge out of draft; the schedule never does.
        raise ServiceError(_("Publish the challenge first."), code="not_published")
    while ORDER.index(challenge.state) < ORDER.index(to_state):
        old = challenge.state
        new = ORDER[ORDER.index(old) + 1]
        challenge.state = new
        fields = ["state"]
        data = {}
        if new == State.OPEN and challenge.prize_draw and not challenge.draw_seed_hash:
            challenge.draw_seed = draw.seed_new()
            challenge.draw_seed_hash = draw.seed_commitment(challenge.draw_seed)
            fields += ["draw_seed", "draw_seed_hash"]
            data["seed_hash"] = challenge.draw_seed_hash
        challenge.save(update_fields=fields)
        _event(challenge, action=ACTIONS[new], old_state=old, new_state=new, actor=actor, data=data)
        if new == State.CLOSED and challenge.prize_draw:
            challenge_draw(challenge=challenge)
    return challenge


def challenge_publish(*, challenge_id, actor=None) -> Challenge:
    """Draft → scheduled (the brand's one click); the schedule does the rest."""
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().get(pk=challenge_id)
        if challenge.state != State.DRAFT:
            return challenge
        if not (challenge.title_zh or challenge.title_en):
            raise ServiceError(_("Give the challenge a title before publishing."), code="title_required")
        if challenge.kind == Challenge.Kind.POLL and PollOption.objects.filter(challenge=challenge).count() < 2:
            # Shoppers would find nothing (or only one thing) to vote on.
            raise ServiceError(_("Add at least two options before publishing a poll."), code="options_required")
        challenge = challenge_transition(challenge_id=challenge_id, to_state=State.SCHEDULED, actor=actor)
    return challenge_advance_one(challenge_id=challenge_id)


def challenge_advance_one(*, challenge_id, now=None) -> Challenge:
    challenge = Challenge.objects.get(pk=challenge_id)
    if challenge.state in (State.DRAFT, State.CLOSED):
        return challenge
    due = challenge_due_state(challenge, now)
    if ORDER.index(due) > ORDER.index(challenge.state):
        challenge = challenge_transition(challenge_id=challenge_id, to_state=due)
    return challenge


def challenges_advance(*, now=None) -> int:
    """The beat task's body: move every published challenge to the state its schedule says,
    and refresh the fair order of running ones. Safe to run any number of times."""
    moved = 0
    for challenge_id, state in Challenge.objects.exclude(state__in=[State.DRAFT, State.CLOSED]).values_list("pk", "state"):
        if challenge_advance_one(challenge_id=challenge_id, now=now).state != state:
            moved += 1
    for challenge_id in Challenge.objects.filter(state__in=[State.OPEN, State.VOTING]).values_list("pk", flat=True):
        entry_fair_scores_refresh(challenge_id=challenge_id, now=now)
    return moved


@transaction.atomic
def challenge_duplicate(*, challenge_id, actor=None) -> Challenge:
    """A draft copy (as a template): same texts, rules and rewards, schedule shifted to start in a week."""
    src = Challenge.objects.filter(pk=challenge_id).first()
    if src is None:
        raise ServiceError(_("Challenge not found."), code="not_found", status_code=404)
    brand_staff_check(actor, src.brand_id, _("Only the brand's staff can change this challenge."))
    products = list(src.products.all())
    shift = (timezone.now() + timedelta(days=7)) - src.opens_at
    copy = Challenge.objects.get(pk=challenge_id)
    copy.pk = None
    copy.state = State.DRAFT
    copy.title_zh = (src.title_zh + " " + _("(copy)"))[:120]
    copy.opens_at, copy.entries_close_at = src.opens_at + shift, src.entries_close_at + shift
    copy.voting_close_at, copy.closes_at = src.voting_close_at + shift, src.closes_at + shift
    copy.draw_seed = copy.draw_seed_hash = ""
    copy.draw_revealed_at = None
    copy.draw_participant_ids, copy.draw_winner_ids = [], []
    copy.entry_count = copy.vote_count = 0
    copy.created_at = timezone.now()
    copy.save()
    copy.products.set(products)
    options = list(PollOption.objects.filter(challenge=src))
    for option in options:
        option.pk, option.challenge, option.vote_count = None, copy, 0
    PollOption.objects.bulk_create(options)
    _event(copy, action="community.challenge.duplicated", actor=actor, data={"from": src.pk}, new_state=State.DRAFT)
    return copy


# --- prize draw -----------------------------------------------------------------------


def challenge_draw(*, challenge) -> Challenge:
    """Reveal the seed and draw among authors of published entries. Idempotent."""
    if challenge.draw_revealed_at or not challenge.prize_draw or not challenge.draw_seed:
        return challenge
    participants = sorted(
        set(Entry.objects.filter(challenge=challenge, status=Status.PUBLISHED).values_list("author_id", flat=True))
    )
    challenge.draw_participant_ids = participants
    challenge.draw_winner_ids = draw.draw_winners(challenge.draw_seed, participants, challenge.prize_draw_winners)
    challenge.draw_revealed_at = timezone.now()
    challenge.save(update_fields=["draw_participant_ids", "draw_winner_ids", "draw_revealed_at"])
    _event(challenge, action="community.challenge.drawn", data={"winners": challenge.draw_winner_ids})
    for user_id in challenge.draw_winner_ids:
        notification_send(
            user_id=user_id, kind="community.challenge.draw_won",
            title=gettext_noop("You won the prize draw of “%(title)s”"), title_params={"title": challenge.title},
            url=f"/challenges/{challenge.pk}/",
        )
    return challenge


# --- entries ------------------------------------------------------------------------


def participant_lock(challenge, user):
    """Lock the user's row for this challenge (created on first use, INSERT ... ON CONFLICT DO
    NOTHING): the per-user entry and vote limits are counted under it. One query once the row
    exists (every vote after a person's first in the challenge), three the first time. The
    lock is written out: it runs on every vote, and the ORM spent ~8x its CPU building it."""
    sql = (f"SELECT id FROM {ChallengeParticipant._meta.db_table} WHERE challenge_id = %s AND user_id = %s"
           + (" FOR UPDATE" if connection.features.has_select_for_update else ""))
    params = [challenge.pk, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.fetchone() is not None:
            return
        ChallengeParticipant.objects.bulk_create([ChallengeParticipant(challenge_id=params[0], user_id=params[1])],
                                                 ignore_conflicts=True)
        cursor.execute(sql, params)


@transaction.atomic
def entry_submit(*, author, challenge_id, text, images=()) -> Entry:
    """Create an entry (text and up to 9 images) and send it to screening."""
    text = clean_user_text(text)
    if not text:
        msg = _("Write something for your entry.")
        raise ServiceError(msg, code="text_required", fields={"text": [msg]})
    if len(text) > 5000:
        msg = _("Keep the entry under 5000 characters.")
        raise ServiceError(msg, code="text_too_long", fields={"text": [msg]})
    images = list(images or [])
    if len(images) > MAX_IMAGES:
        msg = _("An entry can have at most %(n)d images.") % {"n": MAX_IMAGES}
        raise ServiceError(msg, code="too_many_images", fields={"images": [msg]})
    cleaned = [image_clean(upload, field="images") for upload in images]  # raises before anything is stored
    challenge = Challenge.objects.filter(pk=challenge_id).exclude(state=State.DRAFT).first()
    if challenge is None:
        raise ServiceError(_("Challenge not found."), code="not_found", status_code=404)
    if not challenge.accepts_entries or challenge.kind == Challenge.Kind.POLL:  # a poll's options come from the brand
        raise ServiceError(_("This challenge is not taking entries now."), code="entries_closed")
    participant_lock(challenge, author)
    used = Entry.objects.filter(challenge=challenge, author=author).exclude(status=Status.REMOVED).count()
    if used >= challenge.entries_per_user:
        raise ServiceError(
            _("You can send at most %(n)d entries to this challenge.") % {"n": challenge.entries_per_user},
            code="entry_limit",
        )
    entry = Entry.objects.create(challenge=challenge, author=author, text=text, language=guess_language(text))
    for position, (content, width, height) in enumerate(cleaned):
        img = EntryImage(entry=entry, width=width, height=height, position=position)
        img.image.save(content.name, content, save=False)
        img.save()
    entry.fair_score = fair_score(0, 0.0, entry.quality_score)
    _entry_screen(entry)
    entry.save(update_fields=["status", "published_at", "fair_score"])
    if entry.is_public:
        _after_entry_published(entry)
    interaction_record(actor=author, action="entry_submit", target=entry, target_author_id=author.pk)
    return entry


def _entry_screen(entry):
    trusted = core_hooks.user_can(entry.author, "skip_premoderation")
    entry.status = Status.PUBLISHED if trusted else Status.PENDING
    if trusted:
        entry.published_at = timezone.now()
    hooks.content_submit(
        content_type="entry", object_id=entry.pk, author_id=entry.author_id, published_first=trusted,
        language=entry.language,
    )


def _after_entry_published(entry):
    # Gamification awards the challenge's participation points (its rules scale them by quality).
    send_on_commit(signals.entry_published, entry_id=entry.pk, author_id=entry.author_id, challenge_id=entry.challenge_id)
    challenge_recount(challenge_id=entry.challenge_id)


def _after_entry_unpublished(entry):
    send_on_commit(signals.entry_unpublished, entry_id=entry.pk, author_id=entry.author_id,
                   challenge_id=entry.challenge_id)
    challenge_recount(challenge_id=entry.challenge_id)


@transaction.atomic
def entry_moderate(*, entry_id, status, reason="") -> Entry:
    """Apply a moderation decision to an entry. Idempotent."""
    if status not in Status.values:
        raise ServiceError(_("Unknown entry status."), code="status_invalid")
    entry = Entry.objects.select_for_update().select_related("challenge").get(pk=entry_id)
    if (entry.status == status and entry.status_reason == reason) or entry.status_reason == ERASED_REASON:
        return entry
    was_public = entry.is_public
    entry.status, entry.status_reason = status, reason
    if status == Status.PUBLISHED and entry.published_at is None:
        entry.published_at = timezone.now()
    entry.save(update_fields=["status", "status_reason", "published_at"])
    if entry.is_public and not was_public:
        _after_entry_published(entry)
    elif was_public and not entry.is_public:
        _after_entry_unpublished(entry)
    return entry


def entry_set_quality(*, entry_id, score) -> bool:
    """Store moderation's quality score on the entry; idempotent (False when nothing changed)."""
    return bool(entry_set_quality_many(scores={entry_id: score}))


def entry_set_quality_many(*, scores) -> int:
    """``entry_set_quality`` for ``{entry_id: score or None}``: one query to read them, one
    UPDATE per entry whose score changed (its place in the default order moves with it; the
    vote count is read in the UPDATE itself, so a concurrent vote is never overwritten)."""
    score_of = {entry_id: None if score is None else int(score) for entry_id, score in scores.items()}
    now = timezone.now()
    changed = 0
    for entry in Entry.objects.filter(pk__in=list(score_of)).only("id", "quality_score", "published_at", "created_at"):
        score = score_of[entry.pk]
        if entry.quality_score == score:
            continue
        rest = fair_score(0, _age_hours(entry, now), score)  # log1p(0) = 0: bonus + quality
        changed += Entry.objects.filter(pk=entry.pk).update(
            quality_score=score, fair_score=Ln(F("vote_count") + 1) + rest)
    return changed


def fair_quality_term(quality) -> float:
    """What the quality score adds to the default order (unscored entries count as middling,
    as unscored reviews do in ``review_rank_score``)."""
    term = FAIR_QUALITY_WEIGHT * (UNSCORED_QUALITY if quality is None else quality) / 100
    return term - FAIR_LOW_QUALITY_PENALTY if quality_is_low(quality) else term


def fair_score(votes, age_hours, quality=None) -> float:
    bonus = FAIR_BONUS * 0.5 ** (max(age_hours, 0.0) / FAIR_HALF_LIFE_HOURS)
    return round(math.log1p(votes) + bonus + fair_quality_term(quality), 6)


def _age_hours(entry, now):
    return ((now or timezone.now()) - (entry.published_at or entry.created_at)).total_seconds() / 3600


def entry_fair_scores_refresh(*, challenge_id, now=None) -> int:
    """Recompute the default order of a running challenge's entries (the bonus decays with time)."""
    now = now or timezone.now()
    changed = []
    for entry in Entry.objects.filter(challenge_id=challenge_id, status=Status.PUBLISHED).only(
        "id", "vote_count", "published_at", "created_at", "fair_score", "quality_score"
    ):
        score = fair_score(entry.vote_count, _age_hours(entry, now), entry.quality_score)
        if score != entry.fair_score:
            entry.fair_score = score
            changed.append(entry)
    Entry.objects.bulk_update(changed, ["fair_score"], batch_size=500)
    return len(changed)


@transaction.atomic
def challenge_recount(*, challenge_id) -> bool:
    """Set the challenge's caches from rows. The row lock serialises recounts and the counts
    run after it is taken, so a slower recount never writes an older snapshot."""
    if not Challenge.objects.select_for_update(no_key=True).filter(pk=challenge_id).exists():
        return False
    entries = Entry.objects.filter(challenge_id=challenge_id, status=Status.PUBLISHED).count()
    votes = EntryVote.objects.filter(challenge_id=challenge_id, valid=True).count()
    votes += PollVote.objects.filter(challenge_id=challenge_id, valid=True).count()  # a poll's votes
    return bool(
        Challenge.objects.filter(pk=challenge_id).exclude(entry_count=entries, vote_count=votes).update(
            entry_count=entries, vote_count=votes
        )
    )


def counters_rebuild_challenges() -> int:
    """Rebuild every entry and challenge vote cache from rows; a no-op on healthy data."""
    changed = 0
    for entry_id in Entry.objects.values_list("pk", flat=True):
        with transaction.atomic():
            entry = Entry.objects.select_for_update().get(pk=entry_id)
            n = EntryVote.objects.filter(entry_id=entry_id, valid=True).count()
            if entry.vote_count != n:
                # voted_at: brand insights refresh the challenges whose entries' counts moved
                Entry.objects.filter(pk=entry_id).update(vote_count=n, voted_at=timezone.now())
                changed += 1
    for challenge_id in Challenge.objects.values_list("pk", flat=True):
        changed += challenge_recount(challenge_id=challenge_id)
    return changed


# --- votes ----------------------------------------------------------------------------


def vote_withdraw_check(vote):
    """A tap on an invalidated vote changes nothing: it stays, and keeps its slot."""
    if not vote.valid:
        raise PermissionDeniedError(_("This vote was invalidated and cannot be changed."), code="vote_invalid")


def vote_slot_check(*, user, challenge, used):
    """Raise unless ``user`` may cast one more vote in ``challenge`` (entries or poll
    options): the account is old enough and ``used`` (the number of the user's votes in the
    challenge, or a queryset of them, counted under the participant lock; invalidated votes
    use a slot too) is under the limit. Then the daily cap by trust level is taken (last, so a
    refused vote never uses up a day's slot)."""
    min_age = challenge.min_account_age_days_to_vote
    if min_age and timezone.now() - user.date_joined < timedelta(days=min_age):
        raise PermissionDeniedError(
            _("Accounts can vote %(n)d days after joining.") % {"n": min_age}, code="account_too_new"
        )
    limit = vote_limit_for(user, challenge)
    if (used if isinstance(used, int) else used.count()) >= limit:
        raise ServiceError(
            _("You have used all %(n)d of your votes in this challenge.") % {"n": limit}, code="vote_limit"
        )
    vote_daily_take(user)


def vote_limit_for(user, challenge) -> int:
    return challenge.votes_per_user + int(core_hooks.privilege_value(user, "more_challenge_votes", 0) or 0)


def _entry_votes_add(entry, delta, *, voter_id, now=None):
    """Move the entry's vote cache by ``delta`` in one UPDATE ... RETURNING (the default
    order's fair score with it) and the challenge's once the vote commits. Called last in the
    vote's transaction, so the entry's row lock is held only from here to the commit: voters on
    the same entry queue for milliseconds, not for the whole request. Increments never
    lose an update; ``counters_rebuild`` re-derives both caches from rows nightly."""
    now = now or timezone.now()
    bonus = fair_score(0, _age_hours(entry, now), entry.quality_score)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Entry._meta.db_table} SET vote_count = vote_count + %s, "
            "fair_score = LN(vote_count + %s + 1) + %s, voted_at = %s WHERE id = %s RETURNING vote_count, quality_score",
            [delta, delta, bonus, connection.ops.adapt_datetimefield_value(now), entry.pk],
        )
        entry.vote_count, entry.quality_score = cursor.fetchone()
    entry.voted_at = now
    entry.fair_score = fair_score(entry.vote_count, _age_hours(entry, now), entry.quality_score)
    challenge_votes_add_on_commit(entry.challenge_id, delta)
    send_on_commit(signals.entry_voted, entry_id=entry.pk, challenge_id=entry.challenge_id, voter_id=voter_id,
                   delta=delta)


def challenge_votes_add_on_commit(challenge_id, delta):
    """Move the challenge's vote cache (entry votes, or a poll's option votes) by ``delta``
    once the vote commits, in its own one-statement transaction: the hot challenge row is
    never held by a voter's transaction. ``counters_rebuild`` repairs it from rows should a
    process die between the commit and this update."""
    transaction.on_commit(lambda: _challenge_votes_add(challenge_id, delta))


def _challenge_votes_add(challenge_id, delta):
    # One statement written out: the ORM spent more CPU building this UPDATE than the
    # database spent running it, on every vote.
    greatest = "MAX" if connection.vendor == "sqlite" else "GREATEST"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Challenge._meta.db_table} SET vote_count = {greatest}(vote_count + %s, 0) "
                       "WHERE id = %s", [delta, challenge_id])


def votes_in_challenge(model, *, challenge, user, **target):
    """(votes the user has in the challenge, their vote on ``target`` as (id, valid) or None) in
    one query, read under the participant lock."""
    (field, obj), = target.items()
    column = model._meta.get_field(field).column
    # Written out: the ORM's aggregate compiler cost ~13x the CPU of this statement (docs/benchmarks.md).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MAX(id) FILTER (WHERE {column} = %s), COUNT(*) FILTER (WHERE valid AND {column} = %s) "
            f"FROM {model._meta.db_table} WHERE challenge_id = %s AND user_id = %s",
            [obj.pk, obj.pk, challenge.pk, user.pk])
        used, mine, mine_valid = cursor.fetchone()
    return used, ((mine, bool(mine_valid)) if mine is not None else None)


# What a vote reads of the entry's challenge and author: the rule checks, and the author's public
# name in the answer. Every field of the entry itself is read (the answer shows most of them).
VOTE_CHALLENGE_FIELDS = ("id", "state", "allow_overlap", "votes_per_user", "min_account_age_days_to_vote")
VOTE_AUTHOR_FIELDS = ("id", "is_active", "username", "display_name", "email")
VOTE_ENTRY_FIELDS = (
    *(f.name for f in Entry._meta.concrete_fields),
    *(f"challenge__{name}" for name in VOTE_CHALLENGE_FIELDS[1:]),
    *(f"author__{name}" for name in VOTE_AUTHOR_FIELDS[1:]),
)
_vote_entry_sql = None


def _vote_entry_query():
    """(SQL, [(model, attnames)]) of the vote's one read: the entry joined to its challenge and
    author, the columns named above in each model's field order, then the entry's image names."""
    global _vote_entry_sql
    if _vote_entry_sql is None:
        author_model = Entry._meta.get_field("author").related_model
        parts = [
            (Entry, "e", [f for f in Entry._meta.concrete_fields]),
            (Challenge, "c", [f for f in Challenge._meta.concrete_fields if f.name in VOTE_CHALLENGE_FIELDS]),
            (author_model, "u", [f for f in author_model._meta.concrete_fields if f.name in VOTE_AUTHOR_FIELDS]),
        ]
        q = connection.ops.quote_name
        columns = ", ".join(f"{alias}.{q(f.column)}" for _m, alias, fields in parts for f in fields)
        images = (f"ARRAY(SELECT i.{q(EntryImage._meta.get_field('image').column)} FROM "
                  f"{q(EntryImage._meta.db_table)} i WHERE i.entry_id = e.id ORDER BY i.position, i.id)")
        sql = (f"SELECT {columns}, {images} FROM {q(Entry._meta.db_table)} e "
               f"JOIN {q(Challenge._meta.db_table)} c ON c.id = e.challenge_id "
               f"JOIN {q(author_model._meta.db_table)} u ON u.id = e.author_id WHERE e.id = %s")
        _vote_entry_sql = (sql, [(model, [f.attname for f in fields]) for model, _a, fields in parts])
    return _vote_entry_sql


def vote_entry_get(entry_id):
    """The entry with its challenge and author (only the fields a vote reads; any other is loaded
    on access, as with ``.only()``), or None. On PostgreSQL they come from one written-out
    statement built once per process (through the ORM, ``select_related(...).only(...)`` cost
    ~0.9 ms of CPU per vote to compile, ~6x the statement itself), and the entry also carries
    ``image_names``, the answer's pictures read in the same statement. Elsewhere (SQLite, whose
    values need the ORM's converters) the same objects come through the ORM."""
    if connection.vendor != "postgresql":
        return (Entry.objects.select_related("challenge", "author").only(*VOTE_ENTRY_FIELDS)
                .filter(pk=entry_id).order_by().first())
    sql, models = _vote_entry_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [entry_id])
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for model, attnames in models:
        objects.append(model.from_db(connection.alias, attnames, row[start:start + len(attnames)]))
        start += len(attnames)
    entry, challenge, author = objects
    entry.image_names = row[start]  # the answer's pictures, in their order, without a query of their own
    Entry._meta.get_field("challenge").set_cached_value(entry, challenge)
    Entry._meta.get_field("author").set_cached_value(entry, author)
    return entry


@transaction.atomic
def _entry_vote(*, user, entry_id, withdraw_only) -> tuple[Entry | None, bool]:
    """Concurrency: the user's participant row is locked first (the per-user limit and the
    one-vote-per-entry rule are decided under it, backed by a unique constraint); the
    entry's counter is moved last (see ``_entry_votes_add``). The vote's foreign key takes
    a KEY SHARE lock on the entry, which does not conflict with the NO KEY UPDATE lock of
    the counter update, so the two orders cannot deadlock.

    Queries on a vote (the API adds the token and the entry's images): the entry with its
    challenge and author, the participant lock, the user's votes in the challenge (count and
    the one on this entry, one aggregate), the vote INSERT (or DELETE), the counter UPDATE ...
    RETURNING, the interaction row; after commit the challenge's counter UPDATE. The points
    are settled after commit by gamification (the ``entry_voted`` event; in batches with a broker,
    gamification/votesettle.py), idempotent by ledger key."""
    entry = vote_entry_get(entry_id)
    if entry is None or not (entry.is_public or entry.author_id == user.pk):
        raise ServiceError(_("Entry not found."), code="not_found", status_code=404)
    challenge = entry.challenge
    if entry.author_id == user.pk:
        if withdraw_only:
            return entry, False
        raise PermissionDeniedError(_("You cannot vote for your own entry."), code="own_entry")
    if not entry.is_public:
        raise ServiceError(_("Only published entries can be voted on."), code="not_published")
    if not challenge.accepts_votes:
        if withdraw_only and not EntryVote.objects.filter(entry=entry, user=user).exists():
            return entry, False  # nothing to withdraw: the DELETE answers with the entry as it is
        raise ServiceError(_("Voting is not open for this challenge."), code="voting_closed")
    participant_lock(challenge, user)
    used, existing = votes_in_challenge(EntryVote, challenge=challenge, user=user, entry=entry)
    if existing is not None:
        vote_id, valid = existing
        vote_withdraw_check(EntryVote(pk=vote_id, valid=valid))
        delete_one(EntryVote, vote_id)  # written out: nothing cascades from or listens to a vote row
        _entry_votes_add(entry, -1, voter_id=user.pk)
        interaction_record(actor=user, action="entry_vote_withdraw", target=entry, target_author_id=entry.author_id)
        return entry, False
    if withdraw_only:
        return entry, False
    vote_slot_check(user=user, challenge=challenge, used=used)
    insert_one(EntryVote(challenge=challenge, entry=entry, user=user))  # no post_save: nothing listens
    _entry_votes_add(entry, +1, voter_id=user.pk)
    interaction_record(actor=user, action="entry_vote", target=entry, target_author_id=entry.author_id)
    return entry, True


def entry_vote_toggle(*, user, entry_id) -> tuple[Entry, bool]:
    """One tap votes, a second tap withdraws while voting is open. Returns (entry, voted)."""
    return _entry_vote(user=user, entry_id=entry_id, withdraw_only=False)


def entry_vote_withdraw(*, user, entry_id):
    """Withdraw the user's vote if there is one (the API's DELETE); returns the entry. Decided
    under the same lock as the toggle, so a DELETE never turns into a vote."""
    entry, _voted = _entry_vote(user=user, entry_id=entry_id, withdraw_only=True)
    return entry


@transaction.atomic
def entry_vote_invalidate(*, vote_id, reason="gamification.fraud") -> EntryVote | None:
    """Integrity checks call this: the vote stays, leaves the counts, and its points are reversed.
    Locks in the order a tap does (the voter's participant row, the vote, the entry's counter
    last), so it cannot deadlock with the voter withdrawing the same vote."""
    found = EntryVote.objects.filter(pk=vote_id).values_list("challenge_id", "user_id").first()
    if found is None:
        return None
    ChallengeParticipant.objects.select_for_update().filter(challenge_id=found[0], user_id=found[1]).first()
    vote = EntryVote.objects.select_for_update().filter(pk=vote_id).first()
    if vote is None or not vote.valid:
        return vote
    vote.valid = False
    vote.invalid_reason = reason[:60]
    vote.save(update_fields=["valid", "invalid_reason"])
    _entry_votes_add(Entry.objects.get(pk=vote.entry_id), -1, voter_id=vote.user_id)  # its points are reversed
    return vote


@transaction.atomic
def entry_vote_restore(*, vote_id) -> EntryVote | None:
    """Undo ``entry_vote_invalidate`` (a human cleared the vote): it counts again and
    ``entry_voted`` makes gamification re-award. Same lock order as a tap. Idempotent."""
    found = EntryVote.objects.filter(pk=vote_id).values_list("challenge_id", "user_id").first()
    if found is None:
        return None
    ChallengeParticipant.objects.select_for_update().filter(challenge_id=found[0], user_id=found[1]).first()
    vote = EntryVote.objects.select_for_update().filter(pk=vote_id).first()
    if vote is None or vote.valid:
        return vote
    vote.valid, vote.invalid_reason = True, ""
    vote.save(update_fields=["valid", "invalid_reason"])
    _entry_votes_add(Entry.objects.get(pk=vote.entry_id), +1, voter_id=vote.user_id)
    return vote



# --- comments -------------------------------------------------------------------------


@transaction.atomic
def entry_comment_post(*, author, entry_id, text) -> EntryComment:
    text = clean_user_text(text)
    if not text or len(text) > 1000:
        msg = _("Write a comment of up to 1000 characters.")
        raise ServiceError(msg, code="text_invalid", fields={"text": [msg]})
    entry = Entry.objects.filter(pk=entry_id, status=Status.PUBLISHED).first()
    if entry is None:
        raise ServiceError(_("Entry not found."), code="not_found", status_code=404)
    trusted = core_hooks.user_can(author, "skip_premoderation")
    comment = EntryComment.objects.create(
        entry=entry, author=author, text=text, status=Status.PUBLISHED if trusted else Status.PENDING
    )
    hooks.content_submit(content_type="comment", object_id=comment.pk, author_id=author.pk, published_first=trusted,
                language=guess_language(text))
    return comment


@transaction.atomic
def entry_comment_moderate(*, comment_id, status, reason="") -> EntryComment:
    comment = EntryComment.objects.select_for_update().get(pk=comment_id)
    if (comment.status, comment.status_reason) != (status, reason) and comment.status_reason != ERASED_REASON:
        comment.status, comment.status_reason = status, reason
        comment.save(update_fields=["status", "status_reason"])
    return comment


@transaction.atomic
def entry_erase(*, entry_id) -> bool:
    """Remove an entry for good at its author's request (account deletion): it leaves the
    challenge like a removed entry (counts recounted, points reversed through
    ``entry_unpublished``), and its text and images are deleted; the empty row stays so
    votes, a win or an adoption keep a valid key. Idempotent."""
    entry = Entry.objects.select_for_update().select_related("challenge").filter(pk=entry_id).first()
    if entry is None or (entry.status == Status.REMOVED and not entry.text and not entry.images.exists()):
        return False
    was_public = entry.is_public
    files = [image.image.name for image in entry.images.all() if image.image]
    entry.images.all().delete()
    entry.status, entry.status_reason, entry.text = Status.REMOVED, ERASED_REASON, ""
    entry.save(update_fields=["status", "status_reason", "text"])
    if was_public:
        _after_entry_unpublished(entry)
    if files:
        storage = EntryImage._meta.get_field("image").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return True


@transaction.atomic
def entry_comment_erase(*, comment_id) -> bool:
    """Remove a comment for good at its author's request (account deletion). Idempotent."""
    comment = EntryComment.objects.select_for_update().filter(pk=comment_id).first()
    if comment is None or (comment.status == Status.REMOVED and not comment.text):
        return False
    comment.status, comment.status_reason, comment.text = Status.REMOVED, ERASED_REASON, ""
    comment.save(update_fields=["status", "status_reason", "text"])
    return True


# --- winners and adoption ----------------------------------------------------------------


@transaction.atomic
def entry_content_purge(*, entry_id) -> bool:
    """Retention: drop a rejected entry's text and images, keeping the row (status and reason)
    so the moderation decision stays explained. Only rejected entries; idempotent."""
    entry = Entry.objects.select_for_update().filter(pk=entry_id, status=Entry.Status.REJECTED).first()
    if entry is None:
        return False
    images = list(entry.images.all())
    if not entry.text and not images:
        return False
    files = [img.image for img in images if img.image]
    entry.images.all().delete()
    entry.text = ""
    entry.save(update_fields=["text"])
    for f in files:
        transaction.on_commit(lambda f=f: f.storage.delete(f.name))
    return True


@transaction.atomic
def entry_comment_content_purge(*, comment_id) -> bool:
    """Retention: drop a rejected comment's text, keeping the row and its decision."""
    return bool(
        EntryComment.objects.filter(pk=comment_id, status=Entry.Status.REJECTED).exclude(text="").update(text="")
    )


@transaction.atomic
def challenge_pick_winners(*, challenge_id, entry_ids, actor=None) -> list[Entry]:
    """Brand staff pick winners (judging or closed); each winner is notified, and gamification
    awards the challenge's winner points and badge on the ``entry_won`` event. Idempotent per entry."""

    challenge = Challenge.objects.select_for_update().get(pk=challenge_id)
    if challenge.state not in (State.JUDGING, State.CLOSED):
        raise ServiceError(_("Winners are picked once voting has closed."), code="not_judging")
    entries = list(
        Entry.objects.select_for_update().filter(challenge=challenge, pk__in=list(entry_ids), status=Status.PUBLISHED)
    )
    if len(entries) != len(set(entry_ids)):
        raise ServiceError(_("Only published entries of this challenge can win."), code="entries_invalid")
    won = []
    for entry in entries:
        if entry.is_winner:
            continue
        entry.is_winner, entry.won_at = True, timezone.now()
        entry.save(update_fields=["is_winner", "won_at"])
        send_on_commit(signals.entry_won, entry_id=entry.pk, author_id=entry.author_id, challenge_id=challenge.pk)
        notification_send(
            user_id=entry.author_id, kind="community.challenge.won",
            title=gettext_noop("Your entry won “%(title)s”!"), title_params={"title": challenge.title}, url=f"/entries/{entry.pk}/",
        )
        won.append(entry)
    if won:
        _event(challenge, action="community.challenge.winners_picked", actor=actor,
               data={"entries": [e.pk for e in won]})
    return won


@transaction.atomic
def entry_adopt(*, entry_id, note, actor=None) -> Entry:
    """The brand adopts an idea: the note shows on the entry, challenge and profile; large reward."""
    note = (note or "").strip()[:300]
    if not note:
        msg = _("Say in a sentence what you will do with this idea.")
        raise ServiceError(msg, code="note_required", fields={"note": [msg]})
    entry = Entry.objects.select_for_update().select_related("challenge").get(pk=entry_id)
    if not entry.is_public:
        raise ServiceError(_("Only published entries can be adopted."), code="not_published")
    first = entry.adopted_at is None
    entry.adopted_note = note
    entry.adopted_at = entry.adopted_at or timezone.now()
    entry.save(update_fields=["adopted_note", "adopted_at"])
    if first:
        send_on_commit(signals.entry_adopted, entry_id=entry.pk, author_id=entry.author_id,
                       challenge_id=entry.challenge_id)
        notification_send(
            user_id=entry.author_id, kind="community.idea.adopted",
            title=gettext_noop("%(brand)s adopted your idea!"), title_params={"brand": entry.challenge.brand.name}, body=note,
            url=f"/entries/{entry.pk}/",
        )
        _event(entry.challenge, action="community.idea.adopted", actor=actor, data={"entry": entry.pk})
    return entry
