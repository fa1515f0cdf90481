"""Actions on fake interactions (issue 11 section 3): invalidate clear cases, restore what a human
cleared. The work is the interaction log's (``community.integrity.services``): the event keeps
its row, marked invalid with an ``InteractionFlag``; each action's owner (registered in
``community.integrity.registry``) takes its row out of the counts, recounted from valid rows;
gamification reverses the points on the domain event sent on commit (reversing ledger rows,
keyed, so running twice reverses once). A restore re-awards. See docs/integrity.md, "Actions".
"""
from community.integrity.services import interactions_invalidate, interactions_restore


def invalidate(event_ids, *, detector: str, score: float, evidence: str, decided_by=None, source="auto",
               per_event=None) -> int:
    """Invalidate the interactions; returns how many were newly invalidated (0 when run again).
    ``source="auto"`` (the scan) never touches an event a human restored; ``"human"`` does.
    ``per_event``: {event id: (detector, score, evidence)} where they differ per event."""
    if decided_by is not None and source == "auto":
        source = "human"
    return interactions_invalidate(list(event_ids), detector=detector, score=score, evidence=evidence,
                                   decided_by=decided_by, source=source, per_event=per_event)


def restore(event_ids, *, decided_by, note="") -> int:
    """Restore invalidated interactions (an upheld appeal, a cleared ring member): they count
    again and their points are re-awarded. Returns how many were restored; idempotent."""
    return interactions_restore(list(event_ids), restored_by=decided_by, note=note)
