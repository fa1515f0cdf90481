"""Badges: criteria at their thresholds, idempotent granting, event-driven grants, backfill."""
import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from community import services as community_services
from community.models import Notification, Review
from core.errors import ServiceError
from gamification import badges
from gamification.models import ActivityDay, Badge, UserBadge
from gamification.services import points_award, points_reverse
from tests import factories

pytestmark = pytest.mark.django_db


def make_badge(criterion, params=None, slug=None, **kwargs):
    return Badge.objects.create(
        slug=slug or criterion.replace("_", "-"),
        name_zh=kwargs.pop("name_zh", "徽章"),
        name_en=kwargs.pop("name_en", "Badge"),
        criterion=criterion,
        params=params or {},
        **kwargs,
    )


def publish_reviews(author, n, *, photos=False, words=False):
    """n published rating reviews by ``author`` on n new products (the one-click path), or with
    ``words`` reviews with text (what helpful votes need)."""
    reviews = []
    for _ in range(n):
        if words:
            review = factories.review_with_words(author=author, product=factories.ProductFactory())
        else:
            review, _created = community_services.review_post(
                author=author, product=factories.ProductFactory(), rating=5
            )
        reviews.append(review)
    if photos:  # photo uploads go through screening; the criterion reads the published flag
        Review.objects.filter(pk__in=[r.pk for r in reviews]).update(has_photos=True)
    return reviews


def holds(user, badge):
    return UserBadge.objects.filter(user=user, badge=badge).exists()


# --- criteria at their thresholds (N-1: no, N: yes) -------------------------------------------------------


def test_reviews_with_photos_threshold(shopper):
    badge = make_badge("reviews_with_photos", {"n": 3})
    publish_reviews(shopper, 2, photos=True)
    publish_reviews(shopper, 2, photos=False)  # reviews without photos do not count
    assert badges.badges_check_user(user_id=shopper.pk) == []
    publish_reviews(shopper, 1, photos=True)
    assert [row.badge for row in badges.badges_check_user(user_id=shopper.pk)] == [badge]


def test_unpublished_reviews_do_not_count(shopper):
    badge = make_badge("reviews_published", {"n": 2})
    reviews = publish_reviews(shopper, 2)
    Review.objects.filter(pk=reviews[0].pk).update(status=Review.Status.REMOVED)
    badges.badges_check_user(user_id=shopper.pk)
    assert not holds(shopper, badge)


def test_helpful_votes_received_threshold(shopper):
    badge = make_badge("helpful_votes_received", {"n": 3})
    review = publish_reviews(shopper, 1, words=True)[0]
    voters = factories.UserFactory.create_batch(4)
    for voter in voters[:2]:
        community_services.review_vote_helpful(user=voter, review_id=review.pk, helpful=True)
    community_services.review_vote_helpful(user=voters[2], review_id=review.pk, helpful=False)  # not helpful: no
    badges.badges_check_user(user_id=shopper.pk)
    assert not holds(shopper, badge)
    community_services.review_vote_helpful(user=voters[3], review_id=review.pk, helpful=True)
    badges.badges_check_user(user_id=shopper.pk)
    assert holds(shopper, badge)


@pytest.mark.parametrize("criterion, action", [
    ("challenge_winner", "community.challenge.won"),
    ("idea_adopted", "community.idea.adopted"),
])
def test_ledger_criteria_threshold_and_reversal(shopper, criterion, action):
    badge = make_badge(criterion, {"n": 2})
    first = points_award(user_id=shopper.pk, amount=100, action=action, key=f"t:{action}:1")
    points_award(user_id=shopper.pk, amount=100, action=action, key=f"t:{action}:2")
    points_reverse(entry_id=first.pk, reason="test")  # a reversed win does not count
    badges.badges_check_user(user_id=shopper.pk)
    assert not holds(shopper, badge)
    points_award(user_id=shopper.pk, amount=100, action=action, key=f"t:{action}:3")
    badges.badges_check_user(user_id=shopper.pk)
    assert holds(shopper, badge)


def test_streak_threshold(shopper):
    badge = make_badge("streak_days", {"n": 3})
    today = timezone.localtime(timezone.now(), datetime.timezone(datetime.timedelta(hours=8))).date()
    for back in (1, 2):
        ActivityDay.objects.create(user=shopper, kind=ActivityDay.Kind.CONTRIBUTION, day=today - datetime.timedelta(days=back))
    badges.badges_check_user(user_id=shopper.pk)
    assert not holds(shopper, badge)
    ActivityDay.objects.create(user=shopper, kind=ActivityDay.Kind.CONTRIBUTION, day=today)
    badges.badges_check_user(user_id=shopper.pk)
    assert holds(shopper, badge)


