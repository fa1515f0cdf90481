"""The rewards store: atomic redemption, per-user limits, idempotent requests, clear errors."""
import threading

import pytest
from django.db import connection, connections

from community.models import Notification
from core.errors import ServiceError
from gamification import rewards
from gamification.models import PointsEntry, Redemption, Reward, RewardCode, UserPoints
from gamification.services import points_award
from tests import factories


def make_reward(brand, *, cost=50, limit=1, codes=3):
    reward = Reward.objects.create(brand=brand, title_zh="九折券", title_en="10% off", cost=cost, per_user_limit=limit)
    rewards.reward_codes_add(reward=reward, codes=[f"CODE-{reward.pk}-{i}" for i in range(codes)])
    return reward


def fund(user, amount):
    points_award(user_id=user.pk, amount=amount, action="test.grant", key=f"fund:{user.pk}:{amount}")


@pytest.mark.django_db
def test_redeem_spends_points_claims_a_code_and_notifies(shopper, brand):
    reward = make_reward(brand, cost=50)
    fund(shopper, 80)
    redemption = rewards.reward_redeem(user_id=shopper.pk, reward_id=reward.pk, key="k1")
    assert redemption.code.redeemed_at is not None
    assert redemption.points_entry.amount == -50 and redemption.points_entry.action == rewards.SPEND_ACTION
    assert UserPoints.objects.get(user=shopper).spendable == 30
    assert rewards.reward_stock(reward.pk) == 2
    note = Notification.objects.get(user=shopper, kind="gamification.reward.redeemed")
    assert redemption.code.code in note.body


@pytest.mark.django_db
def test_same_request_key_redeems_once(shopper, brand):
    reward = make_reward(brand, cost=10, limit=5)
    fund(shopper, 100)
    first = rewards.reward_redeem(user_id=shopper.pk, reward_id=reward.pk, key="same")
    again = rewards.reward_redeem(user_id=shopper.pk, reward_id=reward.pk, key="same")
    assert first.pk == again.pk
    assert Redemption.objects.count() == 1
    assert PointsEntry.objects.filter(user=shopper, amount__lt=0).count() == 1


@pytest.mark.django_db
def test_per_user_limit(shopper, brand):
    reward = make_reward(brand, cost=10, limit=2, codes=5)
    fund(shopper, 100)
    rewards.reward_redeem(user_id=shopper.pk, reward_id=reward.pk, key="a")
    rewards.reward_redeem(user_id=shopper.pk, reward_id=reward.pk, key="b")
    with pytest.raises(ServiceError) as exc:
        rewards.reward_redeem(user_id=shopper.pk, reward_id=reward.pk, key="c")
    assert exc.value.code == "limit_reached"
    assert UserPoints.objects.get(user=shopper).spendable == 80


@pytest.mark.django_db
def test_insufficient_points_is_a_clear_error_and_keeps_the_code(shopper, brand):
    reward = make_reward(brand, cost=50, codes=1)
    fund(shopper, 49)
    with pytest.raises(ServiceError) as exc:
        rewards.reward_redeem(user_id=shopper.pk, reward_id=reward.pk, key="k")
    assert exc.value.code == "insufficient_points"
    assert "50" in str(exc.value.message) and "49" in str(exc.value.message)
    assert rewards.reward_stock(reward.pk) == 1 and not Redemption.objects.exists()


@pytest.mark.django_db
def test_sold_out_and_closed_rewards(shopper, brand):
    reward = make_reward(brand, cost=1, codes=0)
    fund(shopper, 10)
    with pytest.raises(ServiceError) as exc:
        rewards.reward_redeem(user_id=shopper.pk, reward_id=reward.pk, key="k")
    assert exc.value.code == "sold_out"
    Reward.objects.filter(pk=reward.pk).update(is_active=False)
    with pytest.raises(ServiceError) as exc:
        rewards.reward_redeem(user_id=shopper.pk, reward_id=reward.pk, key="k2")
    assert exc.value.code == "reward_unavailable"


@pytest.mark.django_db
def test_codes_add_skips_duplicates(brand):
    reward = make_reward(brand, codes=0)
    assert rewards.reward_codes_add(reward=reward, codes=["A", "A", " ", "B"]) == 2
    assert rewards.reward_codes_add(reward=reward, codes=["B", "C"]) == 1
    assert RewardCode.objects.filter(reward=reward).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_threads_redeem_the_last_three_codes():
    assert connection.vendor == "postgresql"
    brand = factories.BrandFactory()
    reward = make_reward(brand, cost=10, codes=3)
    users = factories.UserFactory.create_batch(50)
    for user in users:
        fund(user, 10)
    barrier = threading.Barrier(50)
    outcomes = []
    lock = threading.Lock()

    def redeem(user):
        try:
            barrier.wait()
            try:
                rewards.reward_redeem(user_id=user.pk, reward_id=reward.pk, key=f"req-{user.pk}")
                result = "ok"
            except ServiceError as error:
                result = error.code
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 3
    assert set(outcomes) == {"ok", "sold_out"}
    assert Redemption.objects.count() == 3
    assert RewardCode.objects.filter(reward=reward, redeemed_at__isnull=False).count() == 3
    assert len(set(Redemption.objects.values_list("code_id", flat=True))) == 3
    assert PointsEntry.objects.filter(action=rewards.SPEND_ACTION).count() == 3
    # Nobody paid without a code.
    assert UserPoints.objects.filter(spendable=0).count() == 3
