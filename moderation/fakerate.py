"""The fake-interaction rate (issue 11, section 4): how many of the votes, reports, check-ins,
redemptions and submissions the site counted were fake, measured honestly.

Two parts, combined:

- **Invalidated share** ``s``: of the interactions in the window (``InteractionEvent`` rows of the
  counted actions), the share the integrity checks have invalidated (``valid = False``). A census,
  not a sample: no sampling error.
- **Audited prevalence** ``p``: a seeded uniform random sample of each day's *counted* (still
  valid) interactions, stratified by kind, is labelled by moderators genuine / fake / can't tell;
  ``p`` is the population-weighted share of fakes among the decided labels, with a 95% Wilson
  interval (``moderation.audit.estimate_from_cells``, the quality audit's estimator).

``combined = s + (1 - s) x p``: the invalidated ones, plus the fakes among the rest that slipped
through. Its interval is ``s + (1 - s) x [p_low, p_high]`` (``s`` is exact). Status against the
lines in settings: green when the combined upper bound is under ``INTEGRITY_FAKE_RATE_TARGET``,
red when the combined rate itself is at or over ``INTEGRITY_FAKE_RATE_RED``, yellow otherwise,
``not_measured`` with no decided label in the window.

A sample item whose interaction was invalidated after the draw leaves the audited part (it is
in ``s`` now); the rest is still a uniform sample of what is still counted. "Can't tell" labels
are left out of ``p``'s denominator and reported beside it. A fake label does not invalidate
the interaction: the audit measures; it does not act.

docs/integrity.md, "The fake-interaction rate".
"""
import logging
from datetime import date as date_type
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.cocreation.models import Entry, EntryComment, PollOption
from community.integrity.models import InteractionEvent
from community.models import Review
from core.errors import PermissionDeniedError, ServiceError
from moderation import audit
from moderation.models import Event, InteractionAuditSample, Report

log = logging.getLogger(__name__)

A = InteractionEvent.Action
Label = InteractionAuditSample.Label

# Kinds of counted interaction and the logged actions each covers. Withdrawals are not
# interactions that count (they undo one), so they are in neither the rate nor the sample.
KINDS = {
    "helpful_votes": (A.HELPFUL_VOTE, A.UNHELPFUL_VOTE),
    "entry_votes": (A.ENTRY_VOTE,),
    "poll_votes": (A.POLL_VOTE,),
    "reports": (A.REPORT,),
    "checkins": (A.CHECKIN,),
    "redemptions": (A.REDEMPTION,),
    "submissions": (A.REVIEW_SUBMIT, A.ENTRY_SUBMIT),
}
KIND_OF = {action: kind for kind, actions in KINDS.items() for action in actions}
COUNTED_ACTIONS = tuple(KIND_OF)
KIND_LABELS = {
    "helpful_votes": gettext_lazy("Helpful votes"),
    "entry_votes": gettext_lazy("Entry votes"),
    "poll_votes": gettext_lazy("Poll votes"),
    "reports": gettext_lazy("Reports"),
    "checkins": gettext_lazy("Check-ins"),
    "redemptions": gettext_lazy("Redemptions"),
    "submissions": gettext_lazy("Submissions"),
}
SEED_LABEL = "fakerate"
QUEUE_WINDOW_DAYS = audit.QUEUE_WINDOW_DAYS  # older unlabelled items leave the labelling list
QUEUE_PAGE_SIZE = 20
CONTEXT_DAYS = 30  # "recent": within this many days either side of the interaction
DAILY_ROWS = 14  # days shown in the ops page's daily table


def sample_size():
    return int(settings.INTEGRITY_FAKE_AUDIT_SAMPLE_SIZE)


def lines():
    return float(settings.INTEGRITY_FAKE_RATE_TARGET), float(settings.INTEGRITY_FAKE_RATE_RED)


# --- which interactions: the window and a brand's content -----------------------------------------


def bounds(start, end):
    """``[start, end)`` as aware datetimes. Dates are site-time-zone days (``end`` exclusive)."""
    def as_dt(value):
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value, timezone.get_default_timezone())
        if isinstance(value, date_type):
            return audit.day_bounds(value)[0]
        raise TypeError(f"expected a date or datetime, got {value!r}")

    return as_dt(start), as_dt(end)


