"""One screening task per batch of first submissions (issue 16; ``services.screening_ring``):
a submission sends a task only when none sent earlier has started yet; the task opens the door
before it looks for waiting cases, so no submission is ever left without a task that will see it."""
import pytest
from django.core.cache import cache

from community import services as community_services
from moderation import services, tasks
from moderation.models import Case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEXTS = [
    "这款面霜质地清爽，吸收很快，用了两周皮肤明显更细腻。",
    "物流很快，包装结实，客服很耐心，下次还买。",
    "The texture is light and it absorbs fast, no smell at all.",
    "味道有点重，不过保湿效果还可以，冬天用正好。",
    "Bought it for my mother, she says her skin feels softer.",
    "用了一个月，毛孔小了一点，会回购。",
    "Arrived quickly, well packed, works as described.",
]


@pytest.fixture
def sent(monkeypatch):
    """A broker that keeps what is sent (the door in use, as with Redis and real workers)."""
    box = []
    monkeypatch.setattr(services, "_door_in_use", lambda: True)
    monkeypatch.setattr(tasks.case_screen, "apply_async", lambda kwargs, **options: box.append(kwargs))
    return box


def _submit(product, texts, capture):
    cases = []
    for text in texts:
        with capture(execute=True):  # the commit rings (or not)
            review, _ = community_services.review_post(author=UserFactory(), product=product, rating=5,
                                                       text=text, language="zh")
        cases.append(Case.objects.get(content_type="review", object_id=review.pk))
    return cases


def _deliver(box, capture):
    """Run what was sent, in order, as one worker would, until nothing is left (or 50 runs: a
    chain that never ends fails the test instead of hanging it)."""
    runs = []
    while box and len(runs) < 50:
        kwargs = box.pop(0)
        with capture(execute=True):
            runs.append(tasks.case_screen(**kwargs))
    return runs


def _fail_storing(monkeypatch, case):
    """Storing ``case``'s decision fails (a database hiccup); returns the real ``_screen_store``
    to put back once it passes."""
    store = services._screen_store

    def flaky(item, screened):
        if item.pk == case.pk:
            raise RuntimeError("database hiccup")
        store(item, screened)

    monkeypatch.setattr(services, "_screen_store", flaky)
    return store


def _states(cases):
    return [Case.objects.get(pk=c.pk).state for c in cases]


def test_one_task_answers_every_submission_made_before_it_started(product, sent, django_capture_on_commit_callbacks):
    cases = _submit(product, TEXTS[:5], django_capture_on_commit_callbacks)
    assert sent == [{"case_id": cases[0].pk, "revision": 1, "content_type": "review"}]
    assert _deliver(sent, django_capture_on_commit_callbacks) == [5]
    assert "screening" not in _states(cases)
    assert cache.get(services._door_key("review")) is None  # open: the next submission rings again
    more = _submit(product, TEXTS[5:6], django_capture_on_commit_callbacks)
    assert sent == [{"case_id": more[0].pk, "revision": 1, "content_type": "review"}]


def test_past_a_full_batch_the_task_rings_for_the_next(product, sent, django_capture_on_commit_callbacks,
                                                       monkeypatch):
    monkeypatch.setattr(services, "SCREEN_BATCH", 3)
    cases = _submit(product, TEXTS, django_capture_on_commit_callbacks)
    assert len(sent) == 1
    assert _deliver(sent, django_capture_on_commit_callbacks) == [3, 3, 1]
    assert "screening" not in _states(cases)


def test_a_task_whose_case_a_batch_took_screens_the_waiting_ones(product, sent, django_capture_on_commit_callbacks):
    """The race the door allows: task A's batch took B's case after B's commit rang task B; C
    found B's door shut and relies on task B, whose own case is already decided."""
    first = _submit(product, TEXTS[:1], django_capture_on_commit_callbacks)
    ring_a = sent.pop()
    cache.delete(services._door_key("review"))  # task A started: it opened the door
    second = _submit(product, TEXTS[1:2], django_capture_on_commit_callbacks)  # rings task B
    with django_capture_on_commit_callbacks(execute=True):  # task A's look: its case and B's
        assert len(services.case_screen_batch(case_id=ring_a["case_id"], revision=1)) == 2
    third = _submit(product, TEXTS[2:3], django_capture_on_commit_callbacks)  # door shut by B: no task
    assert [kw["case_id"] for kw in sent] == [second[0].pk]
    assert _deliver(sent, django_capture_on_commit_callbacks) == [1]
    assert _states(first + second + third) == ["approved"] * 3


def test_a_door_nobody_opened_lets_the_next_submission_ring(product, sent, django_capture_on_commit_callbacks,
                                                           monkeypatch):
    """A task lost with its worker: the door shuts for ``SCREEN_DOOR_SECONDS`` only."""
    _submit(product, TEXTS[:2], django_capture_on_commit_callbacks)
    assert len(sent) == 1
    sent.clear()  # lost
    cache.delete(services._door_key("review"))  # what the door's lifetime does
    cases = _submit(product, TEXTS[2:3], django_capture_on_commit_callbacks)
    assert [kw["case_id"] for kw in sent] == [cases[0].pk]
    assert _deliver(sent, django_capture_on_commit_callbacks) == [3]  # the lost task's items too


