"""Issue 11 sections 3 and 5: the live scan (batched loading, invalidation, ring cases, review holds,
idempotence) and ``manage.py integrity scan``."""
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.integrity.models import InteractionEvent, InteractionFlag
from community.models import Review
from moderation import integrity_scan
from moderation import services as moderation_services
from moderation.models import Case, Event, RingCase
from tests import factories

pytestmark = pytest.mark.django_db


def _votes(n, *, at=None):
    users = [factories.UserFactory() for _ in range(3)]
    at = at or timezone.now() - timedelta(hours=1)
    InteractionEvent.objects.bulk_create([
        InteractionEvent(actor=users[i % 3], action="helpful_vote", target_id=i + 1, at=at, device_hash=f"d{i % 2}")
        for i in range(n)])


@pytest.mark.parametrize(("rows", "batch", "queries"), [(4, 2, 3), (9, 2, 5), (10, 5, 3), (7, 50, 1)])
def test_load_events_is_one_query_per_batch(rows, batch, queries):
    _votes(rows)
    InteractionEvent.objects.create(actor=factories.UserFactory(), action="checkin")  # not a vote: not loaded
    with CaptureQueriesContext(connection) as ctx:
        events, valid = integrity_scan.load_events(since=timezone.now() - timedelta(days=1), batch=batch)
    # ceil(rows / batch) batches, plus one empty read when the last batch was full
    assert len(ctx.captured_queries) == queries
    assert len(events) == rows and valid.all()
    assert sorted(set(events.device.tolist())) == [0, 1]
    assert events.event_id.tolist() == sorted(events.event_id.tolist())


def test_load_events_honours_since():
    _votes(3, at=timezone.now() - timedelta(days=40))
    _votes(2)
    events, _valid = integrity_scan.load_events(since=timezone.now() - timedelta(days=30))
    assert len(events) == 2


def test_empty_scan_and_dry_run_change_nothing():
    result = integrity_scan.scan(dry_run=True)
    assert result.counts["events"] == 0 and result.invalidated_event_ids == [] and result.ring_cases == []
    out = StringIO()
    call_command("integrity", "scan", "--json", stdout=out, stderr=StringIO())
    assert json.loads(out.getvalue())["counts"]["invalidated"] == 0


def test_bad_since_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--since"):
        call_command("integrity", "scan", "--since", "last tuesday", stdout=StringIO(), stderr=StringIO())


def test_fake_review_is_held_once_with_the_reason(product, shopper, moderator, settings):
    settings.LANGUAGE_CODE = "en"
    review = factories.review_with_words(author=shopper, product=product)
    Review.objects.filter(pk=review.pk).update(status=Review.Status.PUBLISHED)
    Case.objects.filter(content_type="review", object_id=review.pk).update(state=Case.State.APPROVED)  # screened
    case = moderation_services.case_hold_integrity(content_type="review", object_id=review.pk, author_id=shopper.pk,
                                                   score=0.83, reasons=["burst", "singleton"])
    review.refresh_from_db()
    assert case.state == Case.State.QUEUED and "fake_incentive" in case.queue_reasons
    assert review.status == Review.Status.PENDING
    from moderation.presentation import queue_reason_label

    assert str(queue_reason_label("fake_incentive")) == "Fake or undisclosed incentive"
    # Idempotent, and a moderator's approval sticks: the next scan does not hold it again.
    assert moderation_services.case_hold_integrity(content_type="review", object_id=review.pk, author_id=shopper.pk,
                                                   score=0.9, reasons=[]) is None
    moderation_services.case_decide(case_id=case.pk, moderator=moderator, approve=True)
    review.refresh_from_db()
    assert review.status == Review.Status.PUBLISHED
    assert moderation_services.case_hold_integrity(content_type="review", object_id=review.pk, author_id=shopper.pk,
                                                   score=0.9, reasons=[]) is None
    assert Event.objects.filter(object_id=review.pk, action="moderation.review.integrity_held").count() == 1


def test_beat_task_runs_the_scan_once_at_a_time(settings):
    from django.core.cache import cache

    from moderation import tasks

    assert settings.CELERY_BEAT_SCHEDULE["moderation-integrity-scan"]["task"] == "moderation.integrity_scan"
    assert tasks.integrity_scan()["events"] == 0
    cache.add(tasks.INTEGRITY_SCAN_LOCK, 1, 60)
    try:
        assert tasks.integrity_scan() is None
    finally:
        cache.delete(tasks.INTEGRITY_SCAN_LOCK)


def test_scan_flags_keep_restored_events_alone(product, shopper, moderator, django_capture_on_commit_callbacks):
    """A human-restored event stays valid through later scans (the scan's auto source)."""
    from community import services
    from moderation import integrity_actions

    review = factories.review_with_words(author=shopper, product=product)
    voter = factories.UserFactory()
    services.review_vote_helpful(user=voter, review_id=review.pk, helpful=True)
    event = InteractionEvent.objects.get(actor=voter, action="helpful_vote")
    integrity_actions.invalidate([event.pk], detector="serial", score=0.9, evidence="")
    integrity_actions.restore([event.pk], decided_by=moderator)
    assert integrity_actions.invalidate([event.pk], detector="serial", score=0.9, evidence="") == 0
    assert InteractionFlag.objects.get(event=event).restored_at is not None
    assert RingCase.objects.count() == 0


@pytest.mark.parametrize(("detector", "takes_other_votes"), [("lockstep", True), ("dense_block", True),
                                                            ("shared_signal", False)])
def test_a_ring_case_takes_its_members_other_unclear_votes(monkeypatch, detector, takes_other_votes):
    """A ring member's camouflage votes (unclear through the account, named by no finding) go to the
    moderator in the case of the strongest group finding naming the member; another account's do
    not, and a shared-signal finding (which names the real user the puppets vote for) takes none."""
    import numpy as np

    from moderation.integrity import votes

    member, other = factories.UserFactory(), factories.UserFactory()
    at = timezone.now() - timedelta(hours=1)
    ring_vote, camouflage, stranger, clear = (
        InteractionEvent.objects.create(actor=actor, action="helpful_vote", target_id=target, at=at).pk
        for actor, target in ((member, 1), (member, 2), (other, 2), (member, 3)))

    def detect(events, params=None):
        s = {ring_vote: 0.7, camouflage: 0.6, stranger: 0.6, clear: 0.3}
        finding = votes.Finding(detector=detector, score=0.7, event_ids=np.array([ring_vote]),
                                accounts=(member.pk,), targets=(0,), evidence="ring")
        return votes.Verdicts(event_suspicion=np.array([s[int(e)] for e in events.event_id]),
                              event_reasons=[() for _ in events.event_id], account_suspicion={},
                              findings=[finding])

    monkeypatch.setattr(integrity_scan.votes, "detect", detect)
    result = integrity_scan.scan(dry_run=True)
    held = [ring_vote, camouflage] if takes_other_votes else [ring_vote]
    assert result.held_event_ids == sorted(held)
    assert [(c["accounts"], c["events"]) for c in result.ring_cases] == [([member.pk], len(held))]
    assert result.invalidated_event_ids == []
