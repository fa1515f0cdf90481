"""Every moderation write: submission, screening decisions, claims, human decisions,
reports and appeals. Each decision writes one append-only Event."""
import logging
import math
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from community.integrity.services import interaction_record
from community.models import Review, User
from community.services import notification_send
from core import hooks as core_hooks
from core.errors import PermissionDeniedError, ServiceError
from core.i18n import source_text
from core.queue import enqueue_on_commit
from core.text import clean_user_text
from moderation import registry, selectors
from moderation.models import Appeal, Case, Event, RejectReason, Report, WordEntry

log = logging.getLogger(__name__)
State = Case.State

LEASE = timedelta(minutes=getattr(settings, "MODERATION_LEASE_MINUTES", 10))
SLA = timedelta(hours=24)
REPORT_HIDE_WEIGHT = getattr(settings, "MODERATION_REPORT_HIDE_WEIGHT", 3.0)
REPORTS_PER_HOUR = getattr(settings, "MODERATION_REPORTS_PER_HOUR", 20)

# Queue reason → the reject reason a clear AI violation is filed under.
AI_REJECT_REASON = {
    "contact": RejectReason.SPAM,
    "wordlist": RejectReason.ABUSE,
    "duplicate": RejectReason.SPAM,
    "personal_data": RejectReason.PERSONAL_DATA,
    "classifier": RejectReason.SPAM,
    "low_quality": RejectReason.LOW_QUALITY,
}

# Why screening held an item, in the author's words (PIPL Art. 24: an automated decision
# tells the person its reason; docs/privacy-consent-access.md). Low quality has its own notice.
HOLD_REASONS_FOR_AUTHOR = {
    "contact": gettext_lazy("it seems to contain contact details or a link"),
    "personal_data": gettext_lazy("it seems to contain personal data, such as a phone or ID number"),
    "wordlist": gettext_lazy("it contains words our community rules ask a person to check"),
    "duplicate": gettext_lazy("it looks very similar to other posts"),
    "burst": gettext_lazy("many posts were sent in a short time"),
    "classifier": gettext_lazy("our automatic check was not sure about it"),
    "absolute_claim": gettext_lazy("it makes absolute claims, such as “the best” or “number one”"),
    "image": gettext_lazy("a photo needs a closer look"),
    "screening_failed": gettext_lazy("the automatic check could not finish"),
    "fake_incentive": gettext_lazy("its posting pattern looks like a fake review or one written for an undisclosed reward"),
}


def _tasks():
    from moderation import tasks

    return tasks


def event_record(case, *, actor, action, reason="", old_state="", new_state="", data=None):
    return Event.objects.create(
        case=case,
        content_type=case.content_type,
        object_id=case.object_id,
        actor=actor,
        action=action,
        reason=reason,
        old_state=old_state,
        new_state=new_state,
        data=data or {},
    )


# Reports that cannot wait: someone's personal data shown, or abuse aimed at a person.
URGENT_REPORT_REASONS = {"personal_data", "abuse"}
URGENT_BONUS = 2.0  # ahead of any item by risk alone, as a day of waiting would put it
# Queue reasons one round of reports sets: reported, urgent, on public content, hidden by weight.
REPORT_FLAGS = {"reported", "reported_urgent", "reported_public", "reported_hidden"}


def priority_for(*, risk, reach, report_weight, queued_at, urgent=False):
    """Higher first. Risk, the author's reach and report weight add to a base (urgent reports,
    personal data and abuse, add more); age is folded in as a static key: an item gains one
    full point per 24 h (the SLA), so ``base + age/24h`` orders the same as
    ``base - queued_at/24h`` for every row."""
    base = 2.0 * risk + 0.3 * math.log10(1 + reach) + 0.5 * min(report_weight, 6.0)
    if urgent:
        base += URGENT_BONUS
    return base - queued_at.timestamp() / SLA.total_seconds()


def _refresh_priority(case):
    case.priority = priority_for(
        risk=case.risk, reach=case.author_reach, report_weight=case.report_weight, queued_at=case.queued_at,
        urgent="reported_urgent" in case.queue_reasons,
    )


def _author_reach(author_id):
    """How many people the author reaches: published reviews plus helpful votes received."""
    agg = Review.objects.filter(author_id=author_id, status=Review.Status.PUBLISHED).aggregate(
        n=Count("id"), helpful=Sum("helpful_count")
    )
    return agg["n"] + (agg["helpful"] or 0)


# --- submission and screening -------------------------------------------------------


