"""Incremental rollups of the source tables into per-day figures (docs/dashboard.md).

A *window* is one site day (settings.TIME_ZONE, Asia/Shanghai). Recomputing a window reads the
day's rows of every source, deletes the day's rollup rows and writes them again, in one
transaction: so a window is idempotent, and the incremental run and a full rebuild write
exactly the same rows (they call the same function). The incremental run only decides WHICH
windows to recompute: the days of rows added since each source's id watermark (late rows
included, whatever their timestamp), the days of reviews edited since the last run, and the
days between the last run and now (timestamps stamped at decision time: decided, adopted,
selected, shipped, reported, voided)."""
import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from community.cocreation.models import (
    ChallengeParticipant,
    Entry,
    EntryComment,
    EntryVote,
    PollVote,
)
from community.models import HelpfulVote, Review, ReviewPhoto
from community.trials.models import TrialApplication
from dashboard.models import DailyCount, DailyUser, Watermark
from gamification.models import PointsEntry, Redemption
from moderation.models import Appeal, Case

EPOCH = date(1970, 1, 1)
SLACK = timedelta(minutes=2)  # a row committed a little after a later id still lands in a recomputed day
DEEP, SHALLOW = "deep", "shallow"


def site_tz():
    return timezone.get_default_timezone()


def day_bounds(day):
    tz = site_tz()
    return datetime.combine(day, time.min, tzinfo=tz), datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def site_day(moment):
    return timezone.localtime(moment, site_tz()).date()


def daynum(day):
    return (day - EPOCH).days


@dataclass(frozen=True)
class Spec:
    """One metric: rows of ``model`` whose ``ts`` falls on the day and match ``where``."""

    metric: str
    model: type
    ts: str = "created_at"
    where: Q = field(default_factory=Q)
    user: str | None = None  # the acting user (None: not a user's action that day)
    brand: str | None = None
    category: str | None = None
    language: str | None = None
    action: str | None = None  # DEEP / SHALLOW: counted in the deep-interaction share
    contribution: bool = False  # a review, entry, comment or report: "contributing" in retention
    total: str | None = None  # Sum of this field instead of a row count


R = {"brand": "product__brand", "category": "product__category", "language": "language"}
RV = {"brand": "review__product__brand", "category": "review__product__category", "language": "review__language"}
DEEP_REVIEW = ~Q(text="") | Q(has_photos=True)
AI_AGREES = (Q(ai_decision="publish", state=Case.State.APPROVED) | Q(ai_decision="reject", state=Case.State.REJECTED))
# Time-to-decision histogram buckets (hours); percentiles interpolate inside a bucket.
BUCKETS = [0, 1 / 60, 5 / 60, 0.25, 0.5, 1, 2, 4, 8, 12, 24, 48, 96, 24 * 365]


def _bucket_specs():
    out = []
    for i, (lo, hi) in enumerate(itertools.pairwise(BUCKETS)):
        out.append(Spec(f"mod_t{i:02d}", Case, ts="decided_at", where=Q(
            decided_at__gte=F("created_at") + timedelta(hours=lo), decided_at__lt=F("created_at") + timedelta(hours=hi))))
    return out


