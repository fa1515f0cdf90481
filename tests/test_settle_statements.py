"""The statements of one vote's settlement (issue 16: a settled pair cost about as much worker CPU as
the vote itself, most of it the ORM building statements that locked the same ledger row three times)."""
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import services as community_services
from community.cocreation import services as cocreation_services
from gamification import ledger, services
from gamification.models import PointsEntry
from tests import factories
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
        sql = [q["sql"] for q in queries.captured_queries]
        if connection.vendor == "postgresql":  # the first read is the ledger's lock (SQLite has none)
            assert "FOR UPDATE" in sql[1], sql[1]
        return [q.split()[0].upper() for q in sql]

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


@pytest.mark.django_db
def test_a_helpful_vote_settles_two_ledgers_under_their_locks(shopper, other_shopper, product,
                                                              django_capture_on_commit_callbacks):
    """The author's and the voter's award, then their reversals, each written through the row its
    lock read: both chains stay whole, even when an award under the author's key sits on the
    voter's ledger (no writer puts one there; a reversal through a second copy of the voter's row
    would have left the copy the voter's next write chains from behind)."""
    with django_capture_on_commit_callbacks(execute=True):
        review = factories.review_with_words(author=shopper, product=product)
    with django_capture_on_commit_callbacks(execute=False):  # settled by hand below
        community_services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=True)
    result = services.helpful_vote_points_settle(review_id=review.pk, voter_id=other_shopper.pk)
    assert result["author"].user_id == shopper.pk and result["voter"].user_id == other_shopper.pk
    with django_capture_on_commit_callbacks(execute=False):
        community_services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=False)
    result = services.helpful_vote_points_settle(review_id=review.pk, voter_id=other_shopper.pk)
    assert result["author"].reverses_id is not None and result["voter"] is None  # flipped: the voter still voted
    stray = services.points_award(user_id=other_shopper.pk, amount=3, action="test.stray",
                                  key=f"vote.helpful:{review.pk}:{other_shopper.pk}#1")
    with django_capture_on_commit_callbacks(execute=False):
        community_services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=None)
    result = services.helpful_vote_points_settle(review_id=review.pk, voter_id=other_shopper.pk)
    assert result["author"].reverses_id == stray.pk and result["voter"].user_id == other_shopper.pk
    verified = ledger.ledger_verify()
    assert verified["broken"] == [] and verified["totals"] == []
