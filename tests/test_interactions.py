"""One way to invalidate an interaction: every kind goes through community.interactions."""
import pytest

from community import interactions, services
from community.models import HelpfulVote
from core.errors import PermissionDeniedError, ServiceError
from gamification.models import PointsEntry, UserPoints
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_vote_kind_is_registered():
    assert interactions.interaction_kinds() == ["entry_vote", "helpful_vote", "poll_vote"]


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(ServiceError) as exc:
        interactions.interaction_invalidate(kind="like", interaction_id=1)
    assert exc.value.code == "kind_invalid"


def test_helpful_vote_invalidated_leaves_counts_reverses_points_and_is_frozen(
        product, shopper, other_shopper, django_capture_on_commit_callbacks):
    review = factories.review_with_words(author=shopper, product=product)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=True)
    review.refresh_from_db()
    assert review.helpful_count == 1
    earned = UserPoints.objects.get(user=shopper).total
    assert earned > 0
    vote = HelpfulVote.objects.get(review=review, user=other_shopper)
    with django_capture_on_commit_callbacks(execute=True):
        interactions.interaction_invalidate(kind="helpful_vote", interaction_id=vote.pk, reason="integrity.ring")
    with django_capture_on_commit_callbacks(execute=True):
        again = interactions.interaction_invalidate(kind="helpful_vote", interaction_id=vote.pk)  # idempotent
    assert again.invalid_reason == "integrity.ring"
    review.refresh_from_db()
    vote.refresh_from_db()
    assert (vote.valid, review.helpful_count, review.helpful_score) == (False, 0, 0.0)
    assert UserPoints.objects.get(user=shopper).total == 0
    reversed_ = PointsEntry.objects.filter(user=shopper, reverses__isnull=False)
    assert reversed_.count() == 1 and reversed_.get().reason == "integrity.ring"
    with pytest.raises(PermissionDeniedError):
        services.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=False)
