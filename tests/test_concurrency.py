"""Real concurrent writers against PostgreSQL: each thread has its own connection and
its own transaction, and a barrier releases them together.

SQLite serialises whole-database writes, so these only mean something on PostgreSQL.
"""
import threading
from collections import Counter

import pytest
from django.db import connection

from core.stats import wilson_lower_bound
from community import services
from community.models import HelpfulVote, Review
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(calls, timeout=60):
    """Run each zero-argument callable in its own thread, all released at once.

    Returns (results, errors) in call order; a thread that raised leaves its
    exception in ``errors`` instead of killing the run.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=timeout)
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors[i] = exc
        finally:
            connection.close()  # this thread's own connection; the test DB cannot be dropped while it is open

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results, errors


def test_concurrent_helpful_votes_count_once_each(product):
    author = factories.UserFactory()
    review, _ = services.review_post(author=author, product=product, rating=5, text="耐用，做工扎实")
    voters = [factories.UserFactory() for _ in range(30)]
    repeat_voter = factories.UserFactory()
    undecided = factories.UserFactory()

    calls = [lambda u=u: services.review_vote_helpful(user=u, review_id=review.pk, helpful=True) for u in voters]
    calls += [lambda: services.review_vote_helpful(user=repeat_voter, review_id=review.pk, helpful=True)] * 10
    # One voter changes their mind back and forth while everyone else votes.
    calls += [
        lambda h=h: services.review_vote_helpful(user=undecided, review_id=review.pk, helpful=h)
        for h in [True, False] * 5
    ]
    _results, errors = run_together(calls)

    assert [e for e in errors if e is not None] == []
    rows = HelpfulVote.objects.filter(review=review)
    per_user = Counter(rows.values_list("user_id", flat=True))
    assert max(per_user.values()) == 1, "a user has two vote rows"
    assert set(per_user) == {u.pk for u in voters} | {repeat_voter.pk, undecided.pk}

    review.refresh_from_db()
    up = rows.filter(helpful=True).count()
    down = rows.filter(helpful=False).count()
    assert up + down == 32
    assert (review.helpful_count, review.not_helpful_count) == (up, down)
    assert review.helpful_score == wilson_lower_bound(up, up + down)
    assert up >= 31  # 30 voters + the repeat voter; the undecided one is either way


def test_concurrent_votes_are_serialised_on_the_review(product):
    """With the review row locked, each vote's transaction sees every vote committed before
    it, so the counts the calls return are exactly 1..n, each once. Without the lock two
    transactions would count the same committed rows and return the same number."""
    review, _ = services.review_post(author=factories.UserFactory(), product=product, rating=4, text="好用")
    voters = [factories.UserFactory() for _ in range(40)]
    calls = [lambda u=u: services.review_vote_helpful(user=u, review_id=review.pk, helpful=True) for u in voters]
    results, errors = run_together(calls)

    assert [e for e in errors if e is not None] == []
    assert sorted(r.helpful_count for r in results) == list(range(1, len(voters) + 1))
    review.refresh_from_db()
    assert review.helpful_count == HelpfulVote.objects.filter(review=review).count() == len(voters)


def test_concurrent_votes_on_many_reviews_do_not_deadlock(product):
    """Voters hitting several reviews in opposite orders: each call locks only its own review."""
    reviews = [
        services.review_post(author=factories.UserFactory(), product=product, rating=4, text=f"第{i}条")[0]
        for i in range(3)
    ]
    voters = [factories.UserFactory() for _ in range(8)]

    def vote_all(user, order):
        for r in order:
            services.review_vote_helpful(user=user, review_id=r.pk, helpful=True)

    calls = [lambda u=u, i=i: vote_all(u, reviews if i % 2 else reviews[::-1]) for i, u in enumerate(voters)]
    _results, errors = run_together(calls)

    assert [e for e in errors if e is not None] == []
    for r in reviews:
        r.refresh_from_db()
        assert r.helpful_count == HelpfulVote.objects.filter(review=r, helpful=True).count() == len(voters)


def test_concurrent_first_review_by_one_user_makes_one_row(shopper, product):
    """Ten double-clicks of 'post' at once: one review, the race is absorbed, no error leaks."""
    calls = [
        lambda i=i: services.review_post(author=shopper, product=product, rating=1 + i % 5, text=f"第{i}次提交，很好用")
        for i in range(10)
    ]
    results, errors = run_together(calls)

    assert [e for e in errors if e is not None] == []
    reviews = Review.objects.filter(author=shopper, product=product)
    assert reviews.count() == 1
    review = reviews.get()
    assert sum(created for _r, created in results) == 1, "exactly one call created the review"
    assert {r.pk for r, _created in results} == {review.pk}
    # The row holds one of the submitted versions, whole (rating and text from the same call).
    submitted = {(1 + i % 5, f"第{i}次提交，很好用") for i in range(10)}
    assert (review.rating, review.text) in submitted
    assert review.status == Review.Status.PUBLISHED
    product.refresh_from_db()
    assert product.rating_count == 1


def test_concurrent_reviews_by_different_users_all_land(product):
    users = [factories.UserFactory() for _ in range(12)]
    calls = [lambda u=u: services.review_post(author=u, product=product, rating=5) for u in users]
    results, errors = run_together(calls)

    assert [e for e in errors if e is not None] == []
    assert all(created for _r, created in results)
    assert Review.objects.filter(product=product).count() == len(users)
    assert len({r.pk for r, _created in results}) == len(users)
