"""Gamification's personal data, declared in the privacy registry (community/privacy/registry.py).

The ledger stays after an account is deleted (its rows are the record of points awarded and
spent, and other tables point at them) and stays verifiable: each row's hash covers the
account's numeric id, never its name or e-mail, and the account row is anonymised rather
than deleted, so the id becomes a pseudonymous key and ``ledger verify`` still passes."""
from django.utils.translation import gettext_noop

from community.privacy.registry import PersonalData, no_personal_data_register, personal_data_register
from gamification import rewards
from gamification.models import ActivityDay, PointsEntry, Redemption, UserBadge, UserPoints


def _points(user):
    row = UserPoints.objects.filter(user=user).first()
    if row is not None:
        yield {"total": row.total, "spendable": row.spendable, "pending": row.pending,
               "level_points": row.level_points, "level": row.level}


def _ledger(user):
    for entry in PointsEntry.objects.filter(user=user).order_by("id").iterator(chunk_size=2000):
        yield {"id": entry.pk, "amount": entry.amount, "action": entry.action, "reason": entry.reason,
               "source": entry.source_type, "source_id": entry.source_id, "reverses": entry.reverses_id,
               "vests_at": entry.vests_at, "vested_at": entry.vested_at, "created_at": entry.created_at,
               "hash": entry.hash}


def _keep(user, keep_content):
    """Kept for integrity under the anonymised account (see the module docstring)."""
    return 0


def _days(user):
    for day in ActivityDay.objects.filter(user=user).order_by("day"):
        yield {"day": day.day, "kind": day.kind}


def _erase_days(user, keep_content):
    return ActivityDay.objects.filter(user=user).delete()[0]


def _badges(user):
    for held in UserBadge.objects.filter(user=user).select_related("badge").order_by("awarded_at"):
        yield {"badge": held.badge.name, "tier": held.badge.tier, "awarded_at": held.awarded_at}


def _redemptions(user):
    for r in Redemption.objects.filter(user=user).select_related("reward", "code").order_by("id"):
        yield {"reward": r.reward.title, "code": r.code.code, "cost": r.cost, "redeemed_at": r.created_at,
               "voided_at": r.voided_at}


def _void_redemptions(user, keep_content):
    return rewards.redemptions_void_for_user(user_id=user.pk)


def register():
    for entry in [
        PersonalData("gamification.UserPoints", "points.json", gettext_noop(
            "Your points balance and level."), _points, _keep),
        PersonalData("gamification.PointsEntry", "points_ledger.json", gettext_noop(
            "Every row of your points ledger: points earned, spent and reversed, why, and when. "
            "After deletion the rows stay, detached from you, so the ledger still adds up."), _ledger, _keep),
        PersonalData("gamification.ActivityDay", "activity_days.json", gettext_noop(
            "The days you checked in or contributed (your streak)."), _days, _erase_days),
        PersonalData("gamification.UserBadge", "badges.json", gettext_noop(
            "The badges you earned."), _badges, _keep),
        PersonalData("gamification.Redemption", "rewards.json", gettext_noop(
            "The rewards you redeemed and their coupon codes; codes not used are voided when the account "
            "is deleted."), _redemptions, _void_redemptions),
    ]:
        personal_data_register(entry)
    no_personal_data_register("gamification.Reward", "reward descriptions written by brands")
