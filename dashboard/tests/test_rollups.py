"""The incremental run equals a full rebuild, with late batches (seeded random), today's hour
windows and day rollovers at Asia/Shanghai midnight, and is idempotent."""
import random
from datetime import date, timedelta

import pytest

from community.cocreation.models import EntryComment
from dashboard import kpis, privacy, rollups
from dashboard.models import DAY, DailyCount, DailyUser
from dashboard.tests.helpers import at, review, vote
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _snapshot():
    counts = sorted(DailyCount.objects.values_list("day", "hour", "brand_id", "category_id", "language", "metric",
                                                   "value"))
    users = sorted(DailyUser.objects.values_list("day", "hour", "brand_id", "user_id", "joined", "actions", "deep",
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


def _rebuilt(now, since):
    """The rows a full rebuild writes at ``now``, leaving the incremental rows in place after."""
    incremental = _snapshot()
    rollups.rollups_rebuild(since=since, now=now)
    rebuilt = _snapshot()
    return incremental, rebuilt


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_hourly_incremental_equals_full_rebuild_across_hours_late_rows_and_midnight(seed):
    """Runs every 5-95 minutes from 21:00 on 1 March to 14:00 on 3 March (Shanghai), two
    midnights crossed; rows land in the current hour, earlier hours of today (late), the minute
    either side of midnight and older days (late). At checkpoints inside an open day and at the
    end, the incremental rows (today in hours, older days whole) equal a full rebuild's."""
    rng = random.Random(seed)
    products = [ProductFactory() for _ in range(3)]
    users = UserFactory.create_batch(10)
    reviews = []
    now = at(2026, 3, 1, 21)
    end = at(2026, 3, 3, 14)
    checks = 0

    def add_review(when):
        author, product = rng.choice(users), rng.choice(products)
        if not any(r.author_id == author.pk and r.product_id == product.pk for r in reviews):
            reviews.append(review(author, product, when, text=rng.choice(["", "Good lid, keeps heat."])))

    def add_vote(when):
        if reviews:
            target, voter = rng.choice(reviews), rng.choice(users)
            if voter.pk != target.author_id and not target.votes.filter(user=voter).exists():
                vote(voter, target, when)

    while now < end:
        step = timedelta(minutes=rng.choice([5, 5, 5, 35, 95]))
        for _ in range(rng.randint(0, 3)):  # the current five minutes
            add_review(now + timedelta(seconds=rng.randint(0, int(step.total_seconds()) - 1)))
        now += step
        kind = rng.random()
        if kind < 0.3:  # late: an earlier hour of today (or yesterday's last hours)
            add_vote(now - timedelta(minutes=rng.randint(60, 300)))
        elif kind < 0.4:  # late: an older, closed day
            add_review(now - timedelta(days=rng.randint(1, 2), minutes=rng.randint(0, 600)))
        elif kind < 0.5:  # either side of midnight
            midnight = rollups.day_bounds(rollups.site_day(now))[0]
            add_vote(midnight - timedelta(seconds=1) if rng.random() < 0.5 else midnight)
        rollups.rollups_run(now=now)
        if rng.random() < 0.08 or now >= end:
            incremental, rebuilt = _rebuilt(now, date(2026, 2, 25))
            assert incremental == rebuilt
            assert not DailyCount.objects.filter(day__lt=rollups.site_day(now)).exclude(hour=DAY).exists()
            assert not DailyCount.objects.filter(day=rollups.site_day(now), hour=DAY).exists()
            checks += 1
    rollups.rollups_run(now=now)  # twice: nothing changes
    assert _rebuilt(now, date(2026, 2, 25)) == (_snapshot(), _snapshot())
    assert checks >= 1
    assert DailyCount.objects.filter(day=date(2026, 3, 3)).exclude(hour=DAY).exists()  # today in hours


def test_a_five_minute_run_recomputes_only_the_hours_touched():
    product, a, b, c = ProductFactory(), UserFactory(), UserFactory(), UserFactory()
    target = review(a, product, at(2026, 3, 1), text="Keeps tea hot.")
    rollups.rollups_run(now=at(2026, 3, 10, 10, 10))
    vote(b, target, at(2026, 3, 10, 10, 12))
    assert rollups.rollups_run(now=at(2026, 3, 10, 10, 15)) == [(date(2026, 3, 10), 10)]
    vote(c, target, at(2026, 3, 10, 7, 30))  # late rows: an earlier hour of today, and an older day
    review(c, ProductFactory(), at(2026, 3, 7, 23, 59))
    assert rollups.rollups_run(now=at(2026, 3, 10, 10, 20)) == [
        (date(2026, 3, 7), DAY), (date(2026, 3, 10), 7), (date(2026, 3, 10), 10)]
    # the first run of an hour also redoes the last (2 minutes' slack for late commits)
    assert rollups.rollups_run(now=at(2026, 3, 10, 11, 1)) == [(date(2026, 3, 10), 10), (date(2026, 3, 10), 11)]
    hours = dict(DailyCount.objects.filter(day=date(2026, 3, 10), metric="helpful_vote")
                 .values_list("hour", "value"))  # one brand: one row per hour
    assert hours == {7: 1, 10: 1}


def test_the_day_closes_at_shanghai_midnight_and_its_users_stay_exact():
    product, a, b = ProductFactory(), UserFactory(), UserFactory()
    first = review(a, product, at(2026, 3, 9, 9), text="Sturdy lid.")
    vote(b, first, at(2026, 3, 9, 9, 10))
    vote(b, review(UserFactory(), product, at(2026, 3, 9, 14)), at(2026, 3, 9, 23, 59))  # b: two hours
    rollups.rollups_run(now=at(2026, 3, 9, 23, 59))
    assert DailyUser.objects.filter(day=date(2026, 3, 9), brand_id=0, user_id=b.pk).count() == 2  # per hour
    data = kpis.dashboard_data(start=date(2026, 3, 9), end=date(2026, 3, 9))
    assert next(k for k in data["kpis"] if k["key"] == "active_users")["value"] == 3  # a, b, the other author
    assert [d["actions"] for d in privacy._days(b)] == [2]  # the export sums a day's hours
    vote(a, review(UserFactory(), product, at(2026, 3, 10, 0, 1)), at(2026, 3, 10, 0, 1))
    assert rollups.rollups_run(now=at(2026, 3, 10, 0, 3)) == [(date(2026, 3, 9), DAY), (date(2026, 3, 10), 0)]
    assert set(DailyUser.objects.filter(day=date(2026, 3, 9)).values_list("hour", flat=True)) == {DAY}
    assert DailyUser.objects.get(day=date(2026, 3, 9), brand_id=0, user_id=b.pk).actions == 2
    data = kpis.dashboard_data(start=date(2026, 3, 9), end=date(2026, 3, 10))
    assert next(k for k in data["kpis"] if k["key"] == "active_users")["active"] == 4
    assert privacy._erase(b, keep_content=False) == 2  # the closed day, platform-wide and the brand's


def test_a_day_row_of_today_goes_back_to_hours():
    """Rows written before hourly windows (today as one day row) are replaced on the next run."""
    product, user = ProductFactory(), UserFactory()
    review(user, product, at(2026, 3, 10, 8))
    review(UserFactory(), product, at(2026, 3, 10, 9))
    rollups.rollups_run(now=at(2026, 3, 10, 9, 30))
    rollups.recompute_day(date(2026, 3, 10))
    assert set(DailyCount.objects.values_list("hour", flat=True)) == {DAY}
    rollups.rollups_run(now=at(2026, 3, 10, 9, 35))
    assert sorted(DailyCount.objects.filter(metric="star", brand_id=product.brand_id).values_list("hour", "value")) == [
        (8, 1), (9, 1)]
    incremental, rebuilt = _rebuilt(at(2026, 3, 10, 9, 35), date(2026, 3, 9))
    assert incremental == rebuilt


@pytest.mark.django_db(transaction=True)
def test_rollups_bench_times_every_step_and_serves_the_page():
    """`manage.py rollups bench` on a little data: the beat task with each step's time, the
    figures without the cache, and the page and API answering (no errors) under the bench's staff."""
    from io import StringIO

    from django.core.management import call_command

    author, voter = UserFactory.create_batch(2)
    target = review(author, ProductFactory(), at(2026, 3, 1, 9), text="Fits well, good value")
    vote(voter, target, at(2026, 3, 1, 10))
    out = StringIO()
    call_command("rollups", "bench", "--skip-rebuild", "--users", "1", "--requests", "2", stdout=out)
    text = out.getvalue()
    assert text.startswith("data: 2 users, 1 reviews, 1 helpful votes")
    incremental = next(line for line in text.splitlines() if line.startswith("beat task, incremental"))
    for step in ("views flush", "rollups", "funnel", "first badges"):
        assert f"{step} " in incremental
    assert "figures computed without the cache" in text
    served = [line for line in text.splitlines() if line.startswith("in one process")]
    assert len(served) == 3 and all("2 requests" in line and "errors" not in line for line in served)


def test_rollups_bench_over_http_needs_postgresql(settings):
    from django.core.management import CommandError, call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("checks the refusal on the embedded default (SQLite)")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("rollups", "bench", "--http", "5")
