"""Ring cases: unclear clusters of accounts acting together go to moderators as one case
(issue 11 section 3). The scan opens them here; the pages and decisions build on these rows."""
import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Count

from community.integrity.models import InteractionEvent
from moderation.models import RingCase, RingCaseEvent, RingMember


def case_key(accounts, detectors) -> str:
    """Stable over re-scans: the sorted member ids and the detector(s)."""
    names = [detectors] if isinstance(detectors, str) else sorted(set(detectors))
    text = ",".join(str(a) for a in sorted({int(a) for a in accounts})) + "|" + "+".join(names)
    return hashlib.sha256(text.encode()).hexdigest()[:64]


def _members_sync(case, accounts):
    """One member row per account (new ones pending), with how many of the case's events are theirs."""
    have = set(RingMember.objects.filter(case=case).values_list("user_id", flat=True))
    RingMember.objects.bulk_create([RingMember(case=case, user_id=a) for a in sorted(set(accounts) - have)],
                                   ignore_conflicts=True)
    counts = dict(RingCaseEvent.objects.filter(case=case).values("event__actor_id")
                  .annotate(n=Count("id")).values_list("event__actor_id", "n"))
    for member in RingMember.objects.filter(case=case).only("id", "user_id", "event_count"):
        n = counts.get(member.user_id, 0)
        if member.event_count != n:
            RingMember.objects.filter(pk=member.pk).update(event_count=n)


def open_case(*, accounts, event_ids, score, detectors, evidence) -> tuple[RingCase, bool]:
    """Open the ring case of ``accounts`` (user ids), or find the one a previous scan opened (same
    key). An open case takes the new events, the higher score and the latest evidence; a decided
    case is left as decided (returned with ``created=False``). Returns (case, created)."""
    accounts = sorted({int(a) for a in accounts})
    detectors = [detectors] if isinstance(detectors, str) else sorted(set(detectors))
    key = case_key(accounts, detectors)
    event_ids = sorted({int(e) for e in event_ids})
    with transaction.atomic():
        case = RingCase.objects.select_for_update().filter(key=key).first()
        created = False
        if case is None:
            try:
                with transaction.atomic():
                    case = RingCase.objects.create(key=key, score=float(score), detectors=detectors,
                                                   evidence=evidence or "")
                    created = True
            except IntegrityError:  # a concurrent scan opened it
                case = RingCase.objects.select_for_update().get(key=key)
        if case.status != RingCase.Status.OPEN:
            return case, False
        if not created:
            changed = {}
            if float(score) > case.score:
                changed["score"] = float(score)
            if evidence and evidence != case.evidence:
                changed["evidence"] = evidence
            if changed:
                for k, v in changed.items():
                    setattr(case, k, v)
                case.save(update_fields=[*changed, "updated_at"])
        existing = set(RingCaseEvent.objects.filter(case=case).values_list("event_id", flat=True))
        new = [e for e in InteractionEvent.objects.filter(pk__in=event_ids).values_list("pk", flat=True)
               if e not in existing]
        RingCaseEvent.objects.bulk_create([RingCaseEvent(case=case, event_id=e) for e in new], ignore_conflicts=True)
        if created or new:
            _members_sync(case, accounts)
    return case, created