@transaction.atomic
def case_submit(*, content_type, object_id, author_id, published_first=False, language=""):
    """Open (or reopen, on edit) the case for a piece of content and enqueue its screening."""
    case, created = Case.objects.select_for_update().get_or_create(
        content_type=content_type,
        object_id=object_id,
        defaults={"author_id": author_id, "published_first": published_first, "language": language},
    )
    old = case.state
    if not created:
        case.revision = F("revision") + 1
        case.state = State.SCREENING
        case.published_first = published_first
        case.language = language or case.language
        case.claimed_by = None
        case.lease_expires_at = None
        case.save(update_fields=["revision", "state", "published_first", "language", "claimed_by", "lease_expires_at", "updated_at"])
        case.refresh_from_db(fields=["revision"])
    event_record(case, actor=None, action=f"moderation.{content_type}.submitted", old_state="" if created else old,
           new_state=State.SCREENING, data={"revision": case.revision, "published_first": published_first})
    # A first submission is screened at once (clear violations are blocked within seconds).
    # An edit waits a moment: every edit bumps the revision and a task for an older revision
    # returns without screening, so an edit storm collapses into one screening of the last text.
    if created:  # one task per batch of first submissions, not one per item: screening_ring
        transaction.on_commit(lambda: screening_ring(content_type, case_id=case.pk))
    else:
        delay = getattr(settings, "MODERATION_EDIT_SCREEN_DELAY", 3)
        enqueue_on_commit(_tasks().case_screen, case_id=case.pk, revision=case.revision, countdown=delay)
    return case


def _still_screening(case, revision):
    return case is not None and case.state == State.SCREENING and (revision is None or case.revision == revision)


class _Screened:
    """What screening decided for one item, before anything is written."""

    __slots__ = ("classifier_score", "decision", "detectors", "inp", "quality", "reasons", "risk")

    def __init__(self, inp, decision, risk, reasons, detectors, classifier_score, quality):
        self.inp, self.decision, self.risk, self.reasons = inp, decision, risk, reasons
        self.detectors, self.classifier_score, self.quality = detectors, classifier_score, quality


def _screen_decide(case, read):
    """Reads only: run the pipeline (and quality scoring) on one item. ``read()`` returns
    the adapter's ``(ScreenInput or None, quality_inputs)``. Returns None when the content
    is gone. Never raises: a failure queues the item with "screening_failed"."""
    from moderation import pipeline

    try:
        inp, quality_inputs = read()
        if inp is None:
            return None
        outcome = pipeline.screen(inp, thresholds=pipeline.thresholds_for(case.content_type))
        decision, risk, reasons = outcome.decision, outcome.risk, list(outcome.reasons)
        detectors, classifier_score = outcome.detectors, outcome.classifier_score
    except Exception:  # the pipeline guards each detector; this is the last line of defence
        log.exception("screening failed for case %s", case.pk)
        inp = None
        decision, risk, reasons, detectors, classifier_score = "queue", 0.5, ["screening_failed"], [], None

    # Quality (moderation/quality, docs/quality.md): score what is not rejected; an item the
    # pipeline would publish but that scores under QUALITY_HOLD_BELOW is queued with reason
    # "low_quality" instead, and its author is told how to improve it. Never raises.
    quality = None
    if inp is not None and decision != "reject":
        from moderation.quality.services import quality_screen

        quality = quality_screen(case=case, outcome=outcome, inputs=quality_inputs)
        if quality is not None:
            quality.held = quality.held and decision == "publish"
            if quality.held:
                decision, reasons = "queue", ["low_quality", *reasons]
    return _Screened(inp, decision, risk, reasons, detectors, classifier_score, quality)


def _screen_store(case, screened):
    """Inside the caller's transaction, ``case`` locked and still in screening: store the
    decision and act on it (publish / reject / queue)."""
    s = screened
    case.risk, case.queue_reasons, case.detectors = s.risk, s.reasons, s.detectors
    case.classifier_score, case.ai_decision, case.screened_at = s.classifier_score, s.decision, timezone.now()
    if s.quality is not None:
        from moderation.quality.services import quality_after_screen

        # Stored before the decision is applied, so what publication triggers (points
        # scaled by quality, the entry's place in the default order) sees the score.
        quality_after_screen(case=case, quality=s.quality)  # stores the score; notifies if held
    if s.decision == "reject":
        reason = next((AI_REJECT_REASON[r] for r in s.reasons if r in AI_REJECT_REASON), RejectReason.SPAM)
        _decide(case, actor=None, approve=False, reason_code=reason, note="")
    elif s.decision == "publish":
        _decide(case, actor=None, approve=True, reason_code="", note="")
    else:
        case.state = State.QUEUED
        case.queued_at = timezone.now()
        case.author_reach = _author_reach(case.author_id)
        _refresh_priority(case)
        case.save()
        event_record(case, actor=None, action=f"moderation.{case.content_type}.queued", reason=",".join(s.reasons),
               old_state=State.SCREENING, new_state=State.QUEUED, data={"risk": s.risk})
        _notify_held_for_review(case, s.reasons)


