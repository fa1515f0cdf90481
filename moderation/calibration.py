"""Calibration and fairness: how moderators agree with known answers, with each other
(Cohen's kappa) and with the AI, and whether rejections lean against negative reviews.

Everything here is a read over ``Case`` / ``Event`` rows (and community reviews,
read-only) aggregated in SQL, so the operator page costs the same number of queries
whatever the data size. Two operator writes sit at the end, shaped like services:
``case_set_known_answer`` and ``known_answer_requeue``.

Definitions (docs/moderation.md, "Calibration and fairness"):

* A *human decision* is an Event with an actor whose action ends in ``.approved`` or
  ``.rejected`` (what ``services._decide`` writes). Its verdict is read from the
  action, not from ``new_state``.
* *Known-answer agreement*: decisions whose Event carries ``data.known_answer``
  (the case had a known answer when the moderator decided it).
* *Moderator agreement*: Cohen's kappa over pairs of decisions by two different
  moderators on the same content (same case and revision; each moderator's latest
  decision on it): an original decision and its appeal, a known-answer item
  re-reviewed blind, an item reported back into the queue.
* *AI agreement*: on an item a human decided, the AI "said reject" when it rejected,
  or queued it with risk >= ``AI_HIGH_RISK``; it "said pass" when it published, or
  queued it with a lower risk. Agreement is the human's verdict matching.
"""
import math
import random
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, Exists, Min, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Review
from core.errors import PermissionDeniedError, ServiceError
from moderation import registry
from moderation.models import Case, Event, Threshold

State = Case.State

APPROVE, REJECT = "approve", "reject"
ANSWERS = (APPROVE, REJECT)
CALIBRATION = "calibration"  # the queue reason of a re-queued known-answer item
KNOWN_ANSWER_SET = "moderation.case.known_answer_set"
CALIBRATION_REQUEUED = "moderation.case.calibration_requeued"

AI_HIGH_RISK = 0.7  # a queued item at or above this risk counts as "the AI leaned reject"
DEFAULT_WINDOW = timedelta(days=90)

# Suppression alerts: rejected reviews leaning negative compared with published ones.
NEGATIVE_MAX_STARS = 2
SUPPRESSION_GAP = 0.15  # share of 1–2★ among rejected minus among published, > 15 points
RED_MIN_REJECTED, RED_ALPHA = 20, 0.05
YELLOW_MIN_REJECTED, YELLOW_ALPHA = 10, 0.10

_H_APPROVED = Q(action__endswith=".approved")
_H_REJECTED = Q(action__endswith=".rejected")
_AI_REJECT = Q(data__ai_decision="reject") | Q(data__ai_decision="queue", data__risk__gte=AI_HIGH_RISK)
_AI_PASS = Q(data__ai_decision="publish") | Q(data__ai_decision="queue", data__risk__lt=AI_HIGH_RISK)
_KNOWN = Q(data__known_answer__in=list(ANSWERS))
_KNOWN_AGREE = (Q(data__known_answer=APPROVE) & _H_APPROVED) | (Q(data__known_answer=REJECT) & _H_REJECTED)


# --- statistics -------------------------------------------------------------------------


def kappa_from_table(table):
    """Cohen's kappa from a square agreement table (rows: rater A's category, columns:
    rater B's, in the same order). ``None`` when undefined: no items, or both raters
    used one and the same category for everything (chance agreement is then 1).

    Computed in integers: kappa = (n·agree − Σ rowᵢ·colᵢ) / (n² − Σ rowᵢ·colᵢ)."""
    k = len(table)
    if any(len(row) != k for row in table):
        raise ValueError("the agreement table must be square")
    n = sum(sum(row) for row in table)
    if n == 0:
        return None
    agree = sum(table[i][i] for i in range(k))
    chance = sum(sum(table[i]) * sum(table[r][i] for r in range(k)) for i in range(k))
    if chance == n * n:
        return None
    return (n * agree - chance) / (n * n - chance)


def cohen_kappa(rater_a, rater_b):
    """Cohen's kappa of two raters' labels for the same items, in order."""
    a, b = list(rater_a), list(rater_b)
    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    labels = sorted(set(a) | set(b), key=str)
    index = {label: i for i, label in enumerate(labels)}
    table = [[0] * len(labels) for _ in labels]
    for x, y in zip(a, b, strict=True):
        table[index[x]][index[y]] += 1
    return kappa_from_table(table)


