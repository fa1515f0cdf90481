"""The quality audit: a daily uniform random sample of published content, moderators'
labels on it, and the low-quality prevalence estimated from those labels.

This is how the "< 10% low-quality" promise is measured without the scorer grading
its own homework: the sample is drawn at random from everything published that day
(not from what the scorer or the queue picked), humans label it, and the estimate
carries a 95% Wilson confidence interval.

- ``audit_draw`` draws a day's sample: stratified by content kind with proportional
  allocation, reproducible from its recorded seed, idempotent per day.
- ``audit_label`` records a moderator's good / acceptable / low label (one per item).
- ``prevalence`` / ``weekly_series`` estimate the low-quality share with its interval
  and a green / yellow / red status against the 10% line.
- ``calibration`` puts the scorer's own low share next to the audited one.
- ``audit_examples`` turns the labels into training examples for the learned quality
  component (``{"text", "label": "low"|"ok", "rating"}``).

See docs/quality.md, "Audit and prevalence".
"""
import hashlib
import hmac
import logging
import math
import random
from dataclasses import dataclass, field
from datetime import date as date_type
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Review
from core.errors import PermissionDeniedError, ServiceError
from moderation import registry
from moderation.models import AuditLabel, AuditSample, Case, Event

log = logging.getLogger(__name__)

TARGET = 0.10  # the promise: under 10% of published content is low quality
Z95 = 1.959963984540054
DEFAULT_SIZE = 50
QUEUE_WINDOW_DAYS = 30  # older unlabelled items leave the audit queue
Label = AuditLabel.Label


def sample_size():
    return int(getattr(settings, "MODERATION_AUDIT_SAMPLE_SIZE", DEFAULT_SIZE))


# --- the population: content published on a day, per content kind -------------------------
#
# A population function takes the day's [start, end) bounds and returns a queryset of
# the object ids published in it (lazy, so it also serves as a subquery). A new content
# kind (entries, comments) registers one next to its moderation adapter.

_POPULATIONS = {}


def audit_population_register(kind, func):
    _POPULATIONS[kind] = func
    return func


def _review_population(start, end):
    return (
        Review.objects.filter(status=Review.Status.PUBLISHED, published_at__gte=start, published_at__lt=end)
        .filter(~Q(text="") | Q(has_photos=True))  # a rating alone is not content to audit
        .values_list("pk", flat=True)
    )


audit_population_register("review", _review_population)


def audited_kinds():
    """Registered content kinds that also know their published population, in a stable order."""
    return sorted(k.key for k in registry.kinds() if k.key in _POPULATIONS)


def day_bounds(day):
    """[start, end) of a calendar day in the site time zone (settings.TIME_ZONE)."""
    tz = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def site_today(now=None):
    return timezone.localtime(now or timezone.now(), timezone.get_default_timezone()).date()


# --- drawing the sample ---------------------------------------------------------------------


