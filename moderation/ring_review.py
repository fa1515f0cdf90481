"""The human path for ring cases (issue 11, section 3): a moderator's decision on a whole cluster,
and a shopper's appeal against an invalidation, decided by a different human (PIPL Art. 24).

Services (writes) first, then the reads the pages use, each in a fixed number of queries.
The interactions themselves are invalidated and restored only through
``moderation.integrity_actions`` (``invalidate`` / ``restore``), which reverse and re-award the
points through the ledger and recompute the counters. docs/integrity.md, "Ring cases and appeals".
"""
import string
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from community import hooks
from community.cocreation.models import Entry
from community.integrity.models import InteractionEvent, InteractionFlag
from community.models import Review, User
from community.services import notification_send
from core.errors import PermissionDeniedError, ServiceError
from core.text import clean_user_text
from moderation import integrity_actions
from moderation.models import (
    Event,
    RingAppeal,
    RingAppealFlag,
    RingCase,
    RingCaseEvent,
    RingMember,
)

Decision = RingCase.Decision
MemberDecision = RingMember.Decision
HUMAN_DETECTOR = "ring_case"  # the flag's detector when a moderator invalidates a ring case
NOTE_MAX = 1000
APPEAL_TEXT_MAX = 1000
TIMELINE_CAP = 40  # events shown on a case page; the rest are counted ("N more")
TARGET_CAP = 20
LIST_PAGE_SIZE = 20

# What each detector means, in plain words for the shopper (and the moderator's legend).
DETECTOR_LABELS = {
    "serial": gettext_lazy("Many votes for one person's content in a short time"),
    "lockstep": gettext_lazy("A group of accounts acting on the same items at the same time"),
    "dense_block": gettext_lazy("A group of accounts repeatedly acting on the same items"),
    "burst": gettext_lazy("A sudden rush of votes on one item"),
    "swarm": gettext_lazy("Many new accounts acting on one item"),
    "shared_signal": gettext_lazy("Several accounts using the same device or network on the same items"),
    "network_burst": gettext_lazy("A rush of votes on one item from a few networks that hardly vote otherwise"),
    HUMAN_DETECTOR: gettext_lazy("A moderator reviewed a group of accounts acting together"),
}


def detector_label(code):
    return DETECTOR_LABELS.get(code, code)


# --- deciding a ring case ----------------------------------------------------------------------


def decide_case(case, *, decision, moderator, member_ids=None, note=""):
    """One decision for a whole ring case, in one transaction.

    - ``invalidate_all``: every member's interactions in the case are invalidated (their points
      reversed through the ledger);
    - ``clear_all``: every member is cleared; interactions the automatic checks had invalidated
      are restored (points re-awarded);
    - ``partial``: ``member_ids`` (user ids) are invalidated, the other members cleared.

    The case row is locked (``select_for_update``) and must still be open, so two moderators
    deciding at once cannot both apply: the second gets "already decided". Returns
    ``{"invalidated": n, "restored": n}`` (interactions changed)."""
    if decision not in (Decision.INVALIDATE_ALL, Decision.CLEAR_ALL, Decision.PARTIAL):
        msg = _("Choose invalidate all, clear all or pick members.")
        raise ServiceError(msg, code="decision_invalid", fields={"decision": [msg]})
    case_id = case.pk if isinstance(case, RingCase) else int(case)
    note = clean_user_text(note or "")[:NOTE_MAX]
    with transaction.atomic():
        case = RingCase.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            raise ServiceError(_("Ring case not found."), code="not_found", status_code=404)
        if case.status != RingCase.Status.OPEN:
            raise ServiceError(_("This ring case was already decided."), code="already_decided", status_code=409)
        members = list(RingMember.objects.filter(case=case).order_by("id"))
        all_users = {m.user_id for m in members}
        if decision == Decision.PARTIAL:
            picked = {int(i) for i in (member_ids or [])}
            if not picked:
                msg = _("Pick at least one member to invalidate, or choose clear all.")
                raise ServiceError(msg, code="members_required", fields={"members": [msg]})
            if picked - all_users:
                msg = _("Only members of this case can be picked.")
                raise ServiceError(msg, code="members_invalid", fields={"members": [msg]})
        else:
            picked = all_users if decision == Decision.INVALIDATE_ALL else set()
        if moderator.pk in all_users:
            raise PermissionDeniedError(_("You are a member of this ring case; another moderator decides it."),
                                        code="own_case")
        rows = list(RingCaseEvent.objects.filter(case=case).values_list(
            "event_id", "event__actor_id", "event__valid", "event__flag__source", "event__flag__restored_at"))
        to_invalidate = [eid for eid, actor, valid, _s, _r in rows if actor in picked and valid]
        # Cleared members get back what the automatic checks took; a human's earlier decision stays.
        to_restore = [eid for eid, actor, valid, source, restored in rows
                      if actor not in picked and not valid and source == InteractionFlag.Source.AUTO]
        invalidated = restored = 0
        if to_invalidate:
            invalidated = integrity_actions.invalidate(
                to_invalidate, detector=HUMAN_DETECTOR, score=case.score,
                evidence=case.evidence or ", ".join(case.detectors or []), decided_by=moderator, source="human")
        if to_restore:
            restored = integrity_actions.restore(to_restore, decided_by=moderator, note=note)
        for m in members:
            m.decision = MemberDecision.INVALIDATED if m.user_id in picked else MemberDecision.CLEARED
        RingMember.objects.bulk_update(members, ["decision"])
        now = timezone.now()
        case.status, case.decision, case.decided_by, case.decided_at, case.note = (
            RingCase.Status.DECIDED, decision, moderator, now, note)
        case.save(update_fields=["status", "decision", "decided_by", "decided_at", "note", "updated_at"])
        Event.objects.create(
            content_type="ring_case", object_id=case.pk, actor=moderator, action=f"moderation.ring_case.{decision}",
            reason=decision, old_state=RingCase.Status.OPEN, new_state=RingCase.Status.DECIDED,
            data={"invalidated_members": sorted(picked), "cleared_members": sorted(all_users - picked),
                  "invalidated": invalidated, "restored": restored, "note": note},
        )
    return {"invalidated": invalidated, "restored": restored}


