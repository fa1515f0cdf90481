"""The statements of one vote's settlement (issue 16: a settled pair cost about as much worker CPU as
the vote itself, most of it the ORM building statements that locked the same ledger row three times)."""
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.cocreation import services as cocreation_services
from gamification import ledger, services
from gamification.models import PointsEntry
from tests.challenge_helpers import make_challenge, old_user, published_entry
from tests.test_vote_settle import standing


@pytest.mark.django_db
def test_settling_a_vote_locks_the_ledger_once(default_rules, django_capture_on_commit_callbacks):
    """The settlement works under the voter's lock it took first: no second lock, no savepoint
    per nested service and no repeated key check (an award took 19 statements and a reversal 16)."""
    challenge = make_challenge(allow_overlap=True, votes_per_user=5)
    entry, other, voter = published_entry(challenge), published_entry(challenge), old_user()
    with django_capture_on_commit_callbacks(execute=False):  # settled by hand below
        cocreation_services.entry_vote_toggle(user=voter, entry_id=other.pk)
        cocreation_services.entry_vote_toggle(user=voter, entry_id=entry.pk)
    services.entry_vote_points_settle(entry_id=other.pk, voter_id=voter.pk)  # the voter's ledger row exists

    def statements(call):
        with CaptureQueriesContext(connection) as queries:
            call()
        return [q["sql"].split()[0].upper() for q in queries.captured_queries]

    settle = partial(services.entry_vote_points_settle, entry_id=entry.pk, voter_id=voter.pk)
    # The settlement's own transaction (a savepoint inside the test's), the lock, the vote, the
    # rule, the key, the row (its insert in a savepoint of its own: a concurrent key is an
    # answer, not an error), the sums.
    assert statements(settle) == ["SAVEPOINT", "SELECT", "SELECT", "SELECT", "SELECT", "SAVEPOINT", "INSERT",
                                  "RELEASE", "UPDATE", "RELEASE"]
    assert standing(entry.pk, voter.pk) == 1
    assert statements(settle) == ["SAVEPOINT", "SELECT", "SELECT", "SELECT", "SELECT", "RELEASE"]  # stands
    with django_capture_on_commit_callbacks(execute=False):
        cocreation_services.entry_vote_toggle(user=voter, entry_id=entry.pk)  # withdrawn
    # The lock, the vote (none), the standing award, whether it was reversed, the reversing row, the sums.
    assert statements(settle) == ["SAVEPOINT", "SELECT", "SELECT", "SELECT", "SELECT", "SAVEPOINT", "INSERT",
                                  "RELEASE", "UPDATE", "RELEASE"]
    assert standing(entry.pk, voter.pk) == 0
    assert PointsEntry.objects.filter(user=voter).count() == 3
    assert ledger.ledger_verify()["broken"] == [] and ledger.ledger_verify()["totals"] == []