def two_proportion_z_test(x1, n1, x2, n2):
    """Pooled two-proportion z-test of x1/n1 = x2/n2. Returns ``(z, p)`` with the
    two-sided p-value, or ``(None, None)`` when a group is empty."""
    if n1 <= 0 or n2 <= 0:
        return None, None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:  # both proportions 0 or both 1: no difference at all
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def _rate(k, n):
    return k / n if n else None


# --- moderators -------------------------------------------------------------------------


def human_decisions(*, since=None):
    """Events of human decisions (see the module docstring)."""
    qs = Event.objects.filter(actor__isnull=False).filter(_H_APPROVED | _H_REJECTED)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs


def _verdict(action):
    return REJECT if action.endswith(".rejected") else APPROVE


def decision_pairs(*, since=None):
    """``[(case_id, first_actor, first_verdict, second_actor, second_verdict)]``: every
    pair of moderators who decided the same content, ordered by who decided first.
    One query: the events of cases that two or more moderators decided."""
    shared = (
        human_decisions(since=since).order_by().values("case_id")
        .annotate(moderators=Count("actor_id", distinct=True)).filter(moderators__gte=2).values("case_id")
    )
    decisions = _H_APPROVED | _H_REJECTED
    if since is not None:
        decisions &= Q(created_at__gte=since)
    rows = (
        Event.objects.filter(case_id__in=shared)
        .filter((Q(actor__isnull=False) & decisions) | Q(action__endswith=".submitted"))
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "action", "actor_id", "data")
    )
    # (case, revision) -> {actor: latest verdict}, in the order each actor first decided.
    content = defaultdict(dict)
    revision = {}
    for case_id, action, actor_id, data in rows:
        if action.endswith(".submitted"):
            revision[case_id] = (data or {}).get("revision", revision.get(case_id, 1))
            continue
        content[(case_id, revision.get(case_id, 1))][actor_id] = _verdict(action)
    pairs = []
    for (case_id, _rev), verdicts in content.items():
        actors = list(verdicts)
        for i, a in enumerate(actors):
            for b in actors[i + 1:]:
                pairs.append((case_id, a, verdicts[a], b, verdicts[b]))
    return pairs


def moderator_agreement(*, since=None):
    """Per moderator: decisions, agreement with known answers, Cohen's kappa with the
    other moderators and agreement with the AI. Two queries. Also the overall kappa
    (first decision against the second, over all pairs)."""
    rows = (
        human_decisions(since=since)
        .values("actor_id", "actor__display_name", "actor__email")
        .annotate(
            decisions=Count("id"),
            rejected=Count("id", filter=_H_REJECTED),
            known=Count("id", filter=_KNOWN),
            known_agree=Count("id", filter=_KNOWN & _KNOWN_AGREE),
            ai=Count("id", filter=_AI_REJECT | _AI_PASS),
            ai_agree=Count("id", filter=(_AI_REJECT & _H_REJECTED) | (_AI_PASS & _H_APPROVED)),
        )
        .order_by("-decisions", "actor_id")
    )
    pairs = decision_pairs(since=since)
    by_moderator = defaultdict(list)
    for _case, a, va, b, vb in pairs:
        by_moderator[a].append((va, vb))
        by_moderator[b].append((vb, va))
    moderators = []
    for row in rows:
        mine = by_moderator.get(row["actor_id"], [])
        moderators.append({
            "user_id": row["actor_id"],
            "name": row["actor__display_name"] or row["actor__email"],
            "decisions": row["decisions"],
            "rejected": row["rejected"],
            "approved": row["decisions"] - row["rejected"],
            "known": row["known"],
            "known_agree": row["known_agree"],
            "known_rate": _rate(row["known_agree"], row["known"]),
            "pairs": len(mine),
            "pair_agree": sum(x == y for x, y in mine),
            "kappa": cohen_kappa([x for x, _ in mine], [y for _, y in mine]) if mine else None,
            "ai": row["ai"],
            "ai_agree": row["ai_agree"],
            "ai_rate": _rate(row["ai_agree"], row["ai"]),
        })
    totals = {k: sum(m[k] for m in moderators) for k in ("decisions", "known", "known_agree", "ai", "ai_agree")}
    return {
        "moderators": moderators,
        "pairs": len(pairs),
        "kappa": cohen_kappa([p[2] for p in pairs], [p[4] for p in pairs]) if pairs else None,
        **totals,
        "known_rate": _rate(totals["known_agree"], totals["known"]),
        "ai_rate": _rate(totals["ai_agree"], totals["ai"]),
    }


