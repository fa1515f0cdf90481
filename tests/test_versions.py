"""``core.versions.version_bump``: every bump replaces its tokens at once; the replacements due on
commit are made together, once per key, by one callback per transaction."""
import pytest
from django.core.cache import cache
from django.db import transaction

from core.versions import version_bump

pytestmark = pytest.mark.django_db


def test_a_transactions_bumps_are_replayed_once_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version_bump(["a", "b"], None)
        first = cache.get("a")
        version_bump(["a", "a"], None)
        assert cache.get("a") not in (None, first)  # replaced at once, each time
        version_bump(["c"], 60)
    assert len(callbacks) == 1
    before = cache.get_many(["a", "b", "c"])
    callbacks[0]()
    after = cache.get_many(["a", "b", "c"])
    assert sorted(after) == ["a", "b", "c"] and all(after[key] != before[key] for key in after)


def test_a_bump_after_the_commit_callbacks_ran_registers_again(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as ran:
        version_bump(["a"], None)
    assert len(ran) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version_bump(["a"], None)
    assert len(callbacks) == 1
    token = cache.get("a")
    callbacks[0]()
    assert cache.get("a") != token


def test_a_rolled_back_savepoint_does_not_take_later_bumps_with_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            version_bump(["a"], None)  # registers the transaction's callback inside the savepoint
            raise RuntimeError("rolled back")
        version_bump(["b"], None)
    assert len(callbacks) == 1  # the savepoint's was dropped with it; "b" has one of its own
    token = cache.get("b")
    callbacks[0]()
    assert cache.get("b") != token


def test_outside_a_transaction_a_bump_is_made_once(monkeypatch):
    calls = []
    monkeypatch.setattr(cache, "set_many", lambda data, timeout=None: calls.append((sorted(data), timeout)))
    monkeypatch.setattr(transaction, "get_connection", lambda: type("C", (), {"in_atomic_block": False})())
    version_bump(["a", "b"], 30)
    assert calls == [(["a", "b"], 30)]
