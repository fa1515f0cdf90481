"""Issue 11 section 3: invalidating logged interactions (counts from valid rows, points reversed
through the ledger, idempotent), restoring them, and ring cases opened idempotently."""
import pytest

from community import services
from community.cocreation import services as cocreation_services
from community.integrity import registry
from community.integrity.models import InteractionEvent, InteractionFlag
from community.models import HelpfulVote
from gamification.ledger import ledger_verify
from gamification.models import PointsEntry, UserPoints
from gamification.streaks import checkin
from moderation import integrity_actions, ringcases
from moderation.models import RingCase, RingCaseEvent, RingMember
from tests import factories
from tests.challenge_helpers import make_challenge, old_user, published_entry

pytestmark = pytest.mark.django_db


def _total(user):
    row = UserPoints.objects.filter(user=user).first()
    return row.total if row else 0


def _ledger_ok():
    report = ledger_verify()
    assert report["broken"] == [] and report["totals"] == []


def test_effects_are_registered_by_the_owning_apps():
    assert {"helpful_vote", "unhelpful_vote", "entry_vote", "poll_vote"} <= set(registry.effect_actions())


def test_helpful_vote_invalidated_then_restored(product, shopper, other_shopper, moderator,
                                                django_capture_on_commit_callbacks):
    review = factories.review_with_words(author=shopper, product=product)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=True)
    event = InteractionEvent.objects.get(actor=other_shopper, action="helpful_vote")
    author_before, voter_before = _total(shopper), _total(other_shopper)
    assert author_before > 0

    with django_capture_on_commit_callbacks(execute=True):
        n = integrity_actions.invalidate([event.pk], detector="lockstep", score=0.93, evidence="ring of 12")
    with django_capture_on_commit_callbacks(execute=True):
        again = integrity_actions.invalidate([event.pk], detector="lockstep", score=0.93, evidence="ring of 12")
    assert (n, again) == (1, 0)
    event.refresh_from_db()
    review.refresh_from_db()
    assert event.valid is False and event.flag.detector == "lockstep" and event.flag.source == "auto"
    assert review.helpful_count == 0
    assert not HelpfulVote.objects.get(review=review, user=other_shopper).valid
    assert (_total(shopper), _total(other_shopper)) == (0, 0)
    reversals = PointsEntry.objects.filter(reverses__isnull=False)
    assert reversals.count() == (2 if voter_before else 1)
    assert set(reversals.values_list("reason", flat=True)) == {"integrity.lockstep"}
    _ledger_ok()

    with django_capture_on_commit_callbacks(execute=True):
        assert integrity_actions.restore([event.pk], decided_by=moderator, note="appeal upheld") == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert integrity_actions.restore([event.pk], decided_by=moderator) == 0
    event.refresh_from_db()
    review.refresh_from_db()
    assert event.valid and event.flag.restored_by == moderator and event.flag.note == "appeal upheld"
    assert review.helpful_count == 1
    assert (_total(shopper), _total(other_shopper)) == (author_before, voter_before)
    _ledger_ok()

    # The scan never invalidates again what a human restored; a human may.
    assert integrity_actions.invalidate([event.pk], detector="lockstep", score=0.99, evidence="") == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert integrity_actions.invalidate([event.pk], detector="manual", score=1.0, evidence="",
                                            decided_by=moderator) == 1
    event.refresh_from_db()
    assert not event.valid and event.flag.source == "human" and event.flag.restored_at is None
    assert _total(shopper) == 0
    _ledger_ok()


def test_entry_vote_invalidated_and_restored(django_capture_on_commit_callbacks, moderator):
    challenge = make_challenge(allow_overlap=True)
    entry = published_entry(challenge)
    voter = old_user()
    with django_capture_on_commit_callbacks(execute=True):
        cocreation_services.entry_vote_toggle(user=voter, entry_id=entry.pk)
    earned = _total(voter)
    event = InteractionEvent.objects.get(actor=voter, action="entry_vote")
    with django_capture_on_commit_callbacks(execute=True):
        assert integrity_actions.invalidate([event.pk], detector="serial", score=0.9, evidence="x") == 1
    entry.refresh_from_db()
    assert entry.vote_count == 0 and _total(voter) == 0
    _ledger_ok()
    with django_capture_on_commit_callbacks(execute=True):
        assert integrity_actions.restore([event.pk], decided_by=moderator) == 1
    entry.refresh_from_db()
    assert entry.vote_count == 1 and _total(voter) == earned
    _ledger_ok()


def test_checkin_invalidated_and_restored(shopper, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _created, award, _streak = checkin(user_id=shopper.pk)
    assert award is not None and _total(shopper) == award.amount
    event = InteractionEvent.objects.get(actor=shopper, action="checkin")
    with django_capture_on_commit_callbacks(execute=True):
        integrity_actions.invalidate([event.pk], detector="shared_signals", score=0.9, evidence="")
    assert _total(shopper) == 0
    with django_capture_on_commit_callbacks(execute=True):
        integrity_actions.restore([event.pk], decided_by=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        integrity_actions.restore([event.pk], decided_by=moderator)
    assert _total(shopper) == award.amount
    _ledger_ok()


def test_events_without_effect_are_only_marked(product, shopper):
    review = factories.review_with_words(author=shopper, product=product)
    event = InteractionEvent.objects.create(actor=shopper, action="review_submit", target_author=shopper,
                                            target_id=review.pk)
    assert integrity_actions.invalidate([event.pk, 10 ** 9], detector="reviews", score=0.9, evidence="") == 1
    assert InteractionFlag.objects.filter(event=event).exists()


def test_open_case_is_idempotent_by_key():
    users = [factories.UserFactory() for _ in range(3)]
    events = [InteractionEvent.objects.create(actor=u, action="helpful_vote") for u in users for _ in range(2)]
    ids = [e.pk for e in events]
    case, created = ringcases.open_case(accounts=[u.pk for u in users], event_ids=ids[:4], score=0.6,
                                        detectors=["lockstep"], evidence="3 accounts, 2 targets")
    assert created and case.status == "open"
    again, created = ringcases.open_case(accounts=[u.pk for u in reversed(users)], event_ids=ids, score=0.7,
                                         detectors="lockstep", evidence="3 accounts, 2 targets")
    assert (again.pk, created) == (case.pk, False)
    assert RingCaseEvent.objects.filter(case=case).count() == 6
    again.refresh_from_db()
    assert again.score == 0.7
    assert sorted(RingMember.objects.filter(case=case).values_list("event_count", flat=True)) == [2, 2, 2]
    assert ringcases.open_case(accounts=[u.pk for u in users], event_ids=ids, score=0.7, detectors=["lockstep"],
                               evidence="3 accounts, 2 targets")[1] is False
    assert RingCase.objects.count() == 1
    RingCase.objects.filter(pk=case.pk).update(status="decided")
    extra = InteractionEvent.objects.create(actor=users[0], action="helpful_vote")
    ringcases.open_case(accounts=[u.pk for u in users], event_ids=[extra.pk], score=0.7, detectors=["lockstep"],
                        evidence="")
    assert RingCaseEvent.objects.filter(case=case).count() == 6
