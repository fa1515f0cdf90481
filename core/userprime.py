"""Per-user cache entries read together with the signed-in user, in the same round trip.

Higher layers keep small per-user entries in the cache that nearly every signed-in request asks
for (gamification: the user's level, behind the photo limit and the privileges). Each was a
round trip of its own. A layer that owns such an entry registers at start (its
``AppConfig.ready``) which keys to read for a user id and what to do with what was found; the
web session's user (``core.sessionauth``) reads them with the user's own entry and hands the
result over before the request's own work begins. A key that was not found changes nothing: the
owner reads it as it did before.
"""
_primers: list = []


def register(keys, apply):
    """``keys(user_id)``: the cache keys to read; ``apply(user, found)``: keep what was found
    (``found`` maps every key asked for that was present). Registering the same pair again is a no-op."""
    if (keys, apply) not in _primers:
        _primers.append((keys, apply))


def keys(user_id) -> list:
    return [key for keys_for, _apply in _primers for key in keys_for(user_id)]


def apply(user, found) -> None:
    for _keys, apply_found in _primers:
        apply_found(user, found)
