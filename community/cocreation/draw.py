"""The verifiable prize draw (pure functions; no database).

When entries open, a random 32-byte seed is drawn and ``sha256(seed)`` is published
on the challenge page. At the draw the seed is revealed together with the sorted list
of eligible participant ids, and the winners are::

    remaining = sorted(participant_ids)
    for i in range(n):
        digest = sha256(f"{seed}:{i}".encode()).hexdigest()
        winners.append(remaining.pop(int(digest, 16) % len(remaining)))

Anyone can check ``sha256(seed) == committed hash`` and recompute the winners with this
function (or the few lines above in any language).
"""
import hashlib
import secrets


def seed_new() -> str:
    return secrets.token_hex(32)


def seed_commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def draw_winners(seed: str, participant_ids, n: int) -> list[int]:
    remaining = sorted(int(p) for p in set(participant_ids))
    winners = []
    for i in range(min(int(n), len(remaining))):
        digest = hashlib.sha256(f"{seed}:{i}".encode("ascii")).hexdigest()
        winners.append(remaining.pop(int(digest, 16) % len(remaining)))
    return winners
