"""Micro-batching of screening (issue 16; ``services.case_screen_batch``): a batch decides
each item exactly as screening it alone would, is idempotent under retries and double
delivery, and one item's failure neither loses nor blocks the others."""
import pytest
from django.db import transaction

from community import services as community_services
from community.models import Review
from moderation import services, tasks
from moderation.models import Case, Event, QualityScore, TextFingerprint
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CLEAN = "这款面霜质地清爽，吸收很快，用了两周皮肤明显更细腻，味道也很淡。The texture is light and it absorbs fast."
RING = "这个精华液真的太好用了，坚持用了一个月，脸上的痘印淡了很多，皮肤也亮了，强烈推荐给大家购买！"
CONTACT = "效果很好，想要优惠的加我微信 abc_12345 或者打 13800138000，价格更低。Works well, message me."
SHORT = "还行"
TEXTS = [CLEAN, RING, CONTACT, RING + "真的", SHORT, RING + "！！", RING, "物流很快，包装结实，客服很耐心，下次还买。"]


@pytest.fixture
def broker_only():
    """Follow-up tasks go to the (in-memory) broker instead of running in this process."""
    app = tasks.case_screen.app  # the project's Celery app (moderation may not import config)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


def _submit(product, texts, capture):
    """Reviews submitted by fresh authors, their screening tasks not sent: cases left in screening."""
    cases = []
    for i, text in enumerate(texts):
        with capture(execute=False):
            review, _ = community_services.review_post(author=UserFactory(), product=product, rating=1 + i % 5,
                                                       text=text, language="zh")
        cases.append(Case.objects.get(content_type="review", object_id=review.pk))
    return cases


def _outcomes(cases):
    out = []
    for case in cases:
        case.refresh_from_db()
        score = QualityScore.objects.filter(content_type="review", object_id=case.object_id).values_list(
            "score", "band").first()
        out.append({
            "state": case.state, "decision": case.ai_decision, "reasons": case.queue_reasons,
            "risk": round(case.risk, 6), "classifier": case.classifier_score, "detectors": case.detectors,
            "quality": score, "status": Review.objects.get(pk=case.object_id).status,
            "events": list(Event.objects.filter(case=case).order_by("id").values_list("action", flat=True)),
        })
    return out


def test_a_batch_decides_each_item_as_screening_it_alone_would(product, broker_only,
                                                                django_capture_on_commit_callbacks):
    cases = _submit(product, TEXTS, django_capture_on_commit_callbacks)
    with transaction.atomic():  # one by one, in submission order, then undone
        for case in cases:
            with django_capture_on_commit_callbacks(execute=True):  # fingerprints are remembered on commit
                services.case_screen(case_id=case.pk, revision=case.revision)
        alone = _outcomes(cases)
        transaction.set_rollback(True)
    assert {o["state"] for o in _outcomes(cases)} == {"screening"}
    assert TextFingerprint.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        screened = services.case_screen_batch(case_id=cases[0].pk, revision=cases[0].revision)
    assert [c.pk for c in screened] == [c.pk for c in cases]  # one run screened them all
    batched = _outcomes(cases)
    assert batched == alone
    decisions = [o["decision"] for o in batched]
    assert "publish" in decisions and "queue" in decisions  # the texts exercise more than one path
    assert any("duplicate" in o["reasons"] for o in batched)  # later copies saw the earlier ones of the batch
    assert not any("duplicate" in o["reasons"] for o in batched[:2])