# --- appeals -------------------------------------------------------------------------------------


def _appealable(user_id):
    """The user's invalidations still in force that are in no appeal yet."""
    return InteractionFlag.objects.filter(event__actor_id=user_id, event__valid=False, restored_at__isnull=True,
                                          appeal_item__isnull=True)


def ring_appeal_create(*, user, text):
    """The user appeals every invalidation of theirs that is still in force and not appealed yet
    (one appeal per invalidation: a later invalidation can be appealed on its own). The appeal
    names the ring case the interactions were decided in, if any, and the human who decided."""
    text = clean_user_text(text or "").strip()
    if not text:
        msg = _("Tell the moderators in a few words why these interactions were genuine.")
        raise ServiceError(msg, code="text_required", fields={"text": [msg]})
    if len(text) > APPEAL_TEXT_MAX:
        msg = _("Keep it under %(n)d characters.") % {"n": APPEAL_TEXT_MAX}
        raise ServiceError(msg, code="text_too_long", fields={"text": [msg]})
    try:
        with transaction.atomic():
            flags = list(_appealable(user.pk).select_for_update(of=("self",)).order_by("id"))
            if not flags:
                raise ServiceError(_("There is nothing left to appeal: every invalidation has an appeal already."),
                                   code="nothing_to_appeal", status_code=409)
            event_ids = [f.event_id for f in flags]
            case = (RingCase.objects.filter(events__event_id__in=event_ids).order_by("-decided_at", "-id")
                    .distinct().first())
            humans = [f.decided_by_id for f in flags if f.decided_by_id]
            original = humans[0] if humans else (case.decided_by_id if case else None)
            appeal = RingAppeal.objects.create(user=user, case=case, text=text, original_moderator_id=original)
            RingAppealFlag.objects.bulk_create([RingAppealFlag(appeal=appeal, flag=f) for f in flags])
            Event.objects.create(content_type="ring_appeal", object_id=appeal.pk, actor=user,
                                 action="moderation.ring_appeal.created", new_state=RingAppeal.Status.PENDING,
                                 data={"flags": [f.pk for f in flags], "case": case.pk if case else None})
    except IntegrityError:  # a concurrent appeal took the same invalidations
        raise ServiceError(_("These invalidations were appealed already."), code="appeal_exists", status_code=409)
    return appeal


