"""Every write to poll rows: options (with their images) and votes on them. Names are
``<entity>_<verb>``; reads are in ``community.cocreation.selectors``; see docs/challenges.md.

A poll is a challenge of kind ``poll`` whose brand adds options (``PollOption``); shoppers
vote on the options, not on entries. Votes work like ``entry_vote_toggle``: every change to a
user's votes in a poll (tap, withdrawal, invalidation) happens under that user's
(challenge, user) participant row lock, so parallel taps are serialised and the limit,
counted from rows under the lock, holds; the unique (option, user) constraint backs the
one-vote-per-option rule.

The option's ``vote_count`` (a cache of valid votes, rebuilt by ``poll_recount``) moves
**last** in the transaction, with one ``UPDATE … SET vote_count = vote_count ± 1``: a poll has
a handful of options that every voter hits, so the option row is locked only from that
statement to the commit instead of for the whole request. The vote row's foreign key takes a
KEY SHARE lock on the option, which does not conflict with that NO KEY UPDATE lock, and every
path takes its locks in the order participant → vote row → points → option, so none can
deadlock another.
"""
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from community.cocreation import signals
from community.cocreation.models import Challenge, PollOption, PollVote
from community.cocreation.services import (
    challenge_votes_add_on_commit,
    participant_lock,
    vote_slot_check,
    vote_withdraw_check,
    votes_in_challenge,
)
from community.images import image_clean
from community.integrity.services import interaction_record
from community.services import brand_staff_check
from community.signals import send_on_commit
from core.errors import ServiceError

State = Challenge.State


# --- options ----------------------------------------------------------------------------


@transaction.atomic
def poll_option_add(*, challenge_id, label_zh, label_en="", description_zh="", description_en="", image=None,
                    position=None, actor=None) -> PollOption:
    """Add an option to a poll (the admin inline does the same through its form)."""
    label_zh, label_en = (label_zh or "").strip(), (label_en or "").strip()
    if not (label_zh or label_en):
        msg = _("Give the option a label.")
        raise ServiceError(msg, code="label_required", fields={"label_zh": [msg]})
    cleaned = image_clean(image, field="image") if image else None  # raises before anything is stored
    challenge = Challenge.objects.select_for_update(no_key=True).filter(pk=challenge_id).first()
    if challenge is None:
        raise ServiceError(_("Challenge not found."), code="not_found", status_code=404)
    brand_staff_check(actor, challenge.brand_id, _("Only the brand's staff can change this poll."))
    if challenge.kind != Challenge.Kind.POLL:
        raise ServiceError(_("Only polls have options."), code="not_a_poll")
    if position is None:
        position = PollOption.objects.filter(challenge=challenge).count()
    option = PollOption(
        challenge=challenge, label_zh=label_zh[:120], label_en=label_en[:160], description_zh=description_zh or "",
        description_en=description_en or "", position=position,
    )
    if cleaned is not None:
        content, _w, _h = cleaned
        option.image.save(content.name, content, save=False)  # sets image_width / image_height too
    option.save()
    return option


@transaction.atomic
def poll_option_image_set(*, option_id, upload, actor=None) -> PollOption:
    """Replace (or, with ``upload=None``, remove) an option's image. The upload goes through
    ``community.images.image_clean`` first: type, size and pixel count are checked and the
    image is re-encoded (EXIF dropped) before anything is stored."""
    cleaned = image_clean(upload, field="image") if upload else None
    # NO KEY UPDATE: does not block voters, whose vote rows take KEY SHARE locks on the option.
    option = PollOption.objects.select_for_update(no_key=True).filter(pk=option_id).first()
    if option is None:
        raise ServiceError(_("Poll option not found."), code="not_found", status_code=404)
    if actor is not None:
        brand_staff_check(actor, option.challenge.brand_id, _("Only the brand's staff can change this poll."))
    old_name = option.image.name if option.image else ""
    if cleaned is None:
        option.image = ""
    else:
        content, _w, _h = cleaned
        option.image.save(content.name, content, save=False)
    option.save(update_fields=["image", "image_width", "image_height"])
    if old_name and old_name != option.image.name:
        storage = option.image.storage
        transaction.on_commit(lambda: storage.delete(old_name))  # never delete a file a rollback would need
    return option


# --- votes ------------------------------------------------------------------------------


MAX_ID = 2**63 - 1


def _option_for_vote(option_id):
    # An id past a 64-bit integer would make the database raise instead of finding nothing.
    option = None
    if 0 < option_id <= MAX_ID:
        option = PollOption.objects.select_related("challenge").filter(pk=option_id).first()
    if option is None or option.challenge.state == State.DRAFT or option.challenge.kind != Challenge.Kind.POLL:
        raise ServiceError(_("Poll option not found."), code="not_found", status_code=404)
    return option