def test_a_lone_item_is_screened_at_once_and_the_limit_caps_a_batch(product, broker_only,
                                                                   django_capture_on_commit_callbacks):
    cases = _submit(product, TEXTS[:5], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.case_screen_batch(case_id=cases[0].pk, revision=1, limit=3)
    assert [c.pk for c in first] == [c.pk for c in cases[:3]]
    assert Case.objects.filter(pk__in=[c.pk for c in cases[3:]], state=Case.State.SCREENING).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert len(services.case_screen_batch(case_id=cases[4].pk, revision=1, limit=3)) == 2


def test_retries_and_double_delivery_change_nothing(product, broker_only, django_capture_on_commit_callbacks,
                                                     django_assert_num_queries):
    cases = _submit(product, [CLEAN, CONTACT, RING], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.case_screen(cases[0].pk, 1) == 3
    first = _outcomes(cases)
    sent = len(callbacks)
    assert first[0]["events"] == ["moderation.review.submitted", "moderation.review.approved"]
    # Every item's own task is still delivered (and may be delivered twice); the batch is retried.
    for case in [*cases, *cases]:
        with django_capture_on_commit_callbacks(execute=True) as again, django_assert_num_queries(1):
            assert tasks.case_screen(case.pk, 1) == 0
        assert len(again) == 0  # nothing published, no follow-up task sent
    assert services.case_screen_batch(case_id=cases[0].pk, revision=1) == []
    assert _outcomes(cases) == first
    assert sent > 0
    assert TextFingerprint.objects.filter(object_id__in=[c.object_id for c in cases]).count() == 3


def test_a_failing_item_is_rolled_back_alone_and_screened_again_by_its_own_task(
        product, broker_only, django_capture_on_commit_callbacks, monkeypatch):
    cases = _submit(product, [CLEAN, CONTACT, RING], django_capture_on_commit_callbacks)
    broken = cases[1].pk
    store = services._screen_store

    def flaky(case, screened):
        store(case, screened)
        if case.pk == broken:  # fails after writing: its writes must be undone, not half kept
            raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "_screen_store", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        screened = services.case_screen_batch(case_id=cases[0].pk, revision=1)
    assert [c.pk for c in screened] == [cases[0].pk, cases[2].pk]
    after = _outcomes(cases)
    assert after[0]["state"] == after[2]["state"] == "approved"
    assert after[1]["state"] == "screening" and after[1]["decision"] == ""
    assert after[1]["events"] == ["moderation.review.submitted"]
    assert after[1]["quality"] is None
    assert not TextFingerprint.objects.filter(object_id=cases[1].object_id).exists()

    # The failing item as the task's own: the others are committed, the task fails.
    more = _submit(product, [CLEAN + "好", RING + "好"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.ScreeningFailed):
        services.case_screen_batch(case_id=broken, revision=1)
    assert all(o["state"] != "screening" and o["decision"] for o in _outcomes(more))  # decided, committed

    monkeypatch.setattr(services, "_screen_store", store)  # its own task, delivered again, screens it
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.case_screen(broken, 1) == 1
    assert _outcomes(cases)[1]["state"] == "queued"


def test_a_batch_leaves_an_edit_waiting_for_its_debounce(product, broker_only, django_capture_on_commit_callbacks):
    cases = _submit(product, [CLEAN, RING], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):  # an edit: revision 2, its task delayed
        services.case_submit(content_type="review", object_id=cases[1].object_id, author_id=cases[1].author_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert [c.pk for c in services.case_screen_batch(case_id=cases[0].pk, revision=1)] == [cases[0].pk]
    edited = Case.objects.get(pk=cases[1].pk)
    assert (edited.state, edited.revision) == ("screening", 2)


def test_a_batch_out_of_time_leaves_the_rest_to_their_own_tasks(product, broker_only,
                                                               django_capture_on_commit_callbacks, monkeypatch):
    cases = _submit(product, [CLEAN, RING, CONTACT], django_capture_on_commit_callbacks)
    monkeypatch.setattr(services, "SCREEN_BATCH_SECONDS", -1)
    with django_capture_on_commit_callbacks(execute=True):
        assert [c.pk for c in services.case_screen_batch(case_id=cases[1].pk, revision=1)] == [cases[1].pk]
    assert [o["state"] for o in _outcomes(cases)] == ["screening", "approved", "screening"]


@pytest.mark.parametrize("batch", [1, 16])
def test_screening_locks_the_content_before_the_case(product, batch, django_capture_on_commit_callbacks):
    """The order edits and account erasure take them (the author's row, ``account_lock_active``;
    the review; then ``case_submit``: the case): other orders deadlocked with an edit
    (tests/test_concurrency.py) or an erasure (tests/test_privacy_postgres.py) of the same item."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("row locks (FOR UPDATE) exist on PostgreSQL only")
    cases = _submit(product, [CLEAN, CONTACT], django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as ctx:
        services.case_screen_batch(case_id=cases[0].pk, revision=1, limit=batch)
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"] or "FOR NO KEY UPDATE" in q["sql"]]
    def first(table):
        return next(i for i, sql in enumerate(locks) if f'"{table}"' in sql.split("FROM")[1][:40])

    assert first("community_user") < first("community_review") < first("moderation_case")
