"""How the integrity thresholds did on past human decisions (issue 11, section 2: the thresholds
are settings, "shown to operators with the precision they achieved on past human decisions, as
the moderation thresholds already are"). Read by the ops page; three queries.

Each line of the scan is judged by the humans who later looked at what it did:

- ``INTEGRITY_INVALIDATE_AT`` (automatic invalidation): of the automatic invalidations a human
  reviewed since ``since``, the share the human confirmed. Confirmed: the flag was in a rejected
  appeal, or its interaction is in a ring case where the actor was decided "invalidated".
  Overturned: a human restored it (an upheld appeal or a cleared ring member).
- ``INTEGRITY_REVIEW_AT`` (a ring case for a moderator): of the ring members decided since
  ``since``, the share the moderator invalidated.
- ``INTEGRITY_REVIEW_HOLD_AT`` (a review held as fake or undisclosed incentive): of the held
  items a moderator decided since ``since``, the share rejected.

Below the review line nothing is decided by a human except the fake-interaction audit, whose
genuine share the ops page shows beside these (``fakerate``).
"""
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from community.integrity.models import InteractionFlag
from moderation.models import (
    Case,
    Event,
    RingAppeal,
    RingAppealFlag,
    RingCaseEvent,
    RingMember,
)

State = Case.State


def _share(ok, n):
    return ok / n if n else None


def threshold_precision(*, since):
    """``[{"key", "line", "precision", "n", "confirmed"}]`` for the three integrity lines."""
    rejected_appeal = RingAppealFlag.objects.filter(flag=OuterRef("pk"), appeal__status=RingAppeal.Status.REJECTED)
    confirmed_in_case = RingCaseEvent.objects.filter(
        event=OuterRef("event_id"),
        case__members__user=OuterRef("event__actor_id"),
        case__members__decision=RingMember.Decision.INVALIDATED,
    )
    auto = InteractionFlag.objects.filter(source=InteractionFlag.Source.AUTO, created_at__gte=since).aggregate(
        overturned=Count("pk", filter=Q(restored_by__isnull=False)),
        confirmed=Count("pk", filter=Q(restored_at__isnull=True) & (Q(Exists(rejected_appeal))
                                                                  | Q(Exists(confirmed_in_case)))),
    )
    members = RingMember.objects.filter(case__decided_at__gte=since).exclude(
        decision=RingMember.Decision.PENDING).aggregate(
        n=Count("pk"), ok=Count("pk", filter=Q(decision=RingMember.Decision.INVALIDATED)))
    held = Event.objects.filter(content_type=OuterRef("content_type"), object_id=OuterRef("object_id"),
                                action__endswith=".integrity_held")
    holds = Case.objects.filter(Exists(held), decided_by__isnull=False, decided_at__gte=since,
                                state__in=[State.APPROVED, State.REJECTED]).aggregate(
        n=Count("pk"), ok=Count("pk", filter=Q(state=State.REJECTED)))
    auto_n = auto["confirmed"] + auto["overturned"]
    return [
        {"key": "invalidate", "line": settings.INTEGRITY_INVALIDATE_AT, "n": auto_n,
         "confirmed": auto["confirmed"], "precision": _share(auto["confirmed"], auto_n)},
        {"key": "ring_case", "line": settings.INTEGRITY_REVIEW_AT, "n": members["n"],
         "confirmed": members["ok"], "precision": _share(members["ok"], members["n"])},
        {"key": "review_hold", "line": settings.INTEGRITY_REVIEW_HOLD_AT, "n": holds["n"],
         "confirmed": holds["ok"], "precision": _share(holds["ok"], holds["n"])},
    ]