def brand_q(brand_id, prefix=""):
    """Interactions on a brand's content: votes on and submissions of reviews of its products;
    votes on and submissions of entries in its challenges; poll votes on its challenges' options;
    reports on any of those reviews, entries or the comments under those entries. Check-ins and
    redemptions are on no brand's content, so a brand's figures never include them."""
    ct = ContentType.objects.get_for_model
    reviews = Review.objects.filter(product__brand_id=brand_id).values("pk")
    entries = Entry.objects.filter(challenge__brand_id=brand_id).values("pk")
    comments = EntryComment.objects.filter(entry__challenge__brand_id=brand_id).values("pk")
    options = PollOption.objects.filter(challenge__brand_id=brand_id).values("pk")
    reports = Report.objects.filter(
        Q(content_type="review", object_id__in=reviews) | Q(content_type="entry", object_id__in=entries)
        | Q(content_type="comment", object_id__in=comments)
    ).values("pk")
    p = prefix

    def on(model, ids):
        return Q(**{f"{p}target_ct": ct(model), f"{p}target_id__in": ids})

    return on(Review, reviews) | on(Entry, entries) | on(PollOption, options) | on(Report, reports)


def _events(start, end, brand_id=None):
    qs = InteractionEvent.objects.filter(at__gte=start, at__lt=end, action__in=COUNTED_ACTIONS)
    return qs.filter(brand_q(brand_id)) if brand_id is not None else qs


def _day():
    return TruncDate("at", tzinfo=timezone.get_default_timezone())


def _share(part, whole):
    return part / whole if whole else None


def _empty_kinds():
    return {kind: {"total": 0, "invalidated": 0, "share": None} for kind in KINDS}


# --- the invalidated share, per day and kind (one query) -----------------------------------------


def counts(start, end, brand_id=None):
    """``{(day, kind): [total, invalidated]}`` over ``[start, end)``: one grouped query."""
    rows = (_events(start, end, brand_id).annotate(day=_day()).values("day", "action")
            .annotate(total=Count("id"), invalid=Count("id", filter=Q(valid=False))).order_by())
    out = {}
    for row in rows:
        cell = out.setdefault((row["day"], KIND_OF[row["action"]]), [0, 0])
        cell[0] += row["total"]
        cell[1] += row["invalid"]
    return out


def invalidated(cells):
    """The invalidated share in total and by kind, from ``counts``."""
    by_kind = _empty_kinds()
    for (_day_, kind), (total, invalid) in cells.items():
        by_kind[kind]["total"] += total
        by_kind[kind]["invalidated"] += invalid
    for row in by_kind.values():
        row["share"] = _share(row["invalidated"], row["total"])
    total = sum(r["total"] for r in by_kind.values())
    invalid = sum(r["invalidated"] for r in by_kind.values())
    return {"interactions": total, "invalidated": invalid, "share": _share(invalid, total), "by_kind": by_kind}


def daily(cells, *, days):
    """Per day, newest first: ``{"day", "interactions", "invalidated", "share", "by_kind"}``."""
    by_day = {}
    for (day, kind), value in cells.items():
        by_day.setdefault(day, {})[(day, kind)] = value
    rows = []
    for day in days:
        inv = invalidated(by_day.get(day, {}))
        rows.append({"day": day, "interactions": inv["interactions"], "invalidated": inv["invalidated"],
                     "share": inv["share"], "by_kind": inv["by_kind"]})
    return rows


# --- the audited prevalence (one query) ------------------------------------------------------------


def label_cells(start, end, cells, brand_id=None):
    """Labels per (day, kind) of sample items still counted, weighted by the kind's counted
    interactions that day in the window (from ``counts``), in ``audit.estimate_from_cells``'s shape
    (``low`` = fake). Also returns the "can't tell" count."""
    qs = InteractionAuditSample.objects.filter(
        interaction__at__gte=start, interaction__at__lt=end, interaction__valid=True).exclude(label="")
    if brand_id is not None:
        qs = qs.filter(brand_q(brand_id, prefix="interaction__"))
    rows = (qs.values("date", "kind")
            .annotate(m=Count("id", filter=Q(label__in=[Label.GENUINE, Label.FAKE])),
                      low=Count("id", filter=Q(label=Label.FAKE)),
                      unsure=Count("id", filter=Q(label=Label.UNSURE))).order_by())
    out, unsure = [], 0
    for row in rows:
        total, invalid = cells.get((row["date"], row["kind"]), (0, 0))
        out.append({"date": row["date"], "content_type": row["kind"], "m": row["m"], "low": row["low"],
                    "population": total - invalid})
        unsure += row["unsure"]
    return out, unsure


def status_for(combined, high):
    target, red = lines()
    if combined is None:
        return "not_measured"
    if combined >= red:
        return "red"
    if high >= target:
        return "yellow"
    return "green"