def default_seed(day, label="audit"):
    """A seed derived from the date, keyed with the secret key so no one can work out in
    advance which items will be audited. Recorded on every sample row. ``label`` keeps
    the seeds of different audits (quality, fake interactions) apart."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{label}:{day.isoformat()}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # fits a signed 64-bit column


def allocate(sizes, size):
    """Proportional allocation of ``size`` draws over strata of ``sizes`` ({stratum: N_h}),
    by largest remainder, never more than a stratum holds. Everything when the population
    is no larger than the sample."""
    total = sum(sizes.values())
    if total <= size:
        return dict(sizes)
    quotas = {k: size * n / total for k, n in sizes.items()}
    alloc = {k: min(sizes[k], math.floor(q)) for k, q in quotas.items()}
    left = size - sum(alloc.values())
    for k in sorted(sizes, key=lambda k: (-(quotas[k] - math.floor(quotas[k])), k)):
        if left <= 0:
            break
        if alloc[k] < sizes[k]:
            alloc[k] += 1
            left -= 1
    return alloc


def sample_ids(strata, *, size, seed):
    """A stratified simple random sample: ``{stratum: sorted ids}`` from ``{stratum: ids}``.

    Within a stratum every subset of the allocated size is equally likely (``random.sample``
    over the ids in a canonical order), so every item has the same inclusion probability
    n_h / N_h. Each stratum has its own generator seeded from ``(seed, stratum)``: the same
    seed gives the same sample, and adding a content kind does not reshuffle the others."""
    alloc = allocate({k: len(v) for k, v in strata.items()}, size)
    out = {}
    for kind, ids in strata.items():
        rng = random.Random(f"{seed}:{kind}")
        out[kind] = sorted(rng.sample(sorted(ids), alloc[kind]))
    return out


def draw_daily(model, *, day, size, seed, seed_label, population, row, what):
    """Draw one day's stratified sample into ``model`` (rows with a ``date`` field), once.

    The shared tail of the quality audit and the fake-interaction audit: idempotent (a day that
    has a sample keeps it, same size and seed), seeded from the date unless ``seed`` is given,
    ``population(start, end)`` gives ``{stratum: ids}`` for the day (site time zone) and
    ``row(stratum, id, population, seed, now)`` builds one unsaved sample row. Returns the day's
    rows ordered by id."""
    existing = list(model.objects.filter(date=day).order_by("id"))
    if existing:
        return existing
    seed = default_seed(day, seed_label) if seed is None else int(seed)
    strata = population(*day_bounds(day))
    chosen = sample_ids(strata, size=size, seed=seed)
    now = timezone.now()
    rows = [row(kind, oid, len(strata[kind]), seed, now) for kind in sorted(chosen) for oid in chosen[kind]]
    with transaction.atomic():
        # A concurrent draw with the same seed picks the same rows: the unique constraint
        # turns the race into a no-op.
        model.objects.bulk_create(rows, ignore_conflicts=True)
    log.info("%s sample for %s: %d of %d items (seed %s)", what, day, len(rows),
             sum(len(v) for v in strata.values()), seed)
    return list(model.objects.filter(date=day).order_by("id"))


def audit_draw(*, day, size=None, seed=None):
    """Draw ``day``'s audit sample (content published that day, site time zone).

    Idempotent: when the day already has a sample, it is returned unchanged (same size,
    same seed). Returns the day's samples ordered by id."""
    if isinstance(day, str):
        day = date_type.fromisoformat(day)
    return draw_daily(
        AuditSample, day=day, size=sample_size() if size is None else int(size), seed=seed, seed_label="audit",
        population=lambda start, end: {kind: list(_POPULATIONS[kind](start, end)) for kind in audited_kinds()},
        row=lambda kind, oid, population, seed, now: AuditSample(
            date=day, content_type=kind, object_id=oid, stratum=kind, population=population, seed=seed, drawn_at=now),
        what="audit",
    )


# --- labelling ------------------------------------------------------------------------------


def audit_label(*, sample_id, moderator, label):
    """Record ``moderator``'s quality label on one sample item and write an audit Event.

    Idempotent: the same label again changes nothing. The moderator who labelled an item
    may correct their label; another moderator cannot overwrite it (the estimate counts
    one independent label per item)."""
    if label not in Label.values:
        msg = _("Choose good, acceptable or low.")
        raise ServiceError(msg, code="label_invalid", fields={"label": [msg]})
    with transaction.atomic():
        sample = AuditSample.objects.select_for_update().filter(pk=sample_id).first()
        if sample is None:
            raise ServiceError(_("Audit item not found."), code="not_found", status_code=404)
        current = AuditLabel.objects.filter(sample=sample).first()
        old = current.label if current else ""
        if current is not None:
            if current.label == label:
                return current
            if current.moderator_id != moderator.pk:
                raise PermissionDeniedError(_("Another moderator already labelled this item."),
                                            code="already_labelled")
            current.label = label
            current.save(update_fields=["label", "updated_at"])
        else:
            current = AuditLabel.objects.create(sample=sample, moderator=moderator, label=label)
        case = Case.objects.filter(content_type=sample.content_type, object_id=sample.object_id).first()
        Event.objects.create(
            case=case, content_type=sample.content_type, object_id=sample.object_id, actor=moderator,
            action="moderation.audit.labelled", reason=label, old_state=old, new_state=label,
            data={"sample_id": sample.pk, "date": sample.date.isoformat()},
        )
    return current


# --- the audit queue (reads) ------------------------------------------------------------------


def audit_next(*, after=None, now=None):
    """The next unlabelled sample item, newest day first. ``after`` is ``(date, id)`` of a
    skipped item: the next one in queue order after it, wrapping to the start."""
    since = site_today(now) - timedelta(days=QUEUE_WINDOW_DAYS)
    qs = AuditSample.objects.filter(date__gte=since, label__isnull=True).order_by("-date", "id")
    if after is not None:
        day, pk = after
        nxt = qs.filter(Q(date__lt=day) | Q(date=day, id__gt=pk)).first()
        if nxt is not None:
            return nxt
    return qs.first()


def audit_progress(*, day, now=None):
    """How much of ``day``'s sample is labelled, and the unlabelled backlog: one query."""
    since = site_today(now) - timedelta(days=QUEUE_WINDOW_DAYS)
    agg = AuditSample.objects.filter(date__gte=min(day, since) if day else since).aggregate(
        total=Count("id", filter=Q(date=day)),
        labelled=Count("id", filter=Q(date=day, label__isnull=False)),
        backlog=Count("id", filter=Q(date__gte=since, label__isnull=True)),
    )
    return {"day": day, **agg}