def case_screen(*, case_id, revision=None):
    """Run the pipeline on a case's content and act on its decision. Idempotent:
    a case no longer in screening (or screened at a later revision) is left alone.

    If screening fails the item goes to the queue with "screening_failed": never
    published unscreened, never lost."""
    from moderation import pipeline

    case = Case.objects.filter(pk=case_id).only("id", "content_type", "object_id", "state", "revision", "author").first()
    if not _still_screening(case, revision):
        return None
    adapter = registry.get(case.content_type)
    screened = _screen_decide(case, lambda: adapter.screen_inputs(case.object_id))
    if screened is None:
        return None

    with transaction.atomic():
        _lock_for_screening(adapter, [case])
        # Gone: the author's account was deleted while this ran (moderation/privacy.py).
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if not _still_screening(case, revision):
            return None
        _screen_store(case, screened)
        if screened.inp is not None:
            inp = screened.inp
            transaction.on_commit(lambda: pipeline.remember_all(inp))
    return case


def _lock_for_screening(adapter, cases, *, skip_locked=False):
    """Before any case lock, take the rows that writers in the author's name take first, in their
    order: the authors' user rows (``account_lock_active``: edits and account erasure hold it
    while they lock the content and its case), then the content rows. Any other order deadlocks
    with an edit or an erasure of the same item. Returns the object ids whose rows are held
    (``skip_locked`` leaves out the items whose author or content another transaction holds)."""
    author_ids = sorted({c.author_id for c in cases if c.author_id})
    held = set(User.objects.select_for_update(no_key=True, skip_locked=skip_locked)
               .filter(pk__in=author_ids).order_by("pk").values_list("pk", flat=True))
    ids = [c.object_id for c in cases if not c.author_id or c.author_id in held]
    return adapter.lock_many(ids, skip_locked=skip_locked) if ids else set()


SCREEN_BATCH = getattr(settings, "MODERATION_SCREEN_BATCH", 16)
# A case in screening this much older than the batch is not picked up by it (one whose
# content vanished stays in screening: it must not take a place in every batch forever).
SCREEN_BATCH_WINDOW = timedelta(seconds=getattr(settings, "MODERATION_SCREEN_BATCH_WINDOW", 600))
# A batch takes no further item after this many seconds (a loaded worker stays well inside the
# task's 20 s soft time limit); the items it leaves are screened by their own tasks.
SCREEN_BATCH_SECONDS = getattr(settings, "MODERATION_SCREEN_BATCH_SECONDS", 5.0)


# How long a rung door stays shut without its task starting (a lost task, a worker down): after
# that the next first submission sends a task again; ``screening_resume`` (beat) covers the rest.
SCREEN_DOOR_SECONDS = getattr(settings, "MODERATION_SCREEN_DOOR_SECONDS", 60)


class ScreeningFailed(ServiceError):
    pass


def _door_key(content_type):
    return f"moderation:screen-door:{content_type}"


def _door_in_use():
    """The door needs a broker (a task that runs later, elsewhere) and a cache every process
    shares; eagerly (no broker) or with a per-process cache each submission sends its own task."""
    backend = settings.CACHES["default"]["BACKEND"]
    return not _tasks().case_screen.app.conf.task_always_eager and "locmem" not in backend.lower() \
        and "dummy" not in backend.lower()


def screening_ring(content_type, *, case_id):
    """After a first submission's commit: send a screening task, unless one sent earlier for this
    kind has not started yet. A task opens the door (``screening_answer``) before it looks for
    waiting cases, so a submission that found the door shut committed before that look and is
    in its batch (or, past a full batch, in the next one the task rings for). Under load this is
    one task per batch instead of one per item (the others were no-ops: a query and a task's
    overhead each, about 12% of the worker's CPU, and a broker send in every submitting request).
    Returns whether a task was sent."""
    task = _tasks().case_screen
    if _door_in_use():
        try:
            if not cache.add(_door_key(content_type), case_id, SCREEN_DOOR_SECONDS):
                return False
        except Exception:  # the cache is down: send, as every submission did before the door
            log.warning("screening: the door cache failed; sending the task", exc_info=True)
        task.apply_async(kwargs={"case_id": case_id, "revision": 1, "content_type": content_type})
    else:
        task.apply_async(kwargs={"case_id": case_id, "revision": 1})
    return True


def _door_open(content_type):
    try:
        cache.delete(_door_key(content_type))
    except Exception:  # its lifetime opens it then
        log.warning("screening: could not open the door", exc_info=True)


def _waiting(content_type):
    """First submissions of this kind waiting in screening, in the batch window."""
    return Case.objects.filter(state=State.SCREENING, content_type=content_type, revision=1,
                               created_at__gte=timezone.now() - SCREEN_BATCH_WINDOW)


def _waiting_unheld(content_type, *, exclude=()):
    """The oldest waiting case no transaction holds (another worker's batch), or None."""
    with transaction.atomic():
        return (_waiting(content_type).exclude(pk__in=list(exclude)).select_for_update(skip_locked=True)
                .order_by("id").values_list("pk", flat=True).first())


