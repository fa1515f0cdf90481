"""Account deletion racing the person's own writes, on PostgreSQL with real threads: the
erasure holds the account's row lock, so a review or vote either commits first (and is
erased with the rest) or finds the account closed. Nothing is lost, nothing is orphaned,
counts and the ledger stay right."""
from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.counters import counters_rebuild
from community.models import HelpfulVote, Review
from community.privacy import services as privacy_services
from core.errors import ServiceError
from gamification.ledger import ledger_verify
from tests import factories
from tests.privacy_helpers import PASSWORD
from tests.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _due_deletion(user, *, keep_content):
    past = timezone.now() - timedelta(days=8)
    return privacy_services.deletion_request(user=user, password=PASSWORD, keep_content=keep_content, now=past)


@pytest.mark.parametrize("round_", range(4))
def test_deletion_racing_a_vote_and_a_review_post_loses_nothing_and_leaves_no_orphan(default_rules, round_):
    brand = factories.BrandFactory()
    product, second = factories.ProductFactory(brand=brand), factories.ProductFactory(brand=brand)
    leaving, voter, other = factories.UserFactory(), factories.UserFactory(), factories.UserFactory()
    # reviews with words (a rating alone cannot be voted helpful), published before the race
    own = factories.review_with_words(author=leaving, product=product, rating=4)
    theirs = factories.review_with_words(author=other, product=second, rating=5)
    request = _due_deletion(leaving, keep_content=False)

    calls = [
        lambda: privacy_services.account_erase(request_id=request.pk),
        lambda: services.review_post(author=leaving, product=second, rating=2, text="Posted while leaving"),
        lambda: services.review_vote_helpful(user=leaving, review_id=theirs.pk, helpful=True),
        lambda: services.review_vote_helpful(user=voter, review_id=own.pk, helpful=True),
    ]
    if round_ % 2:
        calls.reverse()
    _results, errors = run_together(calls)

    # Each write either committed or was refused with a clear error: no crash, no deadlock.
    for error in errors:
        assert error is None or (isinstance(error, ServiceError) and error.code in {"account_closed", "not_found", "not_published"}), error
    request.refresh_from_db()
    leaving.refresh_from_db()
    assert request.status == "done" and leaving.is_erased
    # Nothing of the person's content survives the removal, whichever write came first.
    for review in Review.objects.filter(author=leaving):
        assert review.status == "removed" and review.text == "", review.pk
    # A vote that got in is kept (a count on someone else's review), and counts equal rows.
    theirs.refresh_from_db()
    assert theirs.helpful_count == HelpfulVote.objects.filter(review=theirs, valid=True, helpful=True).count()
    own.refresh_from_db()
    assert own.helpful_count == HelpfulVote.objects.filter(review=own, valid=True, helpful=True).count()
    # No orphans: every vote points at an existing review by an existing account.
    assert not HelpfulVote.objects.exclude(review__in=Review.objects.all()).exists()
    assert counters_rebuild() == 0
    report = ledger_verify()
    assert report["broken"] == [] and report["totals"] == []


def test_two_deletion_runs_at_once_erase_once(default_rules):
    user = factories.UserFactory()
    product = factories.ProductFactory()
    services.review_post(author=user, product=product, rating=5)
    request = _due_deletion(user, keep_content=True)
    results, errors = run_together([lambda: privacy_services.account_erase(request_id=request.pk)] * 3)
    assert errors == [None, None, None]
    assert sorted(r > 0 for r in results) == [False, False, True]
    request.refresh_from_db()
    assert request.status == "done"
