"""Ledger invariants: one writer, idempotent keys, hash chain, reversals, spending, rebuild."""
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from core.errors import ServiceError
from gamification import services
from gamification.ledger import ledger_rebuild, ledger_verify
from gamification.models import PointsEntry, UserPoints

pytestmark = pytest.mark.django_db


def _ledger_sum(user):
    return PointsEntry.objects.filter(user=user).aggregate(s=Sum("amount"))["s"] or 0


def test_award_writes_row_and_cached_totals_equal_ledger_sum(shopper, product):
    services.points_award(user_id=shopper.pk, amount=5, action="test.a", key="k1", source=product)
    services.points_award(user_id=shopper.pk, amount=7, action="test.b", key="k2", counts_toward_level=False)
    services.points_spend(user_id=shopper.pk, amount=3, action="test.spend", key="s1")
    row = UserPoints.objects.get(user=shopper)
    assert (row.total, row.spendable, row.level_points) == (9, 9, 5)
    assert row.total == _ledger_sum(shopper)
    first = PointsEntry.objects.get(key="k1")
    assert (first.source_type, first.source_id) == ("community.product", product.pk)


def test_repeated_key_awards_once(shopper):
    first = services.points_award(user_id=shopper.pk, amount=5, action="test.a", key="same")
    again = services.points_award(user_id=shopper.pk, amount=5, action="test.a", key="same")
    assert first is not None and again is None
    assert PointsEntry.objects.filter(key="same").count() == 1
    assert UserPoints.objects.get(user=shopper).total == 5


def test_rows_chain_hashes_per_user(shopper, other_shopper):
    a1 = services.points_award(user_id=shopper.pk, amount=1, action="t", key="a1")
    services.points_award(user_id=other_shopper.pk, amount=1, action="t", key="b1")
    a2 = services.points_award(user_id=shopper.pk, amount=2, action="t", key="a2")
    assert a1.prev_hash == "" and a2.prev_hash == a1.hash
    assert a2.hash == services.entry_hash(a1.hash, PointsEntry.objects.get(pk=a2.pk))  # survives the round trip
    assert UserPoints.objects.get(user=shopper).last_hash == a2.hash


def test_verify_passes_on_healthy_data_and_rebuild_is_a_noop(shopper, other_shopper, capsys):
    for i in range(3):
        services.points_award(user_id=shopper.pk, amount=i + 1, action="t", key=f"a{i}")
        services.points_award(user_id=other_shopper.pk, amount=2, action="t", key=f"b{i}", vest_days=3)
    services.points_reverse(entry_id=PointsEntry.objects.get(key="a1").pk, reason="test")
    call_command("ledger", "verify")
    assert "ledger verify: OK" in capsys.readouterr().out
    assert ledger_rebuild() == []
    call_command("ledger", "rebuild")
    assert "0 user total(s) changed" in capsys.readouterr().out


def test_verify_finds_a_tampered_row(shopper, capsys):
    for i in range(4):
        services.points_award(user_id=shopper.pk, amount=10, action="t", key=f"a{i}")
    tampered = PointsEntry.objects.get(key="a2")
    PointsEntry.objects.filter(pk=tampered.pk).update(amount=1000)
    with pytest.raises(CommandError):
        call_command("ledger", "verify")
    out = capsys.readouterr().out
    assert f"BROKEN LINK user {shopper.pk} at entry {tampered.pk}" in out
    assert f"TOTAL MISMATCH user {shopper.pk}" in out
    report = ledger_verify()
    assert [b["entry_id"] for b in report["broken"]] == [tampered.pk]  # the first broken link only


def test_verify_finds_a_deleted_row(shopper):
    for i in range(3):
        services.points_award(user_id=shopper.pk, amount=10, action="t", key=f"a{i}")
    victim = PointsEntry.objects.get(key="a1")
    PointsEntry.objects.filter(pk=victim.pk).delete()
    report = ledger_verify()
    assert report["broken"][0]["entry_id"] == PointsEntry.objects.get(key="a2").pk


def test_rebuild_repairs_a_drifted_cache(shopper):
    services.points_award(user_id=shopper.pk, amount=10, action="t", key="a")
    UserPoints.objects.filter(user=shopper).update(total=999, spendable=5)
    assert ledger_verify()["totals"]
    assert ledger_rebuild() == [shopper.pk]
    row = UserPoints.objects.get(user=shopper)
    assert (row.total, row.spendable) == (10, 10)
    assert ledger_verify()["totals"] == []


def test_reversal_nets_to_zero_and_is_idempotent(shopper):
    entry = services.points_award(user_id=shopper.pk, amount=8, action="t", key="a")
    rev = services.points_reverse(entry_id=entry.pk, reason="test")
    assert rev.amount == -8 and rev.reverses_id == entry.pk
    assert services.points_reverse(entry_id=entry.pk, reason="test") is None
    assert services.points_reverse(entry_id=rev.pk, reason="test") is None  # a reversal is not reversed
    row = UserPoints.objects.get(user=shopper)
    assert (row.total, row.spendable, row.level_points) == (0, 0, 0)
    assert _ledger_sum(shopper) == 0
    assert PointsEntry.objects.filter(user=shopper).count() == 2  # rows are never deleted


def test_reversing_a_pending_award_keeps_spendable_and_nets_pending_to_zero(shopper):
    entry = services.points_award(user_id=shopper.pk, amount=8, action="t", key="a", vest_days=3)
    row = UserPoints.objects.get(user=shopper)
    assert (row.total, row.spendable, row.pending) == (8, 0, 8)
    services.points_reverse(entry_id=entry.pk, reason="test")
    row.refresh_from_db()
    assert (row.total, row.spendable, row.pending) == (0, 0, 0)


def test_spend_checks_the_spendable_balance(shopper):
    services.points_award(user_id=shopper.pk, amount=5, action="t", key="a")
    services.points_award(user_id=shopper.pk, amount=50, action="t", key="b", vest_days=3)  # pending: not spendable
    with pytest.raises(ServiceError) as err:
        services.points_spend(user_id=shopper.pk, amount=6, action="spend", key="s")
    assert err.value.code == "insufficient_points"
    spent = services.points_spend(user_id=shopper.pk, amount=5, action="spend", key="s")
    assert spent.amount == -5 and not spent.counts_toward_level
    assert services.points_spend(user_id=shopper.pk, amount=5, action="spend", key="s").pk == spent.pk
    row = UserPoints.objects.get(user=shopper)
    assert (row.total, row.spendable, row.level_points) == (50, 0, 55)


def test_award_rejects_negative_amounts_and_missing_key(shopper):
    with pytest.raises(ValueError):
        services.points_award(user_id=shopper.pk, amount=-1, action="t", key="x")
    with pytest.raises(ValueError):
        services.points_award(user_id=shopper.pk, amount=1, action="t", key="")


def test_key_is_unique_across_users(shopper, other_shopper):
    assert services.points_award(user_id=shopper.pk, amount=1, action="t", key="k") is not None
    assert services.points_award(user_id=other_shopper.pk, amount=1, action="t", key="k") is None
    assert not UserPoints.objects.filter(user=other_shopper, total__gt=0).exists()
    assert ledger_verify()["broken"] == []
