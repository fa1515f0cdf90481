"""One way to invalidate an interaction, whatever its kind.

Integrity checks (and operators) call ``interaction_invalidate(kind=..., interaction_id=...)``.
Each kind has one service that marks the row invalid (it is kept, and keeps its slot),
recounts the caches from rows under the same locks a vote takes, and sends the event
gamification reverses the interaction's points on. Community registers helpful votes;
co-creation registers entry and poll votes at start (``AppConfig.ready``).
"""
from core.errors import ServiceError

INVALIDATORS = {}


def interaction_kind_register(kind, invalidate):
    """``invalidate(*, vote_id, reason)`` returns the row (None when it does not exist)."""
    INVALIDATORS[kind] = invalidate
    return invalidate


def interaction_kinds() -> list[str]:
    return sorted(INVALIDATORS)


def interaction_invalidate(*, kind, interaction_id, reason="gamification.fraud"):
    """Invalidate one interaction; idempotent. Raises ``ServiceError`` for an unknown kind."""
    invalidate = INVALIDATORS.get(kind)
    if invalidate is None:
        raise ServiceError(f"Unknown interaction kind: {kind}", code="kind_invalid",
                           fields={"kind": [f"one of {', '.join(interaction_kinds())}"]})
    return invalidate(vote_id=interaction_id, reason=reason)