def test_resume_rings_for_items_left_waiting(product, sent, django_capture_on_commit_callbacks, monkeypatch):
    cases = _submit(product, TEXTS[:3], django_capture_on_commit_callbacks)
    sent.clear()  # the task was lost and its door's lifetime has not ended
    assert services.screening_resume(older_than=0) == []  # a door still shut: a task is on its way
    cache.delete(services._door_key("review"))
    assert services.screening_resume(older_than=3600) == []  # none waiting that long
    assert services.screening_resume(older_than=0) == ["review"]
    assert [kw["case_id"] for kw in sent] == [cases[0].pk]
    assert _deliver(sent, django_capture_on_commit_callbacks) == [3]
    assert services.screening_resume(older_than=0) == []


def test_a_failing_item_does_not_ring_again_at_once(product, sent, django_capture_on_commit_callbacks, monkeypatch):
    cases = _submit(product, TEXTS[:3], django_capture_on_commit_callbacks)
    store = _fail_storing(monkeypatch, cases[1])
    assert _deliver(sent, django_capture_on_commit_callbacks) == [2]  # and nothing rung for the failed one
    assert _states(cases) == ["approved", "screening", "approved"]
    monkeypatch.setattr(services, "_screen_store", store)
    assert services.screening_resume(older_than=0) == ["review"]  # beat: a minute later
    assert _deliver(sent, django_capture_on_commit_callbacks) == [1]
    assert _states(cases) == ["approved"] * 3


def test_the_door_is_not_used_without_a_shared_cache_and_a_broker(product, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    """Eagerly, or with a cache each process keeps for itself, every submission sends its task."""
    box = []
    monkeypatch.setattr(tasks.case_screen, "apply_async", lambda kwargs, **options: box.append(kwargs))
    assert not services._door_in_use()  # the test settings: eager Celery
    cases = _submit(product, TEXTS[:2], django_capture_on_commit_callbacks)
    assert box == [{"case_id": c.pk, "revision": 1} for c in cases]


def test_a_failing_door_cache_sends_the_task(product, sent, django_capture_on_commit_callbacks, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(services.cache, "add", down)
    cases = _submit(product, TEXTS[:2], django_capture_on_commit_callbacks)
    assert [kw["case_id"] for kw in sent] == [c.pk for c in cases]


def test_a_task_whose_own_item_fails_still_rings_for_the_rest(product, sent, django_capture_on_commit_callbacks,
                                                             monkeypatch):
    monkeypatch.setattr(services, "SCREEN_BATCH", 2)
    cases = _submit(product, TEXTS[:5], django_capture_on_commit_callbacks)
    store = _fail_storing(monkeypatch, cases[0])
    kwargs = sent.pop()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.ScreeningFailed):
        tasks.case_screen(**kwargs)
    assert _states(cases) == ["screening", "approved", "screening", "screening", "screening"]
    assert [kw["case_id"] for kw in sent] == [cases[2].pk]  # the next batch, rung though the task failed
    monkeypatch.setattr(services, "_screen_store", store)  # the hiccup passed
    assert _deliver(sent, django_capture_on_commit_callbacks) == [2, 2]  # the failed one went first
    assert _states(cases) == ["approved"] * 5


def test_resume_sends_a_task_of_its_own_for_cases_older_than_the_batch_window(
        product, sent, django_capture_on_commit_callbacks, monkeypatch):
    """Workers down or behind for longer than the window: batches no longer take those cases."""
    from datetime import timedelta

    from django.utils import timezone

    cases = _submit(product, TEXTS[:3], django_capture_on_commit_callbacks)
    sent.clear()  # the task was lost
    cache.delete(services._door_key("review"))
    Case.objects.filter(pk__in=[c.pk for c in cases[:2]]).update(
        created_at=timezone.now() - services.SCREEN_BATCH_WINDOW - timedelta(minutes=5))
    monkeypatch.setattr(services, "SCREEN_RESUME_OLD", 1)
    assert services.screening_resume() == []  # the third is not 30 s old yet
    assert sent == [{"case_id": cases[0].pk, "revision": 1}]
    assert _deliver(sent, django_capture_on_commit_callbacks) == [2]  # its own, and the third in the window
    assert services.screening_resume() == []
    assert sent == [{"case_id": cases[1].pk, "revision": 1}]  # the next run takes the next one
    assert _deliver(sent, django_capture_on_commit_callbacks) == [1]
    assert _states(cases) == ["approved"] * 3


@pytest.mark.parametrize("batch", [1, 16])
def test_an_item_whose_content_vanished_does_not_ring_without_end(product, sent, django_capture_on_commit_callbacks,
                                                                 monkeypatch, batch):
    from community.models import Review

    monkeypatch.setattr(services, "SCREEN_BATCH", batch)
    cases = _submit(product, TEXTS[:2], django_capture_on_commit_callbacks)
    Review.objects.filter(pk=cases[0].object_id).delete()
    runs = _deliver(sent, django_capture_on_commit_callbacks)
    assert runs == ([0, 1, 0] if batch == 1 else [1]) and not sent  # the gone item is tried, then left
    assert _states(cases[1:]) == ["approved"]