def screening_answer(*, case_id, revision=None, content_type):
    """The task rung by ``screening_ring``: open the door, screen its case with the batch
    waiting with it; if its case was already screened by an earlier batch, screen the oldest
    waiting one instead (a submission may have relied on this task); if cases remain waiting
    that this run did not try (more than a batch), ring for the next batch. Returns the cases
    screened. Items this run tried and left (a failure, out of time, rows held by an edit) are
    not rung for again at once, or a failing item would ring without end: ``screening_resume``
    (beat, every minute) picks them up."""
    _door_open(content_type)
    tried = []
    try:
        screened = case_screen_batch(case_id=case_id, revision=revision, tried=tried)
        if not tried:  # its case was no longer waiting
            lead = _waiting_unheld(content_type)
            if lead is None:
                return screened
            screened = case_screen_batch(case_id=lead, revision=1, tried=tried)
        return screened
    finally:  # also when this task's own item failed (ScreeningFailed): the others committed before it
        nxt = _waiting_unheld(content_type, exclude=tried)
        if nxt is not None:
            screening_ring(content_type, case_id=nxt)


# First submissions older than the batch window that ``screening_resume`` sends a task of their
# own for, per run (the oldest-touched first; a case whose content vanished comes round again).
SCREEN_RESUME_OLD = getattr(settings, "MODERATION_SCREEN_RESUME_OLD", 200)


def screening_resume(*, older_than=30):
    """Beat, every minute: ring for every kind with first submissions waiting in screening for
    more than ``older_than`` seconds (a task lost with its worker, an item a batch left). A door
    already shut means a task is on its way. Batches take only cases of the last
    ``MODERATION_SCREEN_BATCH_WINDOW``: older ones (the workers were down or behind for longer)
    get a task of their own, up to ``SCREEN_RESUME_OLD`` a run. Returns the kinds rung for."""
    now = timezone.now()
    since, window = now - timedelta(seconds=older_than), now - SCREEN_BATCH_WINDOW
    stuck = Case.objects.filter(state=State.SCREENING, revision=1)
    rung = []
    for content_type, lead in (stuck.filter(created_at__lt=since, created_at__gte=window)
                               .values("content_type").annotate(lead=Min("id")).values_list("content_type", "lead")):
        if screening_ring(content_type, case_id=lead):
            rung.append(content_type)
    old = list(stuck.filter(created_at__lt=min(since, window)).order_by("updated_at", "id")
               .values_list("pk", flat=True)[:SCREEN_RESUME_OLD])
    if old:
        Case.objects.filter(pk__in=old).update(updated_at=now)  # the next run takes the next ones
        for pk in old:
            _tasks().case_screen.apply_async(kwargs={"case_id": pk, "revision": 1})
    return rung


def case_screen_batch(*, case_id, revision=None, limit=None, tried=None):
    """Micro-batching: screen ``case_id`` and, in the same run, up to ``limit - 1`` other
    first-revision cases of its kind already waiting in screening (never waits for more:
    a lone item is screened alone at once). Returns the cases screened.

    Each item's decision is the one ``case_screen`` would make for it: items go in case
    order, and each item's fingerprints are remembered before the next is screened (the
    duplicate detector sees the earlier items of its batch, as it would one by one). Shared:
    one read of all the items' content (``screen_inputs_many``), one transaction and commit.
    Each item has a savepoint of its own: one that fails is rolled back alone (its own task,
    still queued, screens it again); the others are committed. Publication, domain signals
    and follow-up tasks run on commit, per item, as they do one by one.

    Idempotent: cases are taken under row locks (``SKIP LOCKED`` for the batch's extras, so
    two workers never screen one item twice) and only while still in screening; the task of
    an item a batch already screened finds it decided and returns after one query."""
    from moderation import pipeline

    limit = SCREEN_BATCH if limit is None else limit
    deadline = time.monotonic() + SCREEN_BATCH_SECONDS
    if limit <= 1:  # batching off: the one-item path
        case = case_screen(case_id=case_id, revision=revision)
        if tried is not None:  # tried, whatever came of it (content gone: still in screening)
            tried.append(case_id)
        return [case] if case is not None else []
    case = Case.objects.filter(pk=case_id).only("id", "content_type", "object_id", "state", "revision", "author").first()
    if not _still_screening(case, revision):
        return []
    adapter = registry.get(case.content_type)
    screened_cases, failed = [], []
    with transaction.atomic():
        _lock_for_screening(adapter, [case])
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if not _still_screening(case, revision):
            return []
        others = list(
            _waiting(case.content_type).select_for_update(skip_locked=True)
            .exclude(pk=case.pk).order_by("id")[:limit - 1]
        )
        if others:  # their rows without waiting: one held is being edited (left to its own task)
            free = _lock_for_screening(adapter, others, skip_locked=True)
            others = [c for c in others if c.object_id in free]
        cases = sorted([case, *others], key=lambda c: c.pk)
        try:
            read = adapter.screen_inputs_many([c.object_id for c in cases])
        except Exception:  # read one by one then, each failure on its own item
            log.exception("screening: the batch read failed for cases %s", [c.pk for c in cases])
            read = None
        for item in cases:
            if item.pk != case.pk and time.monotonic() > deadline:
                continue  # out of time: left in screening for its own task
            one = (lambda item=item: read[item.object_id]) if read is not None else (
                lambda item=item: adapter.screen_inputs(item.object_id))
            if tried is not None:
                tried.append(item.pk)
            try:
                # A lone item needs no savepoint: its failure rolls back the whole (one-item) run.
                with transaction.atomic(savepoint=len(cases) > 1):
                    screened = _screen_decide(item, one)
                    if screened is None:
                        continue
                    _screen_store(item, screened)
                    if screened.inp is not None:
                        pipeline.remember_all(screened.inp, together=True)
            except Exception:
                log.exception("screening: could not store the decision of case %s", item.pk)
                failed.append(item.pk)
                continue
            screened_cases.append(item)
    if case.pk in failed:  # the others are committed; this task fails as a single screening would
        raise ScreeningFailed(f"could not store the screening decision of case {case.pk}")
    return screened_cases