def appeal_deciders_excluded(appeal, flags=None):
    """User ids who may not decide ``appeal``: the appellant, and every human who invalidated
    any of its interactions (a flag's decider, the ring case's decider)."""
    flags = list(appeal.flags.all()) if flags is None else flags
    excluded = {appeal.user_id, appeal.original_moderator_id}
    excluded |= {f.decided_by_id for f in flags}
    if appeal.case_id and appeal.case is not None:
        excluded.add(appeal.case.decided_by_id)
    excluded.discard(None)
    return excluded


def why_cannot_decide(appeal, moderator, flags=None):
    """A sentence saying why ``moderator`` may not decide ``appeal``, or "" when they may."""
    if moderator.pk == appeal.user_id:
        return _("This is your own appeal.")
    if moderator.pk in appeal_deciders_excluded(appeal, flags):
        return _("You invalidated these interactions, so a different moderator decides the appeal.")
    return ""


def ring_appeal_decide(*, appeal_id, moderator, uphold, note=""):
    """A moderator other than whoever invalidated decides the appeal. Upheld: the appealed
    interactions are restored (points re-awarded) and the member is cleared in the case;
    rejected: the invalidation stands. The shopper is notified either way."""
    note = clean_user_text(note or "")[:NOTE_MAX]
    with transaction.atomic():
        appeal = RingAppeal.objects.select_for_update(of=("self",)).select_related("case").filter(pk=appeal_id).first()
        if appeal is None:
            raise ServiceError(_("Appeal not found."), code="not_found", status_code=404)
        if appeal.status != RingAppeal.Status.PENDING:
            raise ServiceError(_("This appeal was already decided."), code="already_decided", status_code=409)
        flags = list(appeal.flags.all())
        reason = why_cannot_decide(appeal, moderator, flags)
        if reason:
            raise PermissionDeniedError(reason, code="appeal_same_moderator")
        restored = 0
        if uphold:
            ids = [f.event_id for f in flags]
            restored = integrity_actions.restore(ids, decided_by=moderator, note=note or _("Appeal upheld"))
            if appeal.case_id:
                RingMember.objects.filter(case_id=appeal.case_id, user_id=appeal.user_id).update(
                    decision=MemberDecision.CLEARED)
        appeal.status = RingAppeal.Status.UPHELD if uphold else RingAppeal.Status.REJECTED
        appeal.decided_by, appeal.decided_at, appeal.decision_note = moderator, timezone.now(), note
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        Event.objects.create(content_type="ring_appeal", object_id=appeal.pk, actor=moderator,
                             action=f"moderation.ring_appeal.{appeal.status}", reason=appeal.status,
                             old_state=RingAppeal.Status.PENDING, new_state=appeal.status,
                             data={"restored": restored, "case": appeal.case_id, "note": note})
        if uphold:
            title = gettext_noop("Your appeal was upheld: %(n)s interactions count again")
        else:
            title = gettext_noop("Your appeal was reviewed: the interactions stay invalidated")
        notification_send(user_id=appeal.user_id, kind=f"moderation.ring_appeal.{appeal.status}", title=title,
                          title_params={"n": len(flags)}, body=note, url="/moderation/interactions/mine/")
    return appeal


# --- reads: the list of open cases -------------------------------------------------------------


def open_cases(*, sort="score"):
    """Open ring cases with their size, strongest (or newest) first. A queryset: the page
    paginates it (a count and one page query)."""
    size = RingMember.objects.filter(case=OuterRef("pk")).order_by().values("case").annotate(n=Count("id")).values("n")
    events = (RingCaseEvent.objects.filter(case=OuterRef("pk")).order_by().values("case")
              .annotate(n=Count("id")).values("n"))
    qs = RingCase.objects.filter(status=RingCase.Status.OPEN).annotate(
        size=Coalesce(Subquery(size, output_field=IntegerField()), Value(0)),
        event_n=Coalesce(Subquery(events, output_field=IntegerField()), Value(0)),
    )
    order = ("-created_at", "-id") if sort == "new" else ("-score", "-id")
    return qs.order_by(*order)


def open_case_count():
    return RingCase.objects.filter(status=RingCase.Status.OPEN).count()


def pending_appeal_count():
    return RingAppeal.objects.filter(status=RingAppeal.Status.PENDING).count()


# --- reads: one case ---------------------------------------------------------------------------


