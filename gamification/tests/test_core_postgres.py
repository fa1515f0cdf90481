"""PostgreSQL concurrency: the same idempotency key from 50 threads yields one row."""
import threading

import pytest
from django.db import connection, connections

from gamification import services
from gamification.ledger import ledger_verify
from gamification.models import PointsEntry, UserPoints
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_threads(n, target):
    barrier = threading.Barrier(n)
    errors = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            target(i)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_fifty_threads_same_key_one_row(transactional_db):
    assert connection.vendor == "postgresql"
    user = factories.UserFactory()
    results = []
    errors = _run_threads(
        50, lambda i: results.append(services.points_award(user_id=user.pk, amount=5, action="t", key="same-key"))
    )
    assert errors == []
    assert PointsEntry.objects.filter(key="same-key").count() == 1
    assert sum(r is not None for r in results) == 1
    assert UserPoints.objects.get(user=user).total == 5


def test_fifty_threads_same_key_for_a_brand_new_user_row(transactional_db):
    """No UserPoints row yet: the threads race to create it, then serialise on its lock."""
    user = factories.UserFactory()
    errors = _run_threads(
        50, lambda i: services.points_award(user_id=user.pk, amount=3, action="t", key=f"k{i % 5}")
    )
    assert errors == []
    assert PointsEntry.objects.filter(user=user).count() == 5
    report = ledger_verify()
    assert report["broken"] == [] and report["totals"] == []
    assert UserPoints.objects.get(user=user).total == 15


def test_concurrent_awards_and_spends_keep_the_chain_and_balance(transactional_db):
    user = factories.UserFactory()
    services.points_award(user_id=user.pk, amount=20, action="t", key="seed")
    spent = []

    def work(i):
        if i % 2:
            services.points_award(user_id=user.pk, amount=1, action="t", key=f"a{i}")
        else:
            try:
                spent.append(services.points_spend(user_id=user.pk, amount=3, action="spend", key=f"s{i}"))
            except Exception as exc:
                if getattr(exc, "code", None) != "insufficient_points":
                    raise

    assert _run_threads(40, work) == []
    row = UserPoints.objects.get(user=user)
    assert row.spendable >= 0
    assert row.total == 20 + 20 - 3 * len(spent)
    report = ledger_verify()
    assert report["broken"] == [] and report["totals"] == []