def latest_sample_day():
    return AuditSample.objects.aggregate(d=Max("date"))["d"]


def sample_preview(sample):
    """The item as moderators see it, personal data masked. Contact and personal-data
    detectors run afresh on the current text (no queries), so masking never depends on
    offsets stored at screening time, which an edit may have moved."""
    from moderation import selectors
    from moderation.detectors.base import ScreenInput
    from moderation.detectors.contact import ContactDetector
    from moderation.detectors.personal import PersonalDataDetector

    try:
        preview = registry.get(sample.content_type).previews([sample.object_id]).get(sample.object_id)
    except KeyError:
        preview = None
    if preview is None:
        return None, ""
    inp = ScreenInput(text=preview.text or "", language=preview.language)
    detectors = [d.run(inp).as_dict() for d in (ContactDetector(), PersonalDataDetector())]
    return preview, selectors.masked_text(preview.text or "", detectors)


# --- the estimate ---------------------------------------------------------------------------


def wilson_interval(low, n, z=Z95):
    """95% Wilson score interval for a proportion ``low / n``; ``None`` when n is 0.

    ``low`` may be fractional (a weighted count with an effective n). Exact at the edges:
    0 of n gives a lower bound of 0, n of n an upper bound of 1."""
    if n <= 0:
        return None
    p = min(max(low / n, 0.0), 1.0)
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo = 0.0 if p == 0 else max(0.0, centre - margin)
    hi = 1.0 if p == 1 else min(1.0, centre + margin)
    return lo, hi


def prevalence_status(estimate, hi, target=TARGET):
    """red: the estimate itself is at or over the target; yellow: the interval's upper
    bound crosses it; green: the whole interval is under it; "none" without labels."""
    if estimate is None:
        return "none"
    if estimate >= target:
        return "red"
    if hi > target:
        return "yellow"
    return "green"


@dataclass
class Estimate:
    n: int = 0  # labelled items
    low: int = 0  # of which labelled low
    estimate: float | None = None  # weighted low share
    lo: float | None = None
    hi: float | None = None
    n_effective: float = 0.0
    status: str = "none"
    target: float = TARGET
    days: int | None = None
    start: date_type | None = None
    end: date_type | None = None  # exclusive
    extra: dict = field(default_factory=dict)

    @property
    def raw_share(self):
        return self.low / self.n if self.n else None


def _cells(start, end):
    """Labelled counts per (day, content kind) with the stratum's population: one query."""
    return list(
        AuditSample.objects.filter(date__gte=start, date__lt=end, label__isnull=False)
        .values("date", "content_type")
        .annotate(population=Max("population"), m=Count("id"), low=Count("id", filter=Q(label__label=Label.LOW)))
        .order_by("date", "content_type")
    )


def estimate_from_cells(cells, **kw):
    """Combine (day, kind) cells into one estimate.

    Each cell is a stratum of a day's draw: its low share is weighted by the stratum's
    population N_h, so a quiet day's 50 items don't count as much as a busy day's 50, and
    a kind is neither over- nor under-represented by rounding. The Wilson interval uses
    Kish's effective sample size; with equal weights it is exactly the plain Wilson
    interval of low / n."""
    est = Estimate(**kw)
    weight_sum = weight_sq = weighted_low = 0.0
    for c in cells:
        m = c["m"]
        if not m:
            continue
        pop = c["population"] or m  # a stratum without a recorded population counts as itself
        est.n += m
        est.low += c["low"]
        weighted_low += pop * c["low"] / m
        weight_sum += pop
        weight_sq += pop * pop / m
    if est.n:
        est.estimate = weighted_low / weight_sum
        est.n_effective = weight_sum * weight_sum / weight_sq
        est.lo, est.hi = wilson_interval(est.estimate * est.n_effective, est.n_effective)
    est.status = prevalence_status(est.estimate, est.hi, est.target)
    return est


def prevalence(days=7, *, now=None):
    """Low-quality prevalence over the last ``days`` sampled days (yesterday back), with its
    95% interval and status against the 10% line."""
    today = site_today(now)
    start = today - timedelta(days=days)
    return estimate_from_cells(_cells(start, today), days=days, start=start, end=today)


def _week_start(day):
    return day - timedelta(days=day.isoweekday() - 1)