SPECS = [
    Spec("star", Review, where=~DEEP_REVIEW, user="author", action=SHALLOW, contribution=True, **R),
    Spec("review_deep", Review, where=DEEP_REVIEW, user="author", action=DEEP, contribution=True, **R),
    Spec("photo", ReviewPhoto, **RV),
    Spec("entry", Entry, user="author", brand="challenge__brand", language="language", action=DEEP,
         contribution=True),
    Spec("comment", EntryComment, user="author", brand="entry__challenge__brand", action=DEEP, contribution=True),
    Spec("trial_report", TrialApplication, ts="reported_at", user="user", brand="program__brand", action=DEEP,
         contribution=True),
    Spec("adopted", Entry, ts="adopted_at", brand="challenge__brand", language="language", action=DEEP),
    Spec("helpful_vote", HelpfulVote, user="user", action=SHALLOW, **RV),
    Spec("entry_vote", EntryVote, user="user", brand="challenge__brand", action=SHALLOW),
    Spec("poll_vote", PollVote, user="user", brand="challenge__brand", action=SHALLOW),
    Spec("challenge_join", ChallengeParticipant, brand="challenge__brand"),
    Spec("trial_apply", TrialApplication, brand="program__brand"),
    Spec("trial_selected", TrialApplication, ts="selected_at", brand="program__brand"),
    Spec("trial_shipped", TrialApplication, ts="shipped_at", brand="program__brand"),
    Spec("trial_on_time", TrialApplication, ts="reported_at", brand="program__brand",
         where=Q(reported_at__lte=F("program__report_deadline"))),
    Spec("signup", get_user_model(), ts="date_joined"),
    Spec("mod_decided", Case, ts="decided_at"),
    Spec("mod_rejected", Case, ts="decided_at", where=Q(state=Case.State.REJECTED)),
    Spec("mod_ai_alone", Case, ts="decided_at", where=Q(decided_by__isnull=True)),
    Spec("mod_ai_opined", Case, ts="decided_at", where=Q(decided_by__isnull=False, ai_decision__in=["publish", "reject"])),
    Spec("mod_ai_agreed", Case, ts="decided_at", where=Q(decided_by__isnull=False) & AI_AGREES),
    *_bucket_specs(),
    Spec("appeal", Appeal),
    Spec("appeal_decided", Appeal, ts="decided_at", where=~Q(status=Appeal.Status.OPEN)),
    Spec("appeal_overturned", Appeal, ts="decided_at", where=Q(status=Appeal.Status.OVERTURNED)),
    Spec("points_issued", PointsEntry, where=Q(amount__gt=0, reverses__isnull=True), total="amount"),
    Spec("points_spent", PointsEntry, where=Q(amount__lt=0, reverses__isnull=True), total="amount"),
    Spec("points_reversed", PointsEntry, where=Q(reverses__isnull=False), total="amount"),
    Spec("coupons", Redemption),
]
ACTION_METRICS = {s.metric: s.action for s in SPECS if s.action}
DEEP_METRICS = [m for m, a in ACTION_METRICS.items() if a == DEEP]
# Sources read incrementally by id: (watermark name, model, timestamp fields whose days a new row touches).
SOURCES = {}
for _s in SPECS:
    SOURCES.setdefault(f"{_s.model._meta.label_lower}", (_s.model, set()))[1].add(_s.ts)


def compute_days(first, last):
    """The rollup rows of the days ``first``..``last`` from the source tables, without writing
    them: {day: (counts, users)}. One grouped query per metric (two for a user's action) for the
    whole range, so a rebuild reads each source once per chunk, not once per day."""
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    tz = site_tz()
    out = {}

    def cell(day):
        return out.setdefault(day, ({}, {}))

    for spec in SPECS:
        qs = spec.model.objects.filter(spec.where, **{f"{spec.ts}__gte": start, f"{spec.ts}__lt": end})
        agg = Sum(spec.total) if spec.total else Count("pk")
        dims = {"b": F(spec.brand) if spec.brand else Value(0), "c": F(spec.category) if spec.category else Value(0),
                "l": F(spec.language) if spec.language else Value("")}
        for row in qs.values(d=TruncDate(spec.ts, tzinfo=tz), **dims).annotate(v=agg).order_by():
            counts = cell(row["d"])[0]
            key = (row["b"] or 0, row["c"] or 0, row["l"] or "", spec.metric)
            counts[key] = counts.get(key, 0) + (row["v"] or 0)
        if spec.user:
            joined = spec.user + "__date_joined"
            rows = (qs.values(d=TruncDate(spec.ts, tzinfo=tz), u=F(spec.user), b=dims["b"],
                              j=TruncDate(joined, tzinfo=tz)).annotate(n=Count("pk")).order_by())
            for row in rows:
                users = cell(row["d"])[1]
                for brand in {0, row["b"] or 0}:
                    entry = users.setdefault((brand, row["u"]), [row["j"], 0, 0, 0])
                    entry[1] += row["n"]
                    entry[2] += row["n"] if spec.action == DEEP else 0
                    entry[3] += row["n"] if spec.contribution else 0
    return out


def compute_day(day):
    return compute_days(day, day).get(day, ({}, {}))


