"""``core.versions.version_bump``: every bump replaces its tokens at once; the replacements due on
commit are made together, once per key: the first of the transaction's callbacks to run makes
one call for all of them, the others find nothing left."""
import pytest
from django.core.cache import cache
from django.db import transaction

from core.versions import version_bump

pytestmark = pytest.mark.django_db


@pytest.fixture
def set_many_calls(monkeypatch):
    calls = []
    real = cache.set_many

    def spy(data, timeout=None):
        calls.append((sorted(data), timeout))
        return real(data, timeout)

    monkeypatch.setattr(cache, "set_many", spy)
    return calls


def test_a_transactions_bumps_are_replayed_once_on_commit(django_capture_on_commit_callbacks, set_many_calls):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version_bump(["a", "b"], None)
        first = cache.get("a")
        version_bump(["a", "a"], None)
        assert cache.get("a") not in (None, first)  # replaced at once, each time
        version_bump(["c"], 60)
    assert len(set_many_calls) == 3
    before = cache.get_many(["a", "b", "c"])
    for callback in callbacks:
        callback()
    after = cache.get_many(["a", "b", "c"])
    assert sorted(after) == ["a", "b", "c"] and all(after[key] != before[key] for key in after)
    assert set_many_calls[3:] == [(["a", "b"], None), (["c"], 60)]  # one call per lifetime, once


def test_the_callbacks_of_a_later_block_replay_its_bumps(django_capture_on_commit_callbacks):
    version_bump(["x"], None)  # an earlier bump of the same (test) transaction, never committed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version_bump(["a"], None)
    assert callbacks
    token = cache.get("a")
    for callback in callbacks:
        callback()
    assert cache.get("a") != token


def test_a_rolled_back_savepoint_does_not_take_later_bumps_with_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            version_bump(["a"], None)
            raise RuntimeError("rolled back")
        version_bump(["b"], None)
    assert len(callbacks) == 1  # the savepoint's callback was dropped with it
    tokens = cache.get_many(["a", "b"])
    callbacks[0]()
    assert cache.get("b") != tokens["b"]  # and "a" is replayed too: harmless, a token more retired


def test_outside_a_transaction_a_bump_is_made_once(monkeypatch):
    calls = []
    monkeypatch.setattr(cache, "set_many", lambda data, timeout=None: calls.append((sorted(data), timeout)))
    monkeypatch.setattr(transaction, "get_connection", lambda: type("C", (), {"in_atomic_block": False})())
    version_bump(["a", "b"], 30)
    assert calls == [(["a", "b"], 30)]
