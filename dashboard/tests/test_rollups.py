"""The incremental run equals a full rebuild, with late batches (seeded random), and is idempotent."""
import random
from datetime import date, timedelta

import pytest

from community.cocreation.models import EntryComment
from dashboard import rollups
from dashboard.models import DailyCount, DailyUser
from dashboard.tests.helpers import at, review, vote
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _snapshot():
    counts = sorted(DailyCount.objects.values_list("day", "brand_id", "category_id", "language", "metric", "value"))
    users = sorted(DailyUser.objects.values_list("day", "brand_id", "user_id", "joined", "actions", "deep",
                                                 "contributions"))
    return counts, users


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_full_rebuild_with_late_batches(seed):
    rng = random.Random(seed)
    products = [ProductFactory() for _ in range(3)]
    users = UserFactory.create_batch(8)
    reviews = []
    now = at(2026, 3, 1, 9)
    for batch in range(6):
        now += timedelta(hours=rng.randint(1, 30))
        for _ in range(rng.randint(1, 6)):
            # a late row: its time is up to 5 days before the run that first sees it
            when = now - timedelta(hours=rng.randint(0, 120), minutes=rng.randint(0, 59))
            author = rng.choice(users)
            product = rng.choice(products)
            if any(r.author_id == author.pk and r.product_id == product.pk for r in reviews):
                continue
            reviews.append(review(author, product, when, text=rng.choice(["", "Good lid, keeps heat."])))
        for _ in range(rng.randint(0, 5)):
            target, voter = rng.choice(reviews), rng.choice(users)
            if voter.pk != target.author_id and not target.votes.filter(user=voter).exists():
                vote(voter, target, now - timedelta(hours=rng.randint(0, 48)))
        if batch == 3 and reviews:  # an edit adds text to an old star-only review
            r = reviews[0]
            r.text, r.edited_at = "Now with words.", now
            r.save(update_fields=["text", "edited_at"])
        rollups.rollups_run(now=now)
    incremental = _snapshot()
    rollups.rollups_run(now=now)  # twice: nothing changes
    assert _snapshot() == incremental
    rollups.rollups_rebuild(since=date(2026, 2, 20), now=now)
    assert _snapshot() == incremental
    assert incremental[0]  # something was counted


def test_a_window_is_replaced_not_added_to():
    product, user = ProductFactory(), UserFactory()
    review(user, product, at(2026, 3, 3))
    for _ in range(3):
        rollups.recompute_day(date(2026, 3, 3))
    assert DailyCount.objects.get(metric="star").value == 1
    assert DailyUser.objects.filter(user_id=user.pk).count() == 2  # platform-wide and the brand's
    assert EntryComment.objects.count() == 0


def test_beat_runs_the_incremental_task_every_five_minutes(settings):
    from dashboard.tasks import rollups_reconcile, rollups_run
    entry = settings.CELERY_BEAT_SCHEDULE["dashboard-rollups-run"]
    assert entry["task"] == "dashboard.rollups_run" and entry["schedule"] <= 5 * 60
    assert settings.CELERY_BEAT_SCHEDULE["dashboard-rollups-reconcile-nightly"]["task"] == "dashboard.rollups_reconcile"
    product, user = ProductFactory(), UserFactory()
    review(user, product, at(2026, 3, 3))
    rollups_run.delay()
    assert DailyCount.objects.get(metric="star").value == 1
    rollups_reconcile.delay()
    assert DailyCount.objects.get(metric="star").value == 1