def _notify_held_for_review(case, reasons):
    """Tell the author, in plain words, why screening held their item for a person (the
    low-quality hold has its own notice with hints; an item public while screened was not held)."""
    why = [str(HOLD_REASONS_FOR_AUTHOR[r]) for r in reasons if r in HOLD_REASONS_FOR_AUTHOR]
    if not why or "low_quality" in reasons or case.published_first:
        return
    notification_send(
        user_id=case.author_id, kind=f"moderation.{case.content_type}.held", email=False,
        title=gettext_noop("Your %(kind)s is waiting for a moderator"),
        title_params={"kind": source_text(registry.get(case.content_type).label)},
        body="\n".join([_("Our automatic check held it because %(why)s.") % {"why": "; ".join(why)},
                        _("A moderator will decide within 24 hours. If it is rejected, you can appeal and "
                          "another person will review it.")]),
    )


# --- integrity: reviews judged fake (issue 11 section 3) ----------------------------------

INTEGRITY_HOLD_ACTION = "moderation.{ct}.integrity_held"
FAKE_REASON = "fake_incentive"


@transaction.atomic
def case_hold_integrity(*, content_type, object_id, author_id, score, reasons, evidence="") -> Case | None:
    """Hold published content that the integrity scan judged fake (behaviour, not text): the
    item is hidden and queued with the reason "fake or undisclosed incentive", and a moderator
    decides as for any queued item (reject with ``RejectReason.FAKE``, or approve to publish it
    again). Once per item: an item held before (whatever was decided) is left alone, so a second
    scan changes nothing and a moderator's approval sticks. Returns the case, or None when nothing
    was done (not public, already held once, being screened or already rejected)."""
    action = INTEGRITY_HOLD_ACTION.format(ct=content_type)
    if Event.objects.filter(content_type=content_type, object_id=object_id, action=action).exists():
        return None
    case, _created = Case.objects.select_for_update().get_or_create(
        content_type=content_type, object_id=object_id,
        defaults={"author_id": author_id, "state": State.APPROVED},
    )
    if case.state not in (State.APPROVED, State.QUEUED):
        return None
    old = case.state
    detector = {"name": "integrity", "labels": [FAKE_REASON], "score": round(float(score), 4), "action": "hold",
                "evidence": list(reasons)[:10], "note": evidence[:500]}
    case.detectors = [d for d in (case.detectors or []) if d.get("name") != "integrity"] + [detector]
    case.risk = max(case.risk, float(score))
    case.queue_reasons = sorted(set(case.queue_reasons or []) | {FAKE_REASON})
    if case.state == State.APPROVED:
        case.state = State.QUEUED
        case.queued_at = timezone.now()
        case.claimed_by, case.lease_expires_at = None, None
        case.author_reach = _author_reach(case.author_id)
    _refresh_priority(case)
    case.save()
    registry.get(content_type).apply(object_id, registry.HIDE, FAKE_REASON)
    event_record(case, actor=None, action=action, reason=FAKE_REASON, old_state=old, new_state=case.state,
                 data={"score": round(float(score), 4), "reasons": list(reasons)[:10]})
    if old == State.APPROVED:
        _notify_held_for_review(case, [FAKE_REASON])
    return case


# --- decisions -------------------------------------------------------------------------


def _is_blind_calibration(case, actor):
    return actor is not None and case.known_answer and case.queue_reasons == ["calibration"]


def _decide_calibration(case, *, actor, approve, reason_code, note, bulk):
    """A moderator's verdict on a re-queued known-answer item: recorded for calibration,
    never applied. The case returns to its known answer (with the original reject reason)
    and the content, reports and author are left alone."""
    last = (Event.objects.filter(case=case, action="moderation.case.calibration_requeued")
            .order_by("-created_at", "-id").first())
    original = (last.data or {}).get("original", {}) if last else {}
    old = case.state
    known_reject = case.known_answer == "reject"
    case.state = State.REJECTED if known_reject else State.APPROVED
    case.reject_reason = original.get("reject_reason") or (reason_code if known_reject else "") or (
        RejectReason.SPAM if known_reject else "")
    case.claimed_by = None
    case.lease_expires_at = None
    case.decided_at = timezone.now()
    case.queue_reasons = []
    case.save()
    verb = "approved" if approve else "rejected"
    event_record(case, actor=actor, action=f"moderation.{case.content_type}.{verb}", reason=reason_code,
           old_state=old, new_state=case.state,
           data={"calibration": True, "bulk": bulk, "known_answer": case.known_answer,
                 "agrees_with_known_answer": case.known_answer == ("approve" if approve else "reject"),
                 "note": note[:200]})


