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


def effect_for(action) -> Effect | None:
    return EFFECTS.get(action)


def effect_actions() -> list[str]:
    return sorted(EFFECTS)
