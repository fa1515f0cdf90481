"""Celery queues (config/queues.py, docs/deploy.md): routing by task-name pattern, and a real
screening worker that keeps answering while the batch queue holds a backlog."""
import os
import time
import uuid

import pytest

from community import services as community_services
from config import queues
from config.celery import app
from moderation.models import Case
from tests.worker import running_worker, wait_for


@pytest.mark.parametrize(("name", "kind"), [
    ("moderation.case_screen", "screening"),
    ("community.notification_email", "email"),
    ("moderation.quality_rescore", "batch"),
    ("moderation.quality_rescore_batch", "batch"),
    ("gamification.leaderboards_rebuild", "batch"),
    ("community.counters_rebuild", "batch"),
    ("moderation.classifier_retrain", "batch"),
    ("privacy.data_export_build", "batch"),
    ("moderation.audit_draw_daily", "batch"),
    ("gamification.review_points_settle", "default"),
    ("gamification.badges_check_user", "default"),
    ("community.review_photo_make_thumbnail", "default"),
    ("moderation.expire_leases", "default"),
    # Names other branches add later are routed by their names alone:
    ("gamification.rollups_daily", "batch"),
    ("integrity.integrity_scan_run", "batch"),
    ("community.insights_refresh", "batch"),
    ("insights.weekly", "batch"),
    ("community.something_new", "default"),
])
def test_tasks_are_routed_by_name_pattern(name, kind):
    assert queues.queue_kind(name) == kind
    assert app.amqp.router.route({}, name)["queue"].name == queues.queue_name(kind)


def test_every_registered_task_and_beat_entry_has_a_queue(settings):
    app.loader.import_default_modules()
    names = [n for n in app.tasks if not n.startswith("celery.")]
    names += [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "moderation.case_screen" in names
    kinds = {name: queues.queue_kind(name) for name in names}
    assert set(kinds.values()) <= set(queues.KINDS)
    assert kinds["moderation.case_screen"] == "screening"
    assert queues.all_queue_names() == ["screening", settings.CELERY_TASK_DEFAULT_QUEUE, "batch", "email"]


BACKLOG = 400
SCREENING_DEADLINE = 5.0


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_batch_backlog_never_delays_screening(celery_not_eager, worker_queue, tmp_path, shopper, product):
    """One worker per queue, as `make worker QUEUE=...` runs them: 400 rebuilds wait in batch,
    a review submitted after them is screened within seconds, while the batch queue still waits."""
    import redis

    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    batch_queue = f"{worker_queue}.batch"
    screening_queue = f"{worker_queue}.screening"
    with (
        running_worker([screening_queue], worker_queue=worker_queue, log_path=tmp_path / "screening.log") as screener,
        running_worker([batch_queue], worker_queue=worker_queue, log_path=tmp_path / "batch.log") as batcher,
    ):
        try:
            for _ in range(BACKLOG):
                app.send_task("community.counters_rebuild")  # routed to <prefix>.batch
            assert broker.llen(batch_queue) >= BACKLOG // 2  # the batch worker is already taking them

            review, _ = community_services.review_post(
                author=shopper, product=product, rating=5, text=f"保湿很好，质地清爽 {uuid.uuid4().hex[:6]}",
            )
            submitted = time.monotonic()  # committed: case_screen is on <prefix>.screening
            wait_for(lambda: Case.objects.filter(content_type="review", object_id=review.pk,
                                                 screened_at__isnull=False).exists(),
                     30, "the screening worker to screen the review", screener, interval=0.02)
            elapsed = time.monotonic() - submitted
            waiting = broker.llen(batch_queue)
            assert batcher.poll() is None, "the batch worker died"
            assert waiting > 0, "the batch backlog was drained first: this run proves nothing"
            assert elapsed < SCREENING_DEADLINE, f"screened {elapsed:.2f}s after submission"
            print(f"screened {elapsed:.2f}s after submission with {waiting} of {BACKLOG} batch tasks still queued")
        finally:
            broker.delete(batch_queue)