def _labeller(prefix):
    """Short stable labels ("device A", "network B") for hashes, in order of first sight."""
    seen = {}

    def label(value):
        if not value:
            return None
        if value not in seen:
            i = len(seen)
            letters = string.ascii_uppercase
            seen[value] = f"{prefix} {letters[i % 26]}{i // 26 or ''}"
        return seen[value]

    return label, seen


ENTRY_EXCERPT = 60  # characters of an entry's text in its label


def target_labels(keys):
    """{(model, id): {"kind", "title", "context", "url"}} for the reviews and challenge entries
    among ``keys`` ((content type model, object id) pairs): a review by its product and author's
    display name, linked to its card on the product page; an entry by the start of its text and
    its challenge, linked to its page. One query for both kinds (a UNION), none when there is
    nothing to label; other kinds (polls, comments) keep their type and number."""
    entry_ids = sorted({pk for model, pk in keys if model == "entry" and pk})
    review_ids = sorted({pk for model, pk in keys if model == "review" and pk})
    if not entry_ids and not review_ids:
        return {}
    text = CharField()
    columns = ("kind", "pk", "a", "b", "c", "d", "e", "f", "g")
    entries = Entry.objects.filter(pk__in=entry_ids).order_by().annotate(
        kind=Value("entry", output_field=text), a=Substr("text", 1, ENTRY_EXCERPT + 1, output_field=text),
        b=Cast("challenge__title_zh", text), c=Cast("challenge__title_en", text),
        d=Value("", output_field=text), e=Value("", output_field=text), f=Value("", output_field=text),
        g=Value(True, output_field=BooleanField()),
    ).values_list(*columns)
    reviews = Review.objects.filter(pk__in=review_ids).order_by().annotate(
        kind=Value("review", output_field=text), a=Cast("product__name_zh", text), b=Cast("product__name_en", text),
        c=Cast("product__slug", text), d=Cast("author__display_name", text), e=Cast("author__email", text),
        f=Cast("author__username", text), g=F("author__is_active"),
    ).values_list(*columns)
    if not entry_ids:
        rows = reviews
    elif not review_ids:
        rows = entries
    else:
        rows = entries.union(reviews, all=True)
    lang_en = (get_language() or "zh-hans").lower().startswith("en")
    out = {}
    for kind, pk, a, b, c, d, e, f, g in rows:
        if kind == "entry":
            excerpt = " ".join((a or "").split())
            if len(excerpt) > ENTRY_EXCERPT:
                excerpt = excerpt[:ENTRY_EXCERPT].rstrip() + "…"
            out[("entry", pk)] = {"kind": "entry", "title": excerpt, "context": (c or b) if lang_en else (b or c),
                                  "url": reverse("community:entry_detail", args=[pk])}
        else:
            author = User(display_name=d or "", email=e or "", username=f or "", is_active=bool(g))
            out[("review", pk)] = {"kind": "review", "title": (b or a) if lang_en else (a or b),
                                   "context": author.public_name,
                                   "url": reverse("community:product_detail", args=[c]) + f"#review-{pk}"}
    return out