# --- the AI -----------------------------------------------------------------------------


def ai_overview(*, since=None):
    """Share of screened items the AI decided on its own, and how often a human who
    later saw one of those (an appeal of an AI rejection, reports on an AI publication)
    agreed. One query."""
    qs = Case.objects.filter(screened_at__isnull=False)
    if since is not None:
        qs = qs.filter(screened_at__gte=since)
    human = Q(decided_by__isnull=False, state__in=[State.APPROVED, State.REJECTED])
    agg = qs.aggregate(
        screened=Count("id"),
        auto_published=Count("id", filter=Q(ai_decision="publish")),
        auto_rejected=Count("id", filter=Q(ai_decision="reject")),
        queued=Count("id", filter=Q(ai_decision="queue")),
        auto_reviewed=Count("id", filter=human & Q(ai_decision__in=["publish", "reject"])),
        auto_agree=Count("id", filter=human & (Q(ai_decision="publish", state=State.APPROVED)
                                               | Q(ai_decision="reject", state=State.REJECTED))),
    )
    auto = agg["auto_published"] + agg["auto_rejected"]
    return {**agg, "auto": auto, "auto_share": _rate(auto, agg["screened"]),
            "auto_agree_rate": _rate(agg["auto_agree"], agg["auto_reviewed"])}


def ai_human_disagreements(*, since=None):
    """Cases a human decided against the AI's lean: the AI rejected (or queued at high
    risk) and a human approved, or the AI published (or queued at low risk) and a human
    rejected. Newest decisions first; ``disagreement`` is "ai_too_strict" or
    "ai_too_lenient".

    Training signal: ``classifier.examples_from_decisions`` already trains on every
    human decision, these included (a human label wins over the AI's); this selector
    names them, for review, for oversampling in a retraining, and for the ops page."""
    strict = Q(state=State.APPROVED) & (Q(ai_decision="reject") | Q(ai_decision="queue", risk__gte=AI_HIGH_RISK))
    lenient = Q(state=State.REJECTED) & (Q(ai_decision="publish") | Q(ai_decision="queue", risk__lt=AI_HIGH_RISK))
    qs = Case.objects.filter(decided_by__isnull=False).filter(strict | lenient)
    if since is not None:
        qs = qs.filter(decided_at__gte=since)
    return qs.annotate(disagreement=SqlCase(
        When(strict, then=Value("ai_too_strict")), default=Value("ai_too_lenient"), output_field=CharField(),
    )).order_by("-decided_at", "-id")


def threshold_report():
    """Each registered content kind's thresholds with the precision they achieved on
    past human decisions (``selectors.threshold_precision``). 1 + 2 queries per kind."""
    from moderation.pipeline import Thresholds
    from moderation.selectors import threshold_precision

    rows = {t.content_type: t for t in Threshold.objects.all()}
    report = []
    for kind in registry.kinds():
        t = Thresholds.coerce(rows[kind.key]) if kind.key in rows else Thresholds()
        report.append({
            "content_type": kind.key, "label": kind.label, "configured": kind.key in rows,
            "publish_below": t.publish_below, "reject_at": t.reject_at,
            "classifier_min_precision": t.classifier_min_precision,
            **threshold_precision(content_type=kind.key, publish_below=t.publish_below, reject_at=t.reject_at),
        })
    return report


# --- the queue --------------------------------------------------------------------------


def sla_summary(*, now=None):
    """Queue length, items past the 24 h SLA, the oldest item's age. One query."""
    from moderation.services import SLA

    now = now or timezone.now()
    agg = Case.objects.filter(state=State.QUEUED).aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(queued_at__lt=now - SLA)),
        calibration=Count("id", filter=Q(known_answer__in=list(ANSWERS))),
        oldest=Min("queued_at"),
    )
    agg["oldest_age"] = now - agg["oldest"] if agg["oldest"] else None
    agg["oldest_hours"] = agg["oldest_age"].total_seconds() / 3600 if agg["oldest_age"] else None
    return agg