def test_quality_author_counts_published_items_scored_at_least_q(shopper):
    badge = make_badge("quality_author", {"n": 2, "q": 80})
    reviews = publish_reviews(shopper, 3)
    badges.badges_check_user(user_id=shopper.pk)
    assert not holds(shopper, badge)  # ratings alone are never scored
    community_services.review_set_quality(review_id=reviews[0].pk, score=90)
    community_services.review_set_quality(review_id=reviews[1].pk, score=79)
    badges.badges_check_user(user_id=shopper.pk)
    assert not holds(shopper, badge)
    community_services.review_set_quality(review_id=reviews[1].pk, score=80)
    badges.badges_check_user(user_id=shopper.pk)
    assert holds(shopper, badge)


# --- granting -----------------------------------------------------------------------------------------------


def test_granting_is_idempotent_and_notifies_once(shopper):
    badge = make_badge("reviews_published", {"n": 1})
    assert badges.badge_grant(user_id=shopper.pk, badge=badge) is not None
    assert badges.badge_grant(user_id=shopper.pk, badge=badge) is None
    assert UserBadge.objects.filter(user=shopper, badge=badge).count() == 1
    notes = Notification.objects.filter(user=shopper, kind="gamification.badge.earned")
    assert notes.count() == 1
    assert notes.get().url == f"/badges/{badge.slug}/"


def test_review_published_event_grants_through_celery(shopper, django_capture_on_commit_callbacks):
    badge = make_badge("reviews_published", {"n": 1})
    helpful = make_badge("helpful_votes_received", {"n": 1}, slug="helpful-1")
    with django_capture_on_commit_callbacks(execute=True):
        review = publish_reviews(shopper, 1, words=True)[0]
    assert holds(shopper, badge) and not holds(shopper, helpful)
    with django_capture_on_commit_callbacks(execute=True):
        community_services.review_vote_helpful(user=factories.UserFactory(), review_id=review.pk, helpful=True)
    assert holds(shopper, helpful)
    assert Notification.objects.filter(user=shopper, kind="gamification.badge.earned").count() == 2


def test_inactive_badges_are_not_granted(shopper):
    badge = make_badge("reviews_published", {"n": 1}, is_active=False)
    publish_reviews(shopper, 1)
    badges.badges_check_user(user_id=shopper.pk)
    badges.badges_backfill()
    assert not holds(shopper, badge)


def test_backfill_grants_everyone_who_qualifies_once(db):
    badge = make_badge("reviews_published", {"n": 2})
    users = factories.UserFactory.create_batch(4)
    for i, user in enumerate(users):
        publish_reviews(user, i)  # 0, 1, 2, 3 reviews
    already = users[3]
    badges.badge_grant(user_id=already.pk, badge=badge)
    assert badges.badges_backfill() == {badge.slug: 1}
    assert set(UserBadge.objects.filter(badge=badge).values_list("user_id", flat=True)) == {users[2].pk, users[3].pk}
    assert badges.badges_backfill() == {badge.slug: 0}
    # The command runs the same service.
    call_command("gamification_backfill", "--badge", badge.slug)
    assert UserBadge.objects.filter(badge=badge).count() == 2
    assert Notification.objects.filter(user=users[2], kind="gamification.badge.earned").count() == 1


def test_criterion_parameters_are_validated():
    with pytest.raises(ServiceError) as exc:
        badges.badge_criterion_validate(criterion_code="nope", params={})
    assert exc.value.code == "criterion_unknown"
    with pytest.raises(ServiceError):
        badges.badge_criterion_validate(criterion_code="reviews_with_photos", params={"n": 0})
    with pytest.raises(ServiceError):
        badges.badge_criterion_validate(criterion_code="reviews_with_photos", params={"x": 1})
    assert badges.badge_criterion_validate(criterion_code="quality_author", params={"n": 5}) == {"n": 5, "q": 80}


def test_badges_for_users_is_one_query_and_cached(django_assert_num_queries):
    gold = make_badge("reviews_published", {"n": 1}, slug="gold", tier="gold", position=2)
    bronze = make_badge("reviews_published", {"n": 1}, slug="bronze", tier="bronze", position=1)
    users = factories.UserFactory.create_batch(3)
    for user in users[:2]:
        badges.badge_grant(user_id=user.pk, badge=bronze, notify=False)
        badges.badge_grant(user_id=user.pk, badge=gold, notify=False)
    with django_assert_num_queries(1):
        found = badges.badges_for_users([u.pk for u in users])
    assert found[users[0].pk] == [gold, bronze] and found[users[2].pk] == []
    with django_assert_num_queries(0):
        badges.badges_for_users([u.pk for u in users])