def _decide(case, *, actor, approve, reason_code, note, bulk=False):
    """Apply one decision (AI when actor is None) to a locked case, its content, reports and appeal."""
    if _is_blind_calibration(case, actor):
        return _decide_calibration(case, actor=actor, approve=approve, reason_code=reason_code, note=note,
                                   bulk=bulk)
    old = case.state
    case.state = State.APPROVED if approve else State.REJECTED
    case.reject_reason = "" if approve else reason_code
    case.note = note
    case.decided_by = actor
    case.decided_at = timezone.now()
    case.claimed_by = None
    case.lease_expires_at = None
    case.save()
    adapter = registry.get(case.content_type)
    adapter.apply(case.object_id, registry.PUBLISH if approve else registry.REJECT, reason_code)

    verb = "approved" if approve else "rejected"
    data = {"risk": case.risk, "ai_decision": case.ai_decision, "bulk": bulk}
    if case.known_answer:
        data["known_answer"] = case.known_answer
        data["agrees_with_known_answer"] = case.known_answer == ("approve" if approve else "reject")
    appeal = getattr(case, "appeal", None) if actor is not None else None
    if appeal is not None and appeal.status == Appeal.Status.OPEN:
        appeal.status = Appeal.Status.OVERTURNED if approve else Appeal.Status.UPHELD
        appeal.decided_by = actor
        appeal.decision_note = note
        appeal.decided_at = timezone.now()
        appeal.save()
        if not approve:
            case.known_answer = "reject"  # upheld on appeal: a calibration item from now on
            case.save(update_fields=["known_answer"])
        data["appeal"] = appeal.status
    event_record(case, actor=actor, action=f"moderation.{case.content_type}.{verb}", reason=reason_code,
           old_state=old, new_state=case.state, data=data)
    _resolve_reports(case, upheld=not approve)
    # Reports a moderator dismissed on content that stayed public changed nothing for its author.
    quietly_kept = approve and "reported_public" in case.queue_reasons and "reported_hidden" not in case.queue_reasons
    if (not approve or actor is not None) and not quietly_kept:
        _notify_author(case, approve=approve, note=note)


def _notify_author(case, *, approve, note):
    reason = RejectReason(case.reject_reason).label if case.reject_reason else ""
    if approve:
        title = gettext_noop("Your %(kind)s is published")
        params = {"kind": source_text(registry.get(case.content_type).label)}
        body = note
    else:
        title = gettext_noop("Your %(kind)s was not published: %(reason)s")
        params = {"kind": source_text(registry.get(case.content_type).label), "reason": source_text(reason)}
        body = "\n".join(filter(None, [note, _("You can appeal this decision once from your notifications.")]))
    notification_send(
        user_id=case.author_id, kind=f"moderation.{case.content_type}.{case.state}", title=title, title_params=params,
        body=body,
        url=f"/moderation/cases/{case.pk}/appeal/" if not approve else "",
    )


def _resolve_reports(case, *, upheld):
    if not case.report_weight:  # every report (weight >= 0.5) sets it on the locked case: none to resolve
        return
    reports = list(Report.objects.filter(content_type=case.content_type, object_id=case.object_id,
                                         status=Report.Status.OPEN))
    if not reports:
        return
    status = Report.Status.UPHELD if upheld else Report.Status.DISMISSED
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(status=status, resolved_at=timezone.now())
    for r in reports:
        notification_send(
            user_id=r.reporter_id,
            kind=f"moderation.report.{status}",
            title=gettext_noop("Thanks for your report: the content was removed")
            if upheld else gettext_noop("Thanks for your report: moderators kept the content"),
            email=False,
        )


@transaction.atomic
def case_decide(*, case_id, moderator, approve, reason_code="", note="", bulk=False):
    """A moderator's decision on a queued item they hold (or that no one holds)."""
    if not approve and reason_code not in RejectReason.values:
        msg = _("Choose a reason for the rejection.")
        raise ServiceError(msg, code="reason_required", fields={"reason": [msg]})
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise ServiceError(_("Item not found."), code="not_found", status_code=404)
    if case.state != State.QUEUED:
        raise ServiceError(_("This item was already decided."), code="already_decided", status_code=409)
    now = timezone.now()
    if case.claimed_by_id not in (None, moderator.pk) and case.lease_expires_at and case.lease_expires_at > now:
        raise PermissionDeniedError(_("Another moderator holds this item."), code="claimed")
    appeal = getattr(case, "appeal", None)
    if appeal is not None and appeal.status == Appeal.Status.OPEN and appeal.original_moderator_id == moderator.pk:
        raise PermissionDeniedError(_("An appeal goes to a different moderator."), code="appeal_same_moderator")
    _decide(case, actor=moderator, approve=approve, reason_code=reason_code, note=note[:1000], bulk=bulk)
    return case