# --- fairness: are negative reviews being suppressed? -------------------------------------


def _star_rows(group, *, min_rejected):
    hidden = Q(status__in=[Review.Status.REJECTED, Review.Status.REMOVED])
    published = Q(status=Review.Status.PUBLISHED)
    counts = {}
    for stars in range(1, 6):
        counts[f"rej_{stars}"] = Count("id", filter=hidden & Q(rating=stars))
        counts[f"pub_{stars}"] = Count("id", filter=published & Q(rating=stars))
    return (
        Review.objects.filter(hidden | published).values(*group)
        .annotate(rejected=Count("id", filter=hidden), published=Count("id", filter=published), **counts)
        .filter(rejected__gte=min_rejected).order_by()
    )


def suppression_level(*, rejected, rejected_negative, published, published_negative):
    """``("red" | "yellow" | None, figures)`` for one brand or product.

    Red: at least 20 rejected reviews, the share of 1–2★ among them exceeds the share
    among published ones by more than 15 points, and the two-proportion z-test gives
    p < 0.05 (two-sided; the direction is required by the gap). Yellow: the same gap
    with at least 10 rejected reviews and p < 0.10 — worth a look, not yet evidence."""
    rej_share = _rate(rejected_negative, rejected)
    pub_share = _rate(published_negative, published)
    z, p = two_proportion_z_test(rejected_negative, rejected, published_negative, published)
    gap = rej_share - pub_share if rej_share is not None and pub_share is not None else None
    figures = {"rejected_share": rej_share, "published_share": pub_share, "gap": gap, "z": z, "p": p,
               "gap_points": None if gap is None else round(gap * 100, 1)}
    if gap is None or p is None or gap <= SUPPRESSION_GAP:
        return None, figures
    if rejected >= RED_MIN_REJECTED and p < RED_ALPHA:
        return "red", figures
    if rejected >= YELLOW_MIN_REJECTED and p < YELLOW_ALPHA:
        return "yellow", figures
    return None, figures


def suppression_alerts():
    """Brands and products whose rejected (or removed) reviews are 1–2★ markedly more
    often than their published ones. A review must never be filtered for being
    negative: an alert means "look at these rejections", with the figures. Two queries."""
    scopes = [
        ("brand", ("product__brand_id", "product__brand__name"), "product__brand_id", "product__brand__name", None),
        ("product", ("product_id", "product__name_zh", "product__name_en", "product__brand__name"),
         "product_id", "product__name_zh", "product__brand__name"),
    ]
    alerts = []
    for scope, group, id_field, name_field, brand_field in scopes:
        for row in _star_rows(group, min_rejected=YELLOW_MIN_REJECTED):
            rej_hist = [row[f"rej_{s}"] for s in range(1, 6)]
            pub_hist = [row[f"pub_{s}"] for s in range(1, 6)]
            counts = {
                "rejected": row["rejected"], "rejected_negative": sum(rej_hist[:NEGATIVE_MAX_STARS]),
                "published": row["published"], "published_negative": sum(pub_hist[:NEGATIVE_MAX_STARS]),
            }
            level, figures = suppression_level(**counts)
            if level is None:
                continue
            name = row[name_field] or (row.get("product__name_en") if scope == "product" else "") or ""
            alerts.append({
                "scope": scope, "id": row[id_field], "name": name,
                "brand": row[brand_field] if brand_field else name,
                "level": level, **counts, **figures,
                "rejected_hist": rej_hist, "published_hist": pub_hist,
            })
    alerts.sort(key=lambda a: (a["level"] != "red", a["p"], a["scope"], a["id"]))
    return alerts


def ops_overview(*, since=None):
    """Everything the operator page shows, in a fixed number of queries."""
    since = since or timezone.now() - DEFAULT_WINDOW
    return {
        "since": since,
        "agreement": moderator_agreement(since=since),
        "ai": ai_overview(since=since),
        "thresholds": threshold_report(),
        "alerts": suppression_alerts(),
        "sla": sla_summary(),
    }


# --- operator writes ----------------------------------------------------------------------


def is_operator(user):
    """Operators (staff) curate known answers; a moderator marking their own test items
    would grade themselves."""
    return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


def event_record(case, **kwargs):
    from moderation.services import event_record as event

    return event(case, **kwargs)