def write_day(day, counts, users):
    """Replace one window's rollup rows, in one transaction (idempotent)."""
    n = daynum(day)
    with transaction.atomic():
        Watermark.objects.select_for_update().get_or_create(source="__window_lock__")
        DailyCount.objects.filter(day=day).delete()
        DailyUser.objects.filter(day=day).delete()
        DailyCount.objects.bulk_create(
            [DailyCount(day=day, brand_id=b, category_id=c, language=lang, metric=m, value=v)
             for (b, c, lang, m), v in counts.items() if v], batch_size=2000)
        DailyUser.objects.bulk_create(
            [DailyUser(day=day, daynum=n, brand_id=b, user_id=u, joined=daynum(j) if j else n, actions=a, deep=d,
                       contributions=c) for (b, u), (j, a, d, c) in users.items()], batch_size=5000)
    return len(counts) + len(users)


def recompute_day(day):
    return write_day(day, *compute_day(day))


def recompute_days(days, *, chunk=31, progress=None):
    """Recompute many windows: the sources are read a chunk of consecutive days at a time, and
    each day is written in its own transaction."""
    days = sorted(days)
    done = 0
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and (days[j + 1] - days[i]).days < chunk:
            j += 1
        computed = compute_days(days[i], days[j])
        for day in days[i:j + 1]:
            write_day(day, *computed.get(day, ({}, {})))
            done += 1
            if progress:
                progress(done, len(days), day)
        i = j + 1
    return days


def _days_of(model, ts, ids_after, ids_upto):
    qs = (model.objects.filter(pk__gt=ids_after, pk__lte=ids_upto, **{f"{ts}__isnull": False})
          .annotate(d=TruncDate(ts, tzinfo=site_tz())).values_list("d", flat=True).distinct().order_by())
    return set(qs)


def dirty_days(now=None):
    """The windows the incremental run must recompute, and the watermarks to store after."""
    now = now or timezone.now()
    marks = {w.source: w for w in Watermark.objects.filter(source__in=SOURCES)}
    days, new_marks = set(), {}
    last_runs = [w.ran_at for w in marks.values() if w.ran_at]
    since = (min(last_runs) if last_runs and len(marks) == len(SOURCES) else None)
    for name, (model, stamps) in SOURCES.items():
        top = model.objects.aggregate(m=Max("pk"))["m"] or 0
        after = marks[name].last_id if name in marks else 0
        if top > after:
            for ts in stamps:
                days |= _days_of(model, ts, after, top)
        new_marks[name] = top
    today = site_day(now)
    if since is None:
        first = Review.objects.aggregate(m=Min("created_at"))["m"]
        since = first or now
    else:
        since -= SLACK
        edited = (Review.objects.filter(edited_at__gte=since).annotate(d=TruncDate("created_at", tzinfo=site_tz()))
                  .values_list("d", flat=True).distinct().order_by())
        days |= set(edited)
    day = site_day(since)
    while day <= today:  # decision-time stamps (decided_at, adopted_at, ...) fall between the last run and now
        days.add(day)
        day += timedelta(days=1)
    return sorted(d for d in days if d <= today), new_marks


def _store_marks(new_marks, now):
    with transaction.atomic():
        for name, top in new_marks.items():
            Watermark.objects.update_or_create(source=name, defaults={"last_id": top, "ran_at": now})


def rollups_run(*, now=None, progress=None):
    """The incremental run (the Celery beat task every 5 minutes)."""
    now = now or timezone.now()
    days, new_marks = dirty_days(now)
    recompute_days(days, progress=progress)
    _store_marks(new_marks, now)
    return days


def rollups_rebuild(*, since=None, now=None, progress=None):
    """Recompute every window from ``since`` (default: the first review's day) to today."""
    now = now or timezone.now()
    new_marks = {name: model.objects.aggregate(m=Max("pk"))["m"] or 0 for name, (model, _) in SOURCES.items()}
    if since is None:
        firsts = [Review.objects.aggregate(m=Min("created_at"))["m"],
                  get_user_model().objects.aggregate(m=Min("date_joined"))["m"]]
        firsts = [f for f in firsts if f]
        since = site_day(min(firsts)) if firsts else site_day(now)
    today = site_day(now)
    days = [since + timedelta(days=i) for i in range((today - since).days + 1)]
    recompute_days(days, progress=progress)
    _store_marks(new_marks, now)
    return days
