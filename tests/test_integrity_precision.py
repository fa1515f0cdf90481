"""The integrity lines' precision on later human decisions (``moderation.integrity_precision``),
shown on the ops page: crafted ring cases, appeals and held reviews with known outcomes."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Review
from moderation import integrity_actions, integrity_precision, ring_review
from moderation import services as moderation_services
from moderation.models import Case
from tests import factories
from tests.challenge_helpers import make_challenge, old_user, published_entry
from tests.ring_helpers import ring_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_rules")]


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def second_moderator(db):
    from django.contrib.auth.models import Group

    user = factories.UserFactory()
    user.groups.add(Group.objects.get_or_create(name="moderators")[0])
    return user


def lines(days=30):
    rows = integrity_precision.threshold_precision(since=timezone.now() - timedelta(days=days))
    return {r["key"]: (r["confirmed"], r["n"], r["precision"]) for r in rows}


def lone_vote(callbacks):
    """One voter's vote for a fresh entry, invalidated by the scan (automatic)."""
    from community.cocreation import services
    from community.integrity.models import InteractionEvent

    voter = old_user(days=40)
    entry = published_entry(make_challenge(allow_overlap=True))
    with callbacks(execute=True):
        services.entry_vote_toggle(user=voter, entry_id=entry.pk)
    event = InteractionEvent.objects.get(actor=voter, action="entry_vote")
    with callbacks(execute=True):
        integrity_actions.invalidate([event.pk], detector="serial", score=0.9, evidence="x")
    return voter


def test_nothing_decided_yet_has_no_precision():
    assert lines() == {"invalidate": (0, 0, None), "ring_case": (0, 0, None), "review_hold": (0, 0, None)}


def test_each_line_counts_what_humans_later_decided(moderator, second_moderator, product, shopper,
                                                    django_capture_on_commit_callbacks):
    callbacks = django_capture_on_commit_callbacks
    with callbacks(execute=True):
        case, voters, _entries, events = ring_case(members=4)
    # The scan had invalidated three of the four votes on its own.
    with callbacks(execute=True):
        integrity_actions.invalidate([events[0].pk, events[1].pk, events[3].pk], detector="lockstep",
                                     score=0.9, evidence="x")
    # The moderator invalidates members 0 and 1 (confirming the scan twice) and clears 2 and 3
    # (restoring the scan's invalidation of 3: one overturned).
    with callbacks(execute=True):
        ring_review.decide_case(case, moderator=moderator, decision="partial",
                                member_ids=[voters[0].pk, voters[1].pk])
    assert lines()["invalidate"] == (2, 3, 2 / 3)
    assert lines()["ring_case"] == (2, 4, 0.5)

    # Two more automatic invalidations, each appealed: one rejected (confirmed), one upheld.
    for uphold in (False, True):
        voter = lone_vote(callbacks)
        appeal = ring_review.ring_appeal_create(user=voter, text="I voted myself")
        with callbacks(execute=True):
            ring_review.ring_appeal_decide(appeal_id=appeal.pk, moderator=moderator, uphold=uphold)
    assert lines()["invalidate"] == (3, 5, 0.6)

    # Two reviews held as fake: a moderator rejects one and approves the other; a third waits.
    held = []
    for _ in range(3):
        review = factories.review_with_words(author=factories.UserFactory(), product=product)
        Review.objects.filter(pk=review.pk).update(status=Review.Status.PUBLISHED)
        Case.objects.filter(content_type="review", object_id=review.pk).update(state=Case.State.APPROVED)
        held.append(moderation_services.case_hold_integrity(
            content_type="review", object_id=review.pk, author_id=review.author_id, score=0.8, reasons=["burst"]))
    moderation_services.case_decide(case_id=held[0].pk, moderator=moderator, approve=False, reason_code="fake")
    moderation_services.case_decide(case_id=held[1].pk, moderator=moderator, approve=True)
    assert lines()["review_hold"] == (1, 2, 0.5)
    # An ordinary decided case (never held by the scan) is not counted.
    other = factories.review_with_words(author=shopper, product=product)
    ordinary = Case.objects.get(content_type="review", object_id=other.pk)
    if ordinary.state == Case.State.QUEUED:
        moderation_services.case_decide(case_id=ordinary.pk, moderator=moderator, approve=False, reason_code="spam")
    assert lines()["review_hold"] == (1, 2, 0.5)

    # Decisions older than the window are left out.
    assert lines(days=0) == {"invalidate": (0, 0, None), "ring_case": (0, 0, None), "review_hold": (0, 0, None)}


def test_the_ops_page_shows_the_lines(client, moderator, django_capture_on_commit_callbacks, settings):
    settings.INTEGRITY_INVALIDATE_AT = 0.85
    with django_capture_on_commit_callbacks(execute=True):
        case, voters, _entries, _events = ring_case(members=3)
    with django_capture_on_commit_callbacks(execute=True):
        ring_review.decide_case(case, moderator=moderator, decision="partial", member_ids=[voters[0].pk])
    client.force_login(moderator)
    body = client.get(reverse("moderation:ops"), {"days": 7}).content.decode()
    assert 'id="integrity-lines"' in body
    row = body.split('data-line="ring_case"')[1].split("</tr>")[0]
    assert "INTEGRITY_REVIEW_AT" in row and "≥ 0.50" in row and "33.3%" in row and "(1/3)" in row
    row = body.split('data-line="invalidate"')[1].split("</tr>")[0]
    assert "≥ 0.85" in row and "—" in row