def case_bulk_decide(*, case_ids, moderator, approve, reason_code="", note=""):
    """Decide a selection; each item in its own transaction, skipping ones that can't be decided."""
    done, skipped = [], []
    for case_id in case_ids:
        try:
            case_decide(case_id=case_id, moderator=moderator, approve=approve, reason_code=reason_code,
                        note=note, bulk=True)
            done.append(case_id)
        except ServiceError:
            skipped.append(case_id)
    return done, skipped


# --- the queue -------------------------------------------------------------------------


def _claimable(moderator, now):
    return (
        Case.objects.filter(state=State.QUEUED)
        .filter(Q(claimed_by__isnull=True) | Q(lease_expires_at__lt=now) | Q(claimed_by=moderator))
        .exclude(appeal__status=Appeal.Status.OPEN, appeal__original_moderator=moderator)
    )


@transaction.atomic
def case_claim_next(*, moderator, content_type=None, reason=None, language=None):
    """Give the moderator the top item under a 10-minute lease. ``skip_locked`` means two
    moderators claiming at once each get a different row; an expired lease is claimable."""
    now = timezone.now()
    held = Case.objects.filter(state=State.QUEUED, claimed_by=moderator, lease_expires_at__gt=now).first()
    if held is not None:
        return held
    qs = _claimable(moderator, now)
    if content_type:
        qs = qs.filter(content_type=content_type)
    if language:
        qs = qs.filter(language=language)
    if reason:
        qs = qs.filter(selectors.has_reason(reason))
    case = qs.select_for_update(skip_locked=True, of=("self",)).order_by("-priority", "id").first()
    if case is None:
        return None
    case.claimed_by = moderator
    case.lease_expires_at = now + LEASE
    case.save(update_fields=["claimed_by", "lease_expires_at", "updated_at"])
    return case


@transaction.atomic
def case_renew_lease(*, case_id, moderator):
    case = Case.objects.select_for_update().filter(pk=case_id, state=State.QUEUED, claimed_by=moderator).first()
    if case is None:
        raise ServiceError(_("You no longer hold this item."), code="lease_lost", status_code=409)
    case.lease_expires_at = timezone.now() + LEASE
    case.save(update_fields=["lease_expires_at", "updated_at"])
    return case


@transaction.atomic
def case_release(*, case_id, moderator):
    return Case.objects.filter(pk=case_id, claimed_by=moderator).update(claimed_by=None, lease_expires_at=None)


# --- reports ---------------------------------------------------------------------------


def report_weight_for(user):
    """Trust-weighted: reporters whose past reports were upheld weigh more, dismissed ones less."""
    stats = Report.objects.filter(reporter=user).exclude(status=Report.Status.OPEN).aggregate(
        upheld=Count("id", filter=Q(status=Report.Status.UPHELD)),
        dismissed=Count("id", filter=Q(status=Report.Status.DISMISSED)),
    )
    accuracy = (stats["upheld"] + 1) / (stats["upheld"] + stats["dismissed"] + 2)  # Laplace-smoothed
    weight = 0.5 + accuracy
    if core_hooks.user_can(user, "heavier_reports"):
        weight *= 1.5
    return round(weight, 3)


def report_create(*, reporter, content_type, object_id, reason, message=""):
    if reason not in Report.Reason.values:
        msg = _("Choose a reason for the report.")
        raise ServiceError(msg, code="reason_required", fields={"reason": [msg]})
    try:
        adapter = registry.get(content_type)
    except KeyError:
        raise ServiceError(_("This content cannot be reported."), code="not_found", status_code=404) from None
    author_id = adapter.author_id(object_id)
    if author_id is None:
        raise ServiceError(_("Content not found."), code="not_found", status_code=404)
    if author_id == reporter.pk:
        raise PermissionDeniedError(_("You cannot report your own content."), code="own_content")
    key = f"moderation:reports:{reporter.pk}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, 3600)
    if cache.incr(key) > REPORTS_PER_HOUR:
        raise ServiceError(_("You have sent many reports in the last hour. Please try again later."),
                           code="throttled", status_code=429)
    with transaction.atomic():
        report, created = Report.objects.get_or_create(
            content_type=content_type, object_id=object_id, reporter=reporter,
            defaults={"reason": reason, "message": message[:500], "weight": report_weight_for(reporter)},
        )
        if not created:
            raise ServiceError(_("You have already reported this."), code="duplicate_report", status_code=409)
        case, case_created = Case.objects.select_for_update().get_or_create(
            content_type=content_type, object_id=object_id,
            defaults={"author_id": author_id, "state": State.APPROVED},
        )
        total = Report.objects.filter(content_type=content_type, object_id=object_id,
                                      status=Report.Status.OPEN).aggregate(w=Sum("weight"))["w"] or 0.0
        case.report_weight = total
        reasons = {"reported"} | ({"reported_urgent"} if reason in URGENT_REPORT_REASONS else set())
        old = case.state
        if case.state == State.APPROVED:
            # Every report puts published content in front of a moderator; it stays public
            # until a moderator decides, unless enough trusted weight hides it (below). A new
            # round of reports starts with none of the last round's flags.
            case.state = State.QUEUED
            case.queued_at = timezone.now()
            case.claimed_by, case.lease_expires_at = None, None
            case.queue_reasons = [r for r in case.queue_reasons if r not in REPORT_FLAGS] + ["reported_public"]
        if case.state == State.QUEUED:
            case.queue_reasons = sorted(set(case.queue_reasons) | reasons)
            _refresh_priority(case)
        hide = ("reported_public" in case.queue_reasons and "reported_hidden" not in case.queue_reasons
                and total >= REPORT_HIDE_WEIGHT)
        if hide:
            case.queue_reasons = sorted(set(case.queue_reasons) | {"reported_hidden"})
        case.save()
        if old == State.APPROVED:
            event_record(case, actor=None, action=f"moderation.{content_type}.reported", reason=reason,
                         old_state=old, new_state=case.state, data={"report_weight": total})
        if hide:
            adapter.apply(object_id, registry.HIDE, "reported")
            event_record(case, actor=None, action=f"moderation.{content_type}.hidden_by_reports", reason="reported",
                         old_state=old, new_state=State.QUEUED, data={"report_weight": total})
        interaction_record(actor=reporter, action="report", target=report, target_author_id=author_id)
    return report