def combine(inv, est, unsure):
    """The public result (the hook's shape) from the invalidated share and the audit estimate."""
    s = inv["share"] or 0.0
    p = est.estimate
    combined = lo = hi = None
    if p is not None:
        combined = s + (1 - s) * p
        lo, hi = s + (1 - s) * est.lo, s + (1 - s) * est.hi
    target, red = lines()
    return {
        "invalidated_share": s,
        "invalidated_by_kind": inv["by_kind"],
        "audited_prevalence": p,
        "ci_low": est.lo,
        "ci_high": est.hi,
        "sample_size": est.n,
        "combined": combined,
        "combined_low": lo,
        "combined_high": hi,
        "status": status_for(combined, hi),
        "interactions": inv["interactions"],
        "invalidated": inv["invalidated"],
        "fake_labels": est.low,
        "cant_tell": unsure,
        "target": target,
        "red_line": red,
    }


def fake_interaction_rate(*, start, end, brand_id=None):
    """The fake-interaction rate over ``[start, end)`` (dates are site days, ``end`` exclusive;
    or aware datetimes), for the whole site or one brand's content (``brand_q``). Two queries.
    Fills ``community.hooks.fake_interaction_rate`` (the growth dashboard reads it)."""
    start, end = bounds(start, end)
    cells = counts(start, end, brand_id)
    lcells, unsure = label_cells(start, end, cells, brand_id)
    return combine(invalidated(cells), audit.estimate_from_cells(lcells), unsure)


def overview(*, days=30, now=None):
    """What the ops page shows: the rate over the last ``days`` complete days (yesterday back)
    and a daily table of the newest ``DAILY_ROWS`` of them. Two queries."""
    today = audit.site_today(now)
    first = today - timedelta(days=days)
    start, end = bounds(first, today)
    cells = counts(start, end)
    lcells, unsure = label_cells(start, end, cells)
    rate = combine(invalidated(cells), audit.estimate_from_cells(lcells), unsure)
    shown = [today - timedelta(days=i) for i in range(1, min(days, DAILY_ROWS) + 1)]
    return {"rate": rate, "daily": daily(cells, days=shown), "start": first, "end": today, "days": days}


# --- drawing the sample ------------------------------------------------------------------------------


def fakerate_draw(*, day, size=None, seed=None):
    """Draw ``day``'s sample of counted interactions (site time zone), stratified by kind with
    proportional allocation (``audit.sample_ids``). Idempotent: a day that has a sample keeps it
    (a rerun draws nothing). Returns the day's sample rows ordered by id."""
    if isinstance(day, str):
        day = date_type.fromisoformat(day)
    size = sample_size() if size is None else int(size)
    if size < 0:
        raise ServiceError(_("The sample size cannot be negative."), code="size_invalid")
    return audit.draw_daily(
        InteractionAuditSample, day=day, size=size, seed=seed, seed_label=SEED_LABEL,
        population=_counted_by_kind,
        row=lambda kind, pk, population, seed, now: InteractionAuditSample(
            date=day, interaction_id=pk, kind=kind, population=population, seed=seed, drawn_at=now),
        what="fake-interaction",
    )


def _counted_by_kind(start, end):
    """{kind: ids} of the counted (valid) interactions in [start, end)."""
    strata = {}
    for pk, action in _events(start, end).filter(valid=True).values_list("id", "action"):
        strata.setdefault(KIND_OF[action], []).append(pk)
    return strata


# --- labelling ----------------------------------------------------------------------------------------


def fakerate_label(*, sample_id, moderator, label):
    """Record ``moderator``'s genuine / fake / can't-tell label on one sample item, with an
    audit ``Event``. Idempotent; the labeller may correct their own label, nobody else may change
    it (one independent label per item); nobody labels their own interaction."""
    if label not in Label.values:
        msg = _("Choose genuine, fake or can't tell.")
        raise ServiceError(msg, code="label_invalid", fields={"label": [msg]})
    with transaction.atomic():
        sample = (InteractionAuditSample.objects.select_for_update().select_related("interaction")
                  .filter(pk=sample_id).first())
        if sample is None:
            raise ServiceError(_("Audit item not found."), code="not_found", status_code=404)
        if sample.interaction.actor_id == moderator.pk:
            raise PermissionDeniedError(_("You cannot label your own interaction."), code="own_interaction")
        old = sample.label
        if old == label:
            return sample
        if old and sample.labelled_by_id != moderator.pk:
            raise PermissionDeniedError(_("Another moderator already labelled this item."), code="already_labelled")
        sample.label, sample.labelled_by, sample.labelled_at = label, moderator, timezone.now()
        sample.save(update_fields=["label", "labelled_by", "labelled_at"])
        Event.objects.create(
            content_type="interaction", object_id=sample.interaction_id, actor=moderator,
            action="moderation.fakerate.labelled", reason=label, old_state=old, new_state=label,
            data={"sample_id": sample.pk, "date": sample.date.isoformat(), "kind": sample.kind},
        )
    return sample


