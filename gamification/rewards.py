"""The rewards store (积分兑换): services and selectors.

``reward_redeem`` is the only writer of redemptions. In one transaction it
locks the user (per-user limits hold under concurrency), claims one unclaimed
code row with ``SELECT ... FOR UPDATE SKIP LOCKED`` (concurrent buyers take
different codes instead of queueing on the same one, and nobody can take a
code twice), spends the points through the ledger, and records the redemption.
Any failure rolls all of it back, so a code is never sold without its points
or the points spent without a code.
"""
from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.integrity.services import interaction_record
from community.models import User
from community.services import notification_send
from core.errors import ServiceError
from gamification.models import Redemption, Reward, RewardCode

SPEND_ACTION = "gamification.reward.redeemed"
KEY_MAX = 80


# --- reads -----------------------------------------------------------------------------------------------


def reward_list_open(*, now=None):
    """Rewards on offer now, with the brand joined and ``stock`` (unclaimed codes) annotated."""
    now = now or timezone.now()
    return (
        Reward.objects.filter(is_active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now), Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("brand")
        .annotate(stock=Count("codes", filter=Q(codes__redeemed_at__isnull=True)))
        .order_by("position", "-created_at", "-id")
    )


def reward_get_open(*, reward_id, now=None):
    return reward_list_open(now=now).filter(pk=reward_id).first()


def redemption_counts_for_user(*, user_id, reward_ids=None) -> dict[int, int]:
    qs = Redemption.objects.filter(user_id=user_id)
    if reward_ids is not None:
        qs = qs.filter(reward_id__in=list(reward_ids))
    return dict(qs.order_by().values("reward_id").annotate(n=Count("id")).values_list("reward_id", "n"))


def redemption_list_for_user(*, user_id):
    return Redemption.objects.filter(user_id=user_id).select_related("reward__brand", "code")


# --- writes ------------------------------------------------------------------------------------------------


def _clean_key(key):
    key = (key or "").strip()
    if not key or len(key) > KEY_MAX:
        raise ServiceError(_("This request is missing its key; reload the page and try again."), code="key_invalid")
    return key


@transaction.atomic
def reward_redeem(*, user_id: int, reward_id: int, key: str, now=None) -> Redemption:
    """Redeem one code of ``reward_id`` for ``user_id``. ``key`` identifies the request:
    sending it again (a double tap, a retried request) returns the first redemption."""
    from gamification.services import points_spend

    key = f"{user_id}:{_clean_key(key)}"
    # The user's row serialises this user's redemptions, so per-user limits hold.
    User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first()
    done = Redemption.objects.filter(key=key).select_related("code", "reward").first()
    if done is not None:
        if done.user_id != user_id:  # pragma: no cover - keys are prefixed with the user id
            raise ServiceError(_("This request key was already used."), code="key_invalid")
        return done
    reward = Reward.objects.filter(pk=reward_id).select_related("brand").first()
    if reward is None or not reward.is_open(now):
        raise ServiceError(_("This reward is not on offer."), code="reward_unavailable", status_code=404)
    used = Redemption.objects.filter(user_id=user_id, reward=reward).count()
    if used >= reward.per_user_limit:
        raise ServiceError(
            _("You have already redeemed this reward %(n)d time(s), the most allowed.") % {"n": used},
            code="limit_reached",
        )
    free = RewardCode.objects.filter(reward=reward, redeemed_at__isnull=True).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        free = free.select_for_update(skip_locked=True)
    else:  # SQLite: one writer at a time anyway
        free = free.select_for_update()
    code = free.first()
    if code is None:
        raise ServiceError(_("Sorry, this reward is sold out."), code="sold_out")
    # Raises ServiceError(code="insufficient_points"); the transaction rolls back and frees the code.
    entry = points_spend(user_id=user_id, amount=reward.cost, action=SPEND_ACTION, source=reward, key=f"redeem:{key}")
    code.redeemed_at = now or timezone.now()
    code.save(update_fields=["redeemed_at"])
    try:
        with transaction.atomic():
            redemption = Redemption.objects.create(
                user_id=user_id, reward=reward, code=code, points_entry=entry, cost=reward.cost, key=key
            )
    except IntegrityError:  # pragma: no cover - the user lock makes the key check above final
        raise ServiceError(_("This request was already handled."), code="duplicate") from None
    _notify(user_id, redemption)
    interaction_record(actor_id=user_id, action="redemption", target=reward)
    return redemption


def _notify(user_id, redemption):
    reward = redemption.reward
    notification_send(
        user_id=user_id,
        kind="gamification.reward.redeemed",
        title=gettext_noop("You redeemed “%(title)s”"), title_params={"title": reward.title},
        body=_("Your code: %(code)s (%(brand)s). It is also on your rewards page.")
        % {"code": redemption.code.code, "brand": reward.brand.name},
        url="/me/rewards/",
    )


@transaction.atomic
def redemptions_void_for_user(*, user_id: int, now=None) -> int:
    """Void every coupon the user holds (account deletion). The store does not learn when a
    code is used at a brand's checkout, so every code not yet void is treated as unused.
    Idempotent; the points paid stay in the ledger. Returns how many were voided."""
    return Redemption.objects.filter(user_id=user_id, voided_at__isnull=True).update(voided_at=now or timezone.now())


@transaction.atomic
def reward_codes_add(*, reward: Reward, codes) -> int:
    """Add coupon codes to a reward's inventory; blank lines and duplicates are skipped. Returns how many were added."""
    clean = []
    seen = set()
    for raw in codes:
        code = (raw or "").strip()
        if not code or code in seen:
            continue
        if len(code) > 120:
            msg = _("A code may have at most 120 characters.")
            raise ServiceError(msg, code="code_too_long", fields={"codes": [msg]})
        seen.add(code)
        clean.append(code)
    existing = set(RewardCode.objects.filter(reward=reward, code__in=clean).values_list("code", flat=True))
    rows = [RewardCode(reward=reward, code=c) for c in clean if c not in existing]
    RewardCode.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def reward_stock(reward_id) -> int:
    return RewardCode.objects.filter(reward_id=reward_id, redeemed_at__isnull=True).count()