def _option_votes_add(option, delta, challenge_id, *, voter_id):
    """Move the option's cache by ``delta``: the last statement of the vote's transaction, so
    the option row is locked only until the commit. Reads the count back under that lock.
    The challenge's total moves after the commit (``challenge_votes_add_on_commit``)."""
    PollOption.objects.filter(pk=option.pk).update(vote_count=Greatest(F("vote_count") + delta, 0))
    option.vote_count = PollOption.objects.filter(pk=option.pk).values_list("vote_count", flat=True).get()
    challenge_votes_add_on_commit(challenge_id, delta)
    # Gamification awards (or reverses) the voter's points on this event.
    send_on_commit(signals.poll_voted, option_id=option.pk, challenge_id=challenge_id, voter_id=voter_id, delta=delta)


@transaction.atomic
def _poll_vote(*, user, option_id, withdraw_only) -> tuple[PollOption, bool]:
    option = _option_for_vote(option_id)
    challenge = option.challenge
    if not challenge.accepts_votes:
        raise ServiceError(_("Voting is not open for this poll."), code="voting_closed")
    participant_lock(challenge, user)
    used, existing = votes_in_challenge(PollVote, challenge=challenge, user=user, option=option)
    if existing is not None:
        vote_id, valid = existing
        vote_withdraw_check(PollVote(pk=vote_id, valid=valid))
        PollVote.objects.filter(pk=vote_id).delete()
        _option_votes_add(option, -1, challenge.pk, voter_id=user.pk)
        interaction_record(actor=user, action="poll_vote_withdraw", target=option)
        return option, False
    if withdraw_only:
        return option, False
    vote_slot_check(user=user, challenge=challenge, used=used)
    PollVote.objects.create(challenge=challenge, option=option, user=user)
    _option_votes_add(option, +1, challenge.pk, voter_id=user.pk)
    interaction_record(actor=user, action="poll_vote", target=option)
    return option, True


def poll_vote_toggle(*, user, option_id) -> tuple[PollOption, bool]:
    """One tap votes for the option, a second tap withdraws, while voting is open.
    Returns (option, voted); ``option.vote_count`` is the count after the change."""
    return _poll_vote(user=user, option_id=option_id, withdraw_only=False)


def poll_vote_withdraw(*, user, option_id) -> PollOption:
    """Withdraw the user's vote on the option if there is one (the API's DELETE). Decided
    under the same lock as the toggle, so a DELETE never turns into a vote."""
    option, _voted = _poll_vote(user=user, option_id=option_id, withdraw_only=True)
    return option


@transaction.atomic
def poll_vote_invalidate(*, vote_id, reason="gamification.fraud") -> PollVote | None:
    """Integrity checks call this: the vote stays (still using its slot), leaves the counts,
    and its points are reversed. Idempotent. Takes the voter's participant lock first, like a
    tap, so it cannot interleave with the voter withdrawing the same vote."""
    found = PollVote.objects.select_related("challenge", "user").filter(pk=vote_id).first()
    if found is None:
        return None
    participant_lock(found.challenge, found.user)
    vote = PollVote.objects.select_for_update().filter(pk=vote_id).first()
    if vote is None or not vote.valid:
        return vote
    vote.valid = False
    vote.invalid_reason = reason[:60]
    vote.save(update_fields=["valid", "invalid_reason"])
    _option_votes_add(PollOption(pk=vote.option_id), -1, vote.challenge_id, voter_id=vote.user_id)
    return vote


@transaction.atomic
def poll_vote_restore(*, vote_id) -> PollVote | None:
    """Undo ``poll_vote_invalidate`` (a human cleared the vote): it counts again and
    ``poll_voted`` makes gamification re-award. Idempotent."""
    found = PollVote.objects.select_related("challenge", "user").filter(pk=vote_id).first()
    if found is None:
        return None
    participant_lock(found.challenge, found.user)
    vote = PollVote.objects.select_for_update().filter(pk=vote_id).first()
    if vote is None or vote.valid:
        return vote
    vote.valid, vote.invalid_reason = True, ""
    vote.save(update_fields=["valid", "invalid_reason"])
    _option_votes_add(PollOption(pk=vote.option_id), +1, vote.challenge_id, voter_id=vote.user_id)
    return vote


def poll_recount(*, challenge_id) -> int:
    """Set every option's vote cache of one poll from its valid vote rows (each option under
    its row lock, the count taken after the lock). Returns how many options changed: 0 on
    healthy data."""
    changed = 0
    for option_id in PollOption.objects.filter(challenge_id=challenge_id).values_list("pk", flat=True):
        with transaction.atomic():
            option = PollOption.objects.select_for_update(no_key=True).filter(pk=option_id).first()
            if option is None:
                continue
            n = PollVote.objects.filter(option_id=option_id, valid=True).count()
            if option.vote_count != n:
                PollOption.objects.filter(pk=option_id).update(vote_count=n)
                changed += 1
    return changed


def counters_rebuild_polls() -> int:
    """``poll_recount`` for every poll that has options; a no-op on healthy data. Meant for the
    nightly ``community.counters_rebuild`` next to ``counters_rebuild_challenges``."""
    challenge_ids = PollOption.objects.values_list("challenge_id", flat=True).distinct().order_by("challenge_id")
    return sum(poll_recount(challenge_id=challenge_id) for challenge_id in challenge_ids)
