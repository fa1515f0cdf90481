"""Moderation end to end: a real Celery worker process screens what shoppers submit,
on PostgreSQL and Redis (fixtures in tests/worker.py).

* A borderline review (a phone number: personal data is always held for a human) is
  queued by the worker; a moderator claims and rejects it; the review is hidden, the
  author is notified (on site, and by email from the worker), and the audit trail reads
  submitted → queued → rejected.
* A clear violation (a word-list term with the block action) is hidden within 5 s of
  submission with one worker.
"""
import re
import time

import pytest

from community import services as community_services
from community.models import Notification, Review
from moderation import services
from moderation.models import Case, Event, WordEntry
from tests.worker import log_text, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

TASK_TIMEOUT = 30
BLOCK_DEADLINE = 5.0


@pytest.fixture
def screening_only_in_the_worker(monkeypatch):
    """Fail loudly if screening ran in this (test) process instead of the worker."""

    def not_here(**kwargs):
        raise AssertionError("screening ran in the test process, not in the worker")

    monkeypatch.setattr(services, "case_screen", not_here)


def _trail(case):
    return list(Event.objects.filter(case=case).order_by("created_at", "id").values_list("action", "actor_id"))


def test_borderline_review_is_queued_by_the_worker_then_rejected_by_a_moderator(
    celery_worker_process, celery_not_eager, screening_only_in_the_worker, shopper, moderator, product
):
    review, _ = community_services.review_post(
        author=shopper, product=product, rating=4,
        text="面霜用了两周，保湿不错，质地清爽。想了解的可以打我电话 13800138000 问我",
    )
    assert Review.objects.get(pk=review.pk).status == Review.Status.PENDING  # hidden until screened

    case = wait_for(
        lambda: Case.objects.filter(content_type="review", object_id=review.pk, state=Case.State.QUEUED).first(),
        TASK_TIMEOUT, "the worker to queue the case", celery_worker_process,
    )
    assert case.ai_decision == "queue" and "personal_data" in case.queue_reasons and case.screened_at
    assert Review.objects.get(pk=review.pk).status == Review.Status.PENDING

    claimed = services.case_claim_next(moderator=moderator)
    assert claimed.pk == case.pk and claimed.claimed_by == moderator
    services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="personal_data",
                         note="请不要在评价里留电话")

    case.refresh_from_db()
    assert case.state == Case.State.REJECTED and case.decided_by == moderator
    assert Review.objects.get(pk=review.pk).status == Review.Status.REJECTED
    note = Notification.objects.get(user=shopper, kind="moderation.review.rejected")
    assert note.url == f"/moderation/cases/{case.pk}/appeal/" and "请不要在评价里留电话" in note.body
    # The email goes out from the worker (console backend there): its task ran and sent it.
    email_task = re.compile(r"Task community\.notification_email\[[^\]]+\] succeeded in [0-9.]+s: True")
    wait_for(lambda: email_task.search(log_text(celery_worker_process.log_path)),
             TASK_TIMEOUT, "the worker to email the author", celery_worker_process)

    assert _trail(case) == [
        ("moderation.review.submitted", None),
        ("moderation.review.queued", None),
        ("moderation.review.rejected", moderator.pk),
    ]
    rejected = Event.objects.get(case=case, action="moderation.review.rejected")
    assert (rejected.old_state, rejected.new_state, rejected.reason) == ("queued", "rejected", "personal_data")


def test_clear_violation_is_hidden_within_five_seconds(
    celery_worker_process, celery_not_eager, screening_only_in_the_worker, shopper, product
):
    services.wordlist_load(entries=[{"term": "特别违禁词", "category": WordEntry.Category.ABUSE,
                                     "action": WordEntry.Action.BLOCK}])
    review, _ = community_services.review_post(
        author=shopper, product=product, rating=1, text="这个东西就是特别违禁词，大家别买",
    )
    submitted = time.monotonic()  # review_post has committed: the screening task is on the broker

    wait_for(
        lambda: Review.objects.filter(pk=review.pk, status=Review.Status.REJECTED).exists(),
        TASK_TIMEOUT, "the worker to reject the review", celery_worker_process, interval=0.02,
    )
    elapsed = time.monotonic() - submitted
    assert elapsed < BLOCK_DEADLINE, f"hidden after {elapsed:.2f}s"

    case = Case.objects.get(content_type="review", object_id=review.pk)
    assert (case.state, case.ai_decision, case.decided_by) == (Case.State.REJECTED, "reject", None)
    assert "wordlist" in case.queue_reasons
    assert _trail(case) == [("moderation.review.submitted", None), ("moderation.review.rejected", None)]
    assert Notification.objects.filter(user=shopper, kind="moderation.review.rejected").exists()
    print(f"clear violation hidden {elapsed:.2f}s after submission")


def test_concurrent_submissions_are_all_screened_by_fewer_tasks(
    celery_worker_process, celery_not_eager, screening_only_in_the_worker, product
):
    """Thirty first submissions from six threads at once, one solo worker, no beat: the door
    (``services.screening_ring``) sends a task only when none is waiting to start, and no
    submission is left without a task that sees it (a lost one would stay in screening)."""
    import threading

    from django.db import connection

    from tests.factories import UserFactory

    authors = [UserFactory() for _ in range(30)]
    errors = []

    def post(part):
        try:
            for author in part:
                community_services.review_post(
                    author=author, product=product, rating=5,
                    text=f"用了两周，质地清爽，吸收很快，皮肤更细腻了。第{author.pk}位买家的真实感受。",
                )
        except Exception as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(authors[i::6],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors

    cases = Case.objects.filter(content_type="review", author__in=authors)
    assert cases.count() == 30
    wait_for(lambda: not cases.filter(state=Case.State.SCREENING).exists(),
             TASK_TIMEOUT, "the worker to screen all 30", celery_worker_process)
    assert all(c.screened_at for c in cases)
    ran = len(re.findall(r"Task moderation\.case_screen\[[^\]]+\] succeeded", log_text(celery_worker_process.log_path)))
    assert 1 <= ran < 30  # without the door each submission sends a task of its own (3 seen here)
    print(f"30 concurrent submissions screened by {ran} tasks")
