"""Domain signals of the interaction log, sent on commit with ``sender=None`` and keyword ids.

Gamification reverses (or re-awards) the points of check-ins and redemptions on these; votes
have their own events (``review_voted``, ``entry_voted``, ``poll_voted``), sent by their effects.
"""
from django.dispatch import Signal

# event_ids: list[int], actions: list[str] (parallel): these interactions were invalidated
interactions_invalidated = Signal()
# event_ids, actions: these invalidated interactions were restored (a human cleared them)
interactions_restored = Signal()