def case_detail(case_id):
    """Everything the case page shows, in a fixed number of queries (7, plus one for levels not
    in the cache): the case, its members, their shared device and network codes (as anonymised
    labels, never hashes), the targets with their totals, the labels of the reviews and entries
    among them (``target_labels``), a capped timeline."""
    case = RingCase.objects.select_related("decided_by").filter(pk=case_id).first()
    if case is None:
        return None
    members = list(RingMember.objects.filter(case=case).select_related("user").order_by("-event_count", "id"))
    case_events = InteractionEvent.objects.filter(pk__in=RingCaseEvent.objects.filter(case=case).values("event_id"))
    # Shared signals: which member used which device and network code.
    signal_rows = list(case_events.order_by("at", "id").values_list("actor_id", "device_hash", "ip_prefix_hash"))
    device_label, devices = _labeller(_("device"))
    net_label, nets = _labeller(_("network"))
    by_member = defaultdict(lambda: {"devices": set(), "networks": set(), "events": 0})
    device_users, net_users = defaultdict(set), defaultdict(set)
    for actor, dev, net in signal_rows:
        d, n = device_label(dev), net_label(net)
        row = by_member[actor]
        row["events"] += 1
        if d:
            row["devices"].add(d)
            device_users[d].add(actor)
        if n:
            row["networks"].add(n)
            net_users[n].add(actor)
    shared = [{"label": lab, "accounts": len(users), "kind": "device"}
              for lab, users in device_users.items() if len(users) > 1]
    shared += [{"label": lab, "accounts": len(users), "kind": "network"}
               for lab, users in net_users.items() if len(users) > 1]
    shared_labels = {s["label"] for s in shared}
    levels = hooks.user_levels([m.user_id for m in members])
    now = timezone.now()
    for m in members:
        info = by_member.get(m.user_id, {"devices": set(), "networks": set(), "events": 0})
        m.name = m.user.public_name
        m.age_days = max((now - m.user.date_joined).days, 0)
        level = levels.get(m.user_id)
        m.level = level.get("name") if isinstance(level, dict) else level
        m.in_case = info["events"]
        m.signals = sorted(info["devices"]) + sorted(info["networks"])
        m.shared_signals = [s for s in m.signals if s in shared_labels]
    # Targets, most acted on first.
    target_rows = list(
        case_events.values("target_ct__model", "target_id", "target_author_id")
        .annotate(n=Count("id"), actors=Count("actor", distinct=True), still_valid=Count("id", filter=Q(valid=True)))
        .order_by("-n", "target_ct__model", "target_id")
    )
    member_ids = {m.user_id for m in members}
    # Every event of the case is in one group (untargeted ones in the group without a target):
    # the totals are the groups' sums, no query of their own.
    totals = {"n": sum(t["n"] for t in target_rows), "counted": sum(t["still_valid"] for t in target_rows)}
    timeline = list(case_events.select_related("actor", "target_ct").order_by("at", "id")[:TIMELINE_CAP])
    labels = target_labels({(t["target_ct__model"], t["target_id"]) for t in target_rows[:TARGET_CAP]}
                           | {(ev.target_ct.model if ev.target_ct else None, ev.target_id) for ev in timeline})
    for ev in timeline:
        ev.device_label = device_label(ev.device_hash)
        ev.net_label = net_label(ev.ip_prefix_hash)
        ev.target = labels.get((ev.target_ct.model if ev.target_ct else None, ev.target_id))
    author_names = {m.user_id: m.name for m in members}
    for t in target_rows:
        t["author_in_ring"] = t["target_author_id"] in member_ids
        t["author_name"] = author_names.get(t["target_author_id"])
        t["label"] = labels.get((t["target_ct__model"], t["target_id"]))
    return {
        "case": case,
        "members": members,
        "shared": shared,
        "targets": target_rows[:TARGET_CAP],
        "targets_more": max(len(target_rows) - TARGET_CAP, 0),
        "target_count": len(target_rows),
        "timeline": timeline,
        "timeline_more": max(totals["n"] - len(timeline), 0),
        "totals": totals,
        "detectors": [{"code": d, "label": detector_label(d)} for d in (case.detectors or [])],
        "device_count": len(devices),
        "network_count": len(nets),
    }


# --- reads: appeals ----------------------------------------------------------------------------


def appeal_list(*, status=RingAppeal.Status.PENDING):
    """Appeals oldest first (the 24 h SLA), with their case and decider; a queryset to paginate.
    Flags come in one prefetch query."""
    return (RingAppeal.objects.filter(status=status).select_related("user", "case", "case__decided_by",
                                                                     "original_moderator")
            .prefetch_related(Prefetch("items", queryset=RingAppealFlag.objects.select_related(
                "flag__event__target_ct").order_by("id")))
            .order_by("created_at", "id"))


def user_invalidations(user_id):
    """The user's own invalidated interactions (in force or restored), newest first, with the
    detector, evidence and appeal of each: one query."""
    return list(
        InteractionFlag.objects.filter(event__actor_id=user_id)
        .select_related("event__target_ct", "appeal_item__appeal")
        .order_by("-created_at", "-id")
    )


def user_notice(user_id):
    """The points page's notice: how many interactions of the user's are invalidated and how many
    of those can still be appealed. One query; None when there is nothing to say."""
    agg = InteractionFlag.objects.filter(event__actor_id=user_id, event__valid=False,
                                         restored_at__isnull=True).aggregate(
        n=Count("id"), open=Count("id", filter=Q(appeal_item__isnull=True)),
        pending=Count("id", filter=Q(appeal_item__appeal__status=RingAppeal.Status.PENDING)))
    if not agg["n"]:
        return None
    return {"count": agg["n"], "appealable": agg["open"], "pending": agg["pending"],
            "url": "/moderation/interactions/mine/"}

