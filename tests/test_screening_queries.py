"""Screening one item costs a fixed number of statements (docs/moderation.md, "Where the
time goes"): the worker's task function on a warm process (thresholds, word list and model
checks already cached), after-commit work included (fingerprints, the publication's
receivers), the follow-up tasks published to the broker and not run here, as on a worker
whose other queues are served elsewhere."""
import pytest

from community import services as community_services
from config.celery import app
from moderation import tasks
from moderation.models import Case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CLEAN = "这款面霜质地清爽，吸收很快，用了两周皮肤明显更细腻，味道也很淡。The texture is light and it absorbs fast."
WARM = "包装结实，物流两天就到了，客服回答问题也很耐心，下次还会再来买别的款式。Fast delivery, solid box."
CONTACT = "效果很好，想要优惠的加我微信 abc_12345 或者打 13800138000，价格更低。Works well, message me."


@pytest.fixture
def broker_only():
    """Tasks go to the (in-memory) broker instead of running in this process."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


def _submitted(product, text, django_capture_on_commit_callbacks):
    author = UserFactory()
    with django_capture_on_commit_callbacks(execute=False):  # the screening task is not sent
        review, _ = community_services.review_post(author=author, product=product, rating=5, text=text,
                                                   language="zh")
    return Case.objects.get(content_type="review", object_id=review.pk)


def _screen(case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.case_screen(case.pk, case.revision)


@pytest.mark.parametrize(("text", "decision", "reasons", "queries"), [
    # +2 each: the author's and the content row's locks, taken before the case's (the order
    # edits and account erasure take them)
    # -2 each: the fingerprints of both detectors in one savepoint (remember_all(together=True))
    # brand insights marks the published review dirty (one INSERT); +1 the batch lookup; -1 no look
    # for open reports on a case no report ever weighed on
    (CLEAN, "publish", [], 33),
    (CONTACT, "queue", ["contact"], 29),  # +1: the look for other waiting cases (micro-batching)
])
def test_screening_one_item_costs_a_fixed_number_of_queries(
        product, broker_only, django_capture_on_commit_callbacks, django_assert_num_queries, text, decision,
        reasons, queries):
    _screen(_submitted(product, WARM, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)

    case = _submitted(product, text, django_capture_on_commit_callbacks)
    with django_assert_num_queries(queries):
        _screen(case, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert (case.ai_decision, case.queue_reasons[:1]) == (decision, reasons)


def test_a_case_no_longer_in_screening_costs_one_query(product, broker_only, django_capture_on_commit_callbacks,
                                                       django_assert_num_queries):
    case = _submitted(product, CLEAN, django_capture_on_commit_callbacks)
    _screen(case, django_capture_on_commit_callbacks)
    with django_assert_num_queries(1):
        assert tasks.case_screen(case.pk, case.revision) == 0