@transaction.atomic
def case_set_known_answer(*, case_id, answer, operator):
    """Mark (``"approve"`` / ``"reject"``) or clear (``""``) a case's known answer.
    Idempotent: setting the answer it already has writes nothing."""
    if not is_operator(operator):
        raise PermissionDeniedError(_("Only operators can set known answers."), code="not_operator")
    answer = (answer or "").strip()
    if answer not in (*ANSWERS, ""):
        msg = _("A known answer is approve or reject.")
        raise ServiceError(msg, code="answer_invalid", fields={"answer": [msg]})
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise ServiceError(_("Item not found."), code="not_found", status_code=404)
    if case.known_answer == answer:
        return case
    old = case.known_answer
    case.known_answer = answer
    case.save(update_fields=["known_answer", "updated_at"])
    event_record(case, actor=operator, action=KNOWN_ANSWER_SET, reason=answer or "cleared",
           data={"old": old, "new": answer})
    return case


def _calibration_candidates(*, now, cooldown):
    recently = Event.objects.filter(case_id=OuterRef("pk"), action=CALIBRATION_REQUEUED,
                                    created_at__gte=now - cooldown)
    return Case.objects.filter(
        state__in=[State.APPROVED, State.REJECTED], known_answer__in=list(ANSWERS), decided_at__isnull=False,
    ).exclude(Exists(recently))


def known_answer_requeue(*, share=0.05, limit=50, cooldown=timedelta(days=30), rng=None):
    """Put a random sample of decided known-answer cases back in the queue, so that
    about ``share`` of the queue is calibration items moderators decide blind.

    Each item: state QUEUED, queued now with reason "calibration", decision fields and
    lease cleared; its content is left as it is, its author is not told. The original
    decision is kept in a ``moderation.case.calibration_requeued`` Event. A case is
    re-queued at most once per ``cooldown``. Returns the re-queued case ids.

    The next decision on the item is recorded by ``services._decide`` with
    ``known_answer`` and ``agrees_with_known_answer``."""
    from moderation.services import priority_for

    now = timezone.now()
    queue = Case.objects.filter(state=State.QUEUED).aggregate(
        total=Count("id"), calibration=Count("id", filter=Q(known_answer__in=list(ANSWERS))),
    )
    regular = queue["total"] - queue["calibration"]
    # k calibration items among `regular` others make a share k / (regular + k).
    wanted = math.floor(share * regular / (1 - share) + 1e-9) if 0 < share < 1 else 0
    wanted = max(0, min(wanted - queue["calibration"], limit))
    if not wanted:
        return []
    ids = list(_calibration_candidates(now=now, cooldown=cooldown).order_by("?").values_list("pk", flat=True)
               [: wanted * 2])
    (rng or random).shuffle(ids)
    done = []
    for case_id in ids:
        if len(done) >= wanted:
            break
        with transaction.atomic():
            # Re-check under the lock: an edit (re-screening) or another run may have got there first.
            case = _calibration_candidates(now=now, cooldown=cooldown).select_for_update().filter(pk=case_id).first()
            if case is None:
                continue
            original = {
                "state": case.state, "decided_by": case.decided_by_id,
                "decided_at": case.decided_at.isoformat() if case.decided_at else None,
                "reject_reason": case.reject_reason, "note": case.note, "queue_reasons": case.queue_reasons,
            }
            old = case.state
            queued_at = timezone.now()
            case.state = State.QUEUED
            case.queued_at = queued_at
            case.queue_reasons = [CALIBRATION]
            case.decided_by = None
            case.decided_at = None
            case.reject_reason = ""
            case.note = ""
            case.claimed_by = None
            case.lease_expires_at = None
            case.priority = priority_for(risk=case.risk, reach=case.author_reach, report_weight=case.report_weight,
                                         queued_at=queued_at)
            case.save(update_fields=["state", "queued_at", "queue_reasons", "decided_by", "decided_at",
                                     "reject_reason", "note", "claimed_by", "lease_expires_at", "priority",
                                     "updated_at"])
            event_record(case, actor=None, action=CALIBRATION_REQUEUED, reason=CALIBRATION, old_state=old,
                   new_state=State.QUEUED, data={"known_answer": case.known_answer, "original": original})
        done.append(case_id)
    return done