def weekly_series(*, weeks=12, now=None, cells=None):
    """Per ISO week, oldest first: ``{"week": "2024-W18", "start", "n", "low", "estimate",
    "lo", "hi", "status"}`` (estimate and interval None for a week without labels)."""
    today = site_today(now)
    first = _week_start(today) - timedelta(weeks=weeks - 1)
    if cells is None:
        cells = _cells(first, today + timedelta(days=1))
    by_week = {}
    for c in cells:
        if c["date"] >= first:
            by_week.setdefault(_week_start(c["date"]), []).append(c)
    series = []
    for i in range(weeks):
        start = first + timedelta(weeks=i)
        est = estimate_from_cells(by_week.get(start, []), start=start, end=start + timedelta(days=7))
        year, week, _day = start.isocalendar()
        series.append({
            "week": f"{year}-W{week:02d}", "start": start, "n": est.n, "low": est.low,
            "estimate": est.estimate, "lo": est.lo, "hi": est.hi, "status": est.status,
        })
    return series


def prevalence_overview(*, now=None, weeks=12):
    """Everything the prevalence page shows, from one query over the chart's range."""
    today = site_today(now)
    first = min(_week_start(today) - timedelta(weeks=weeks - 1), today - timedelta(days=30))
    cells = _cells(first, today + timedelta(days=1))
    windows = {}
    for days in (7, 30):
        start = today - timedelta(days=days)
        windows[days] = estimate_from_cells([c for c in cells if start <= c["date"] < today],
                                            days=days, start=start, end=today)
    return {"windows": windows, "weekly": weekly_series(weeks=weeks, now=now, cells=cells), "today": today}


# --- calibration: the scorer's own low share next to the audited share ---------------------


def _quality_score_model():
    try:
        from moderation.models import QualityScore
    except ImportError:
        return None
    return QualityScore


def _scorer_low_q(model):
    """How the scorer says "low": a score under the current "ok" band threshold
    (``moderation.quality.bands``), so a threshold change shows at once; the stored band
    when the bands module is not there."""
    names = {f.name for f in model._meta.get_fields()}
    try:
        from moderation.quality.bands import OK, thresholds
    except ImportError:
        thresholds = None
    if thresholds is not None and "score" in names:
        return Q(score__lt=thresholds()[OK])
    if "band" in names:
        return Q(band="low")
    return None


def calibration(*, days=30, now=None, audited=None):
    """``{"available", "scorer_n", "scorer_low", "scorer_share", "audited": Estimate, "gap"}``.

    The scorer's share is over everything published in the window that it scored; the
    audited share is the estimate from moderators' labels over the same days. A large gap
    means the score's "low" band is miscalibrated."""
    today = site_today(now)
    start_day = today - timedelta(days=days)
    audited = audited or prevalence(days, now=now)
    out = {"available": False, "scorer_n": 0, "scorer_low": 0, "scorer_share": None, "audited": audited,
           "gap": None, "days": days}
    model = _quality_score_model()
    low_q = _scorer_low_q(model) if model is not None else None
    if low_q is None:
        return out
    start, _ = day_bounds(start_day)
    end, _ = day_bounds(today)
    names = {f.name for f in model._meta.get_fields()}
    for kind in audited_kinds():
        qs = model.objects.all()
        if "content_type" in names:
            qs = qs.filter(content_type=kind)
        agg = qs.filter(object_id__in=_POPULATIONS[kind](start, end)).aggregate(
            n=Count("pk"), low=Count("pk", filter=low_q))
        out["scorer_n"] += agg["n"]
        out["scorer_low"] += agg["low"]
    out["available"] = True
    if out["scorer_n"]:
        out["scorer_share"] = out["scorer_low"] / out["scorer_n"]
        if audited.estimate is not None:
            out["gap"] = out["scorer_share"] - audited.estimate
    return out


# --- training data for the learned quality component -----------------------------------------


def audit_examples(*, since=None):
    """Audit labels as training examples for the learned quality component:
    ``[{"text", "label": "low" | "ok", "rating"}]`` (good and acceptable are both "ok").

    Items whose content no longer exists or has no text are left out. The rating is
    included when the content kind has one. Previews are read in bulk: one pass per kind."""
    qs = AuditLabel.objects.select_related("sample").order_by("sample__date", "sample_id")
    if since is not None:
        qs = qs.filter(sample__date__gte=since)
    by_kind = {}
    for lab in qs:
        by_kind.setdefault(lab.sample.content_type, []).append(lab)
    examples = []
    for kind, labels in sorted(by_kind.items()):
        try:
            adapter = registry.get(kind)
        except KeyError:
            continue
        previews = {}
        ids = [lab.sample.object_id for lab in labels]
        for i in range(0, len(ids), 500):
            previews.update(adapter.previews(ids[i:i + 500]))
        for lab in labels:
            preview = previews.get(lab.sample.object_id)
            if preview is None or not (preview.text or "").strip():
                continue
            row = {"text": preview.text, "label": "low" if lab.label == Label.LOW else "ok"}
            if preview.rating is not None:
                row["rating"] = preview.rating
            if preview.language:
                row["lang"] = preview.language
            examples.append(row)
    return examples
