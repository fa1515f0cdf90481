"""Challenge vote limits under real concurrency on PostgreSQL: each thread has its own
connection and transaction, a barrier releases them together."""
import pytest

from community.cocreation import services
from core.errors import ServiceError
from community.cocreation.models import Entry, EntryVote
from gamification.models import UserPoints
from tests.challenge_helpers import make_challenge, old_user, published_entry
from tests.test_concurrency import run_together

# default_rules: the Rules the data migrations load (they decide every vote's point); an earlier
# transactional test's flush drops them.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("default_rules")]
VOTE_POINTS = 1  # gamification's rule "community.entry.vote_cast" (migration 0003)


def test_fifty_distinct_voters_on_one_entry_count_fifty():
    challenge = make_challenge(allow_overlap=True)
    entry = published_entry(challenge)
    voters = [old_user() for _ in range(50)]
    results, errors = run_together(
        [lambda v=v: services.entry_vote_toggle(user=v, entry_id=entry.pk) for v in voters]
    )
    assert errors == [None] * 50
    entry.refresh_from_db()
    assert entry.vote_count == 50 == EntryVote.objects.filter(entry=entry, valid=True).count()
    assert services.counters_rebuild_challenges() == 0
    assert sum(UserPoints.objects.filter(user__in=voters).values_list("total", flat=True)) == 50 * VOTE_POINTS


def test_one_user_firing_twenty_votes_against_a_limit_of_three_gets_three():
    challenge = make_challenge(allow_overlap=True, votes_per_user=3)
    entries = [published_entry(challenge) for _ in range(20)]
    voter = old_user()
    results, errors = run_together(
        [lambda e=e: services.entry_vote_toggle(user=voter, entry_id=e.pk) for e in entries]
    )
    assert EntryVote.objects.filter(user=voter, challenge=challenge).count() == 3
    assert sum(1 for r in results if r is not None) == 3
    assert all(isinstance(e, ServiceError) and e.code == "vote_limit" for e in errors if e is not None)
    assert sum(Entry.objects.filter(challenge=challenge).values_list("vote_count", flat=True)) == 3
    assert UserPoints.objects.get(user=voter).total == 3 * VOTE_POINTS


def test_same_vote_tapped_twice_at_once_ends_consistent():
    challenge = make_challenge(allow_overlap=True)
    entry = published_entry(challenge)
    voter = old_user()
    run_together([lambda: services.entry_vote_toggle(user=voter, entry_id=entry.pk) for _ in range(2)])
    entry.refresh_from_db()
    rows = EntryVote.objects.filter(entry=entry).count()
    assert entry.vote_count == rows and rows in (0, 1)
    assert UserPoints.objects.get(user=voter).total == rows * VOTE_POINTS


def test_invalidations_racing_withdrawals_neither_deadlock_nor_drift():
    """Both take the voter's participant lock first and move the entry's counter last."""
    challenge = make_challenge(allow_overlap=True)
    entry = published_entry(challenge)
    voters = [old_user() for _ in range(10)]
    for v in voters:
        services.entry_vote_toggle(user=v, entry_id=entry.pk)
    votes = {v.pk: EntryVote.objects.get(user=v).pk for v in voters}
    calls = [lambda v=v: services.entry_vote_withdraw(user=v, entry_id=entry.pk) for v in voters]
    calls += [lambda v=v: services.entry_vote_invalidate(vote_id=votes[v.pk]) for v in voters]
    _results, errors = run_together(calls)
    assert all(e is None or (isinstance(e, ServiceError) and e.code == "vote_invalid") for e in errors), errors
    entry.refresh_from_db()
    assert entry.vote_count == 0 == EntryVote.objects.filter(entry=entry, valid=True).count()
    assert services.counters_rebuild_challenges() == 0
    assert all(UserPoints.objects.get(user=v).total == 0 for v in voters)  # withdrawn or invalidated: reversed once
