"""What invalidating (or restoring) one logged interaction does to its app's state, per action.

The interaction log does not know votes, check-ins or reports; each app that owns an action
registers its effect at start (``AppConfig.ready``): community the helpful / not-helpful votes,
co-creation the entry and poll votes, moderation reports. An effect:

- ``invalidate(event, reason)``: takes the owning row out of every count (kept, marked invalid,
  counters recounted from valid rows under the locks a vote takes) and sends the domain event on
  commit that makes gamification reverse the points it earned;
- ``restore(event)``: the opposite; gamification re-awards on the same event.

``event`` is an ``EventRef`` (the log row's ids and time). Both run inside the caller's
transaction, after the log row itself was marked, and must be idempotent. Actions without an
effect (withdrawals, submissions) are only marked in the log; check-ins and redemptions are
settled by gamification on the ``interactions_invalidated`` / ``interactions_restored`` signals.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EventRef:
    id: int
    action: str
    actor_id: int
    target_ct_id: int | None
    target_id: int | None
    target_author_id: int | None
    at: datetime


@dataclass(frozen=True)
class Effect:
    actions: tuple[str, ...]  # the actions that share one owning row (a helpful and a not-helpful vote)
    invalidate: Callable[[EventRef, str], object]
    restore: Callable[[EventRef], object]


EFFECTS: dict[str, Effect] = {}

EVENT_FIELDS = ("id", "action", "actor_id", "target_ct_id", "target_id", "target_author_id", "at")


def effect_register(actions, *, invalidate, restore) -> Effect:
    """Register what invalidating / restoring an event of any of ``actions`` does."""
    effect = Effect(tuple(actions), invalidate, restore)
    for action in effect.actions:
        EFFECTS[action] = effect
    return effect


def vote_effect_register(actions, *, model, target_field, invalidate, restore) -> Effect:
    """``effect_register`` for a vote row (one per voter and target): the event's row is the
    ``model`` row with ``target_field`` = the event's target and ``user`` = its actor, handed to
    ``invalidate(vote_id=, reason=)`` / ``restore(vote_id=)``; an event whose row is gone (the
    vote was withdrawn) has no effect."""

    def vote_of(event):
        return model.objects.filter(**{target_field: event.target_id, "user_id": event.actor_id}).values_list(
            "pk", flat=True).first()

    def on_invalidate(event, reason):
        vote_id = vote_of(event)
        return invalidate(vote_id=vote_id, reason=reason) if vote_id else None

    def on_restore(event):
        vote_id = vote_of(event)
        return restore(vote_id=vote_id) if vote_id else None

    return effect_register(actions, invalidate=on_invalidate, restore=on_restore)


def effect_for(action) -> Effect | None:
    return EFFECTS.get(action)


def effect_actions() -> list[str]:
    return sorted(EFFECTS)