# --- appeals -----------------------------------------------------------------------------


@transaction.atomic
def appeal_create(*, author, case_id, message):
    case = Case.objects.select_for_update().filter(pk=case_id, author=author).first()
    if case is None:
        raise ServiceError(_("Item not found."), code="not_found", status_code=404)
    if case.state != State.REJECTED:
        raise ServiceError(_("Only a rejection can be appealed."), code="not_rejected")
    if Appeal.objects.filter(case=case).exists():
        raise ServiceError(_("You have already appealed this decision; the outcome is final."), code="appeal_exists")
    message = clean_user_text(message)
    if not message:
        msg = _("Tell the moderators why the decision should change.")
        raise ServiceError(msg, code="message_required", fields={"message": [msg]})
    appeal = Appeal.objects.create(case=case, author=author, message=message[:2000],
                                   original_moderator_id=case.decided_by_id)
    old = case.state
    case.state = State.QUEUED
    case.queued_at = timezone.now()
    case.queue_reasons = sorted(set(case.queue_reasons) | {"appeal"})
    case.report_weight = max(case.report_weight, 2.0)  # appeals are due within 24 h too
    _refresh_priority(case)
    case.save()
    event_record(case, actor=author, action=f"moderation.{case.content_type}.appealed", reason="appeal",
           old_state=old, new_state=State.QUEUED)
    return appeal


def expire_leases():
    """Leases expire on their own (claims ignore expired ones); this only tidies the columns."""
    return Case.objects.filter(state=State.QUEUED, lease_expires_at__lt=timezone.now()).update(
        claimed_by=None, lease_expires_at=None
    )


# --- word lists ---------------------------------------------------------------------------


def wordlist_load(*, entries):
    """Create the entries that don't exist yet (by term + category); never overwrites an
    operator's edits. Returns ``(created, existing)``. Idempotent."""
    from moderation.detectors.lexicon import lexicon_invalidate

    created = existing = 0
    with transaction.atomic():
        for e in entries:
            _, was_created = WordEntry.objects.get_or_create(
                term=e["term"].strip(),
                category=e.get("category", WordEntry.Category.SPAM),
                defaults={"action": e.get("action", WordEntry.Action.FLAG), "note": e.get("note", "")[:200]},
            )
            created += was_created
            existing += not was_created
        transaction.on_commit(lexicon_invalidate)
    lexicon_invalidate()
    return created, existing


def cases_rejected_content_purge(*, now, days, dry_run=False) -> int:
    """Retention: the text and images of content rejected more than ``days`` ago are dropped
    through the owning app's service, and the evidence snippets copied into its case; the case
    (decision, reason, detector names and scores) and its audit events stay. Returns how many
    items lost something; safe to run again (an emptied item changes nothing)."""
    cutoff = now - timedelta(days=days)
    cases = (
        Case.objects.filter(state=Case.State.REJECTED, decided_at__lt=cutoff)
        .exclude(appeal__status=Appeal.Status.OPEN)
        .only("id", "content_type", "object_id", "detectors")
        .order_by("id")
    )
    purged = 0
    for case in cases.iterator():
        with transaction.atomic():
            changed = registry.get(case.content_type).purge_content(case.object_id)
            detectors = [{k: v for k, v in d.items() if k != "evidence"} for d in case.detectors or []]
            if detectors != case.detectors:
                Case.objects.filter(pk=case.pk).update(detectors=detectors)
                changed = True
        purged += bool(changed)
    return purged