# --- the labelling list (reads) -----------------------------------------------------------------------


def _count(qs, group, field="id", distinct=False):
    """A correlated COUNT as a subquery: ``qs`` is filtered so that ``group`` has one value."""
    sub = qs.order_by().values(group).annotate(n=Count(field, distinct=distinct)).values("n")[:1]
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def _context_annotations():
    """What a moderator needs beside the interaction, as subqueries of one query: the actor's other
    interactions on the same author's content and on the same target, their activity that day and
    their invalidated interactions; other accounts sharing the device or network (counts only)."""
    ev = InteractionEvent.objects.exclude(pk=OuterRef("interaction_id"))
    at = OuterRef("interaction__at")
    near = Q(at__gte=at - timedelta(days=CONTEXT_DAYS), at__lte=at + timedelta(days=CONTEXT_DAYS))
    mine = ev.filter(actor=OuterRef("interaction__actor_id"))
    others = ev.exclude(actor=OuterRef("interaction__actor_id"))
    # Over every row that still has its signals (the retention window, 90 days by default): a time
    # bound here made PostgreSQL AND the prefix index with a scan of the whole time index.
    same_ip = others.filter(ip_prefix_hash=OuterRef("interaction__ip_prefix_hash"))
    return {
        "same_author_n": _count(mine.filter(near, target_author=OuterRef("interaction__target_author_id"),
                                            action__in=COUNTED_ACTIONS), "actor"),
        "same_target_n": _count(mine.filter(target_ct=OuterRef("interaction__target_ct_id"),
                                            target_id=OuterRef("interaction__target_id")), "actor"),
        "day_n": _count(mine.filter(at__gte=at - timedelta(hours=12), at__lte=at + timedelta(hours=12),
                                    action__in=COUNTED_ACTIONS), "actor"),
        "invalid_n": _count(mine.filter(valid=False), "actor"),
        "device_accounts": _count(others.filter(device_hash=OuterRef("interaction__device_hash")),
                                  "device_hash", "actor", distinct=True),
        "network_accounts": _count(same_ip, "ip_prefix_hash", "actor", distinct=True),
        "network_same_author": _count(same_ip.filter(target_author=OuterRef("interaction__target_author_id")),
                                      "ip_prefix_hash", "actor", distinct=True),
    }


def queue_list(*, moderator, limit=QUEUE_PAGE_SIZE, now=None):
    """Unlabelled sample items of the last ``QUEUE_WINDOW_DAYS`` whose interaction still counts,
    newest day first, leaving out the moderator's own interactions; with their context. One query."""
    since = audit.site_today(now) - timedelta(days=QUEUE_WINDOW_DAYS)
    page = (InteractionAuditSample.objects.filter(label="", date__gte=since, interaction__valid=True)
            .exclude(interaction__actor_id=moderator.pk).order_by("-date", "id").values("pk")[:limit])
    # The page's ids in an inner query: PostgreSQL computes select-list subqueries before it sorts,
    # so annotating the whole backlog would run the context subqueries for every unlabelled item.
    return list(
        InteractionAuditSample.objects.filter(pk__in=page)
        .select_related("interaction__actor", "interaction__target_author", "interaction__target_ct")
        .annotate(**_context_annotations())
        .order_by("-date", "id")
    )


def queue_counts(*, now=None):
    """The labelling backlog and the labels given, last ``QUEUE_WINDOW_DAYS``: one query."""
    since = audit.site_today(now) - timedelta(days=QUEUE_WINDOW_DAYS)
    return InteractionAuditSample.objects.filter(date__gte=since, interaction__valid=True).aggregate(
        backlog=Count("id", filter=Q(label="")), labelled=Count("id", filter=~Q(label="")),
    )


def account_age_days(sample):
    """The actor's account age at the interaction: logged with it, or worked out from the account."""
    event = sample.interaction
    if event.account_age_days is not None:
        return event.account_age_days
    return max((event.at - event.actor.date_joined).days, 0)
