"""Community's domain signals -> gamification tasks -> ledger, end to end through community.services."""
import pytest

from community import services as community
from gamification.models import ActivityDay, PointsEntry, Rule, UserPoints
from gamification.selectors import user_points
from tests import factories

pytestmark = pytest.mark.django_db


def _rule(action):
    return Rule.objects.get(action=action).points


def test_one_click_rating_earns_points_once(shopper, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review, created = community.review_post(author=shopper, product=product, rating=5)
    assert created and review.status == "published"
    rows = PointsEntry.objects.filter(user=shopper)
    assert [(r.action, r.amount, r.source_id) for r in rows] == [("community.review.rated", _rule("community.review.rated"), review.pk)]
    assert ActivityDay.objects.filter(user=shopper, kind="contribution").count() == 1
    # Changing the rating re-saves the review but is no new publication: no new points.
    with django_capture_on_commit_callbacks(execute=True):
        community.review_post(author=shopper, product=product, rating=4)
    assert rows.count() == 1


def test_review_with_text_earns_content_points_pending(shopper, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = community.review_post(author=shopper, product=product, rating=5,
                                          text="用了两个星期，续航很好，做工扎实，颜色和图片一致。")
    review.refresh_from_db()
    if review.status != "published":  # screening held it for a moderator: publish as they would
        with django_capture_on_commit_callbacks(execute=True):
            community.review_moderate(review_id=review.pk, status="published")
    actions = set(PointsEntry.objects.filter(user=shopper).values_list("action", flat=True))
    assert actions == {"community.review.rated", "community.review.content"}
    content = PointsEntry.objects.get(user=shopper, action="community.review.content")
    assert content.vests_at is not None
    assert user_points(shopper.pk)["pending"] == content.amount


def test_removal_reverses_and_pending_rescreen_does_not(shopper, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = community.review_post(author=shopper, product=product, rating=5)
    with django_capture_on_commit_callbacks(execute=True):
        community.review_moderate(review_id=review.pk, status="pending")
    assert UserPoints.objects.get(user=shopper).total == _rule("community.review.rated")
    with django_capture_on_commit_callbacks(execute=True):
        community.review_moderate(review_id=review.pk, status="published")
    assert PointsEntry.objects.filter(user=shopper).count() == 1  # re-publication after an edit: no double award
    with django_capture_on_commit_callbacks(execute=True):
        community.review_moderate(review_id=review.pk, status="removed", reason="spam")
    assert UserPoints.objects.get(user=shopper).total == 0
    rev = PointsEntry.objects.get(user=shopper, reverses__isnull=False)
    assert rev.reason == "community.review.removed"
    # Reinstated (e.g. an appeal upheld): earns again, once.
    with django_capture_on_commit_callbacks(execute=True):
        community.review_moderate(review_id=review.pk, status="published")
    assert UserPoints.objects.get(user=shopper).total == _rule("community.review.rated")


def test_helpful_vote_rewards_author_more_than_voter_and_withdrawal_reverses(
    shopper, other_shopper, product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review = factories.review_with_words(author=shopper, product=product)
    base = UserPoints.objects.get(user=shopper).total
    with django_capture_on_commit_callbacks(execute=True):
        community.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=True)
    author_gain = UserPoints.objects.get(user=shopper).total - base
    voter_gain = UserPoints.objects.get(user=other_shopper).total
    assert author_gain == _rule("community.review.helpful_received")
    assert voter_gain == _rule("community.review.vote_cast") and author_gain > voter_gain
    with django_capture_on_commit_callbacks(execute=True):
        community.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=False)
    assert UserPoints.objects.get(user=shopper).total == base  # flipped: the author's award is reversed
    assert UserPoints.objects.get(user=other_shopper).total == voter_gain  # still voted
    with django_capture_on_commit_callbacks(execute=True):
        community.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=None)
    assert UserPoints.objects.get(user=other_shopper).total == 0


def test_votes_cast_are_capped(shopper, product, django_capture_on_commit_callbacks):
    cap = Rule.objects.get(action="community.review.vote_cast").daily_cap_count
    for _ in range(cap + 3):
        author = factories.UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            review = factories.review_with_words(author=author, product=product, rating=4)
        with django_capture_on_commit_callbacks(execute=True):
            community.review_vote_helpful(user=shopper, review_id=review.pk, helpful=True)
    assert PointsEntry.objects.filter(user=shopper, action="community.review.vote_cast").count() == cap


def test_community_does_not_import_gamification_models():
    import pathlib

    for path in pathlib.Path("community").rglob("*.py"):
        text = path.read_text()
        assert "gamification.models" not in text and "from gamification import models" not in text, path


def test_trusted_author_publishes_first_and_a_later_rejection_reverses(product, django_capture_on_commit_callbacks):
    from gamification.models import PrivilegeGrant
    from gamification.privileges import user_can

    author = factories.UserFactory()
    UserPoints.objects.create(user=author, level=PrivilegeGrant.objects.get(privilege="skip_premoderation").min_level)
    assert user_can(type(author).objects.get(pk=author.pk), "skip_premoderation")
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = community.review_post(author=type(author).objects.get(pk=author.pk), product=product, rating=5,
                                          text="质量不错，用了一个月没有问题，推荐购买。")
    earned = UserPoints.objects.get(user=author).total
    assert earned >= _rule("community.review.rated") + _rule("community.review.content") // 2
    with django_capture_on_commit_callbacks(execute=True):
        community.review_moderate(review_id=review.pk, status="rejected", reason="ads")
    row = UserPoints.objects.get(user=author)
    assert (row.total, row.spendable, row.pending) == (0, 0, 0)
    assert set(PointsEntry.objects.filter(user=author, reverses__isnull=False).values_list("reason", flat=True)) == {
        "community.review.rejected"
    }


def test_vesting_is_scheduled_and_tasks_are_registered():
    from django.conf import settings

    from config.celery import app

    assert settings.CELERY_BEAT_SCHEDULE["gamification-points-vest-due"]["task"] == "gamification.points_vest_due"
    for name in ("gamification.points_vest_due", "gamification.review_points_settle",
                 "gamification.review_points_revoke", "gamification.helpful_vote_points_settle"):
        assert name in app.tasks


def test_fraudulent_vote_points_are_reversed(shopper, other_shopper, product, django_capture_on_commit_callbacks):
    from community.interactions import interaction_invalidate
    from community.models import HelpfulVote

    with django_capture_on_commit_callbacks(execute=True):
        review = factories.review_with_words(author=shopper, product=product)
    with django_capture_on_commit_callbacks(execute=True):
        community.review_vote_helpful(user=other_shopper, review_id=review.pk, helpful=True)
    assert UserPoints.objects.get(user=other_shopper).total > 0
    vote = HelpfulVote.objects.get(review=review, user=other_shopper)
    with django_capture_on_commit_callbacks(execute=True):
        interaction_invalidate(kind="helpful_vote", interaction_id=vote.pk)
    reversals = PointsEntry.objects.filter(reverses__isnull=False, reason="gamification.fraud")
    assert {r.user_id for r in reversals} == {shopper.pk, other_shopper.pk}
    assert UserPoints.objects.get(user=shopper).total == (
        _rule("community.review.rated") + _rule("community.review.content")
    )
    assert UserPoints.objects.get(user=other_shopper).total == 0
    with django_capture_on_commit_callbacks(execute=True):
        interaction_invalidate(kind="helpful_vote", interaction_id=vote.pk)  # idempotent
    assert PointsEntry.objects.filter(reverses__isnull=False).count() == 2