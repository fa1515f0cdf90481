"""Two moderators deciding one ring case at the same moment, on PostgreSQL: each thread has its
own connection and transaction, a barrier releases them together. The case row is locked
(``select_for_update``), so exactly one decision applies and the other is told it was taken."""
import pytest
from django.contrib.auth.models import Group

from community.cocreation.models import Entry
from core.errors import ServiceError
from gamification.ledger import ledger_verify
from moderation import ring_review
from moderation.models import Event, RingCase
from tests import factories
from tests.ring_helpers import VOTE_POINTS, points, ring_case
from tests.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("default_rules")]


def _moderators(n):
    group = Group.objects.get_or_create(name="moderators")[0]
    users = [factories.UserFactory() for _ in range(n)]
    for u in users:
        u.groups.add(group)
    return users


@pytest.mark.parametrize("decisions", [("invalidate_all", "clear_all"), ("invalidate_all", "invalidate_all")])
def test_two_moderators_deciding_at_once_apply_one_decision(decisions):
    case, voters, entries, _events = ring_case(members=5, entries=2)
    assert [Entry.objects.get(pk=e.pk).vote_count for e in entries] == [5, 5]
    mods = _moderators(2)
    _results, errors = run_together([
        lambda m=m, d=d: ring_review.decide_case(case, decision=d, moderator=m) for m, d in zip(mods, decisions)
    ])
    assert sum(e is None for e in errors) == 1, errors
    loser = next(e for e in errors if e is not None)
    assert isinstance(loser, ServiceError) and loser.code == "already_decided"
    case.refresh_from_db()
    winner = decisions[errors.index(None)]
    assert case.status == "decided" and case.decision == winner and case.decided_by == mods[errors.index(None)]
    assert Event.objects.filter(content_type="ring_case", object_id=case.pk).count() == 1
    expected_votes = 0 if winner == "invalidate_all" else 5
    assert [Entry.objects.get(pk=e.pk).vote_count for e in entries] == [expected_votes] * 2
    assert [points(v) for v in voters] == [(2 if expected_votes else 0) * VOTE_POINTS] * 5
    assert RingCase.objects.filter(pk=case.pk, status="decided").count() == 1
    report = ledger_verify()
    assert not report["broken"] and not report["totals"], report


def test_two_moderators_deciding_one_appeal_at_once_restore_once():
    case, voters, entries, _events = ring_case(members=3)
    first, *others = _moderators(3)
    ring_review.decide_case(case, decision="invalidate_all", moderator=first)
    appeal = ring_review.ring_appeal_create(user=voters[0], text="genuine")
    _results, errors = run_together([
        lambda m=m: ring_review.ring_appeal_decide(appeal_id=appeal.pk, moderator=m, uphold=True) for m in others
    ])
    assert sum(e is None for e in errors) == 1, errors
    assert Entry.objects.get(pk=entries[0].pk).vote_count == 1
    assert points(voters[0]) == VOTE_POINTS
    report = ledger_verify()
    assert not report["broken"] and not report["totals"], report
