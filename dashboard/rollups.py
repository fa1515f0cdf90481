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
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum, Value
from django.db.models.functions import TruncDate, TruncHour
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
from dashboard.models import DAY, DailyCount, DailyUser, Watermark
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


def compute(start, end, *, hourly=False):
    """The rollup rows of the windows in [start, end) from the source tables, without writing
    them: {(day, hour): (counts, users)}, hour = DAY for day windows, 0-23 (site time) for hour
    windows. One grouped query per metric (two for a user's action) for the whole range, so a
    rebuild reads each source once per chunk, not once per day, and a run once per set of hours."""
    tz = site_tz()
    out = {}

    def cell(moment):
        if hourly:
            local = timezone.localtime(moment, tz) if timezone.is_aware(moment) else moment
            return out.setdefault((local.date(), local.hour), ({}, {}))
        return out.setdefault((moment, DAY), ({}, {}))

    for spec in SPECS:
        qs = spec.model.objects.filter(spec.where, **{f"{spec.ts}__gte": start, f"{spec.ts}__lt": end})
        trunc = TruncHour(spec.ts, tzinfo=tz) if hourly else TruncDate(spec.ts, tzinfo=tz)
        agg = Sum(spec.total) if spec.total else Count("pk")
        dims = {"b": F(spec.brand) if spec.brand else Value(0), "c": F(spec.category) if spec.category else Value(0),
                "l": F(spec.language) if spec.language else Value("")}
        for row in qs.values(d=trunc, **dims).annotate(v=agg).order_by():
            counts = cell(row["d"])[0]
            key = (row["b"] or 0, row["c"] or 0, row["l"] or "", spec.metric)
            counts[key] = counts.get(key, 0) + (row["v"] or 0)
        if spec.user:
            joined = spec.user + "__date_joined"
            rows = (qs.values(d=trunc, u=F(spec.user), b=dims["b"],
                              j=TruncDate(joined, tzinfo=tz)).annotate(n=Count("pk")).order_by())
            for row in rows:
                users = cell(row["d"])[1]
                for brand in {0, row["b"] or 0}:
                    entry = users.setdefault((brand, row["u"]), [row["j"], 0, 0, 0])
                    entry[1] += row["n"]
                    entry[2] += row["n"] if spec.action == DEEP else 0
                    entry[3] += row["n"] if spec.contribution else 0
    return out


def compute_days(first, last):
    """{(day, DAY): (counts, users)} of the days ``first``..``last``."""
    return compute(day_bounds(first)[0], day_bounds(last)[1])


def compute_day(day):
    return compute_days(day, day).get((day, DAY), ({}, {}))


def hour_bounds(day, hour):
    start = datetime.combine(day, time(hour), tzinfo=site_tz())
    return start, start + timedelta(hours=1)


def write_window(day, hour, counts, users):
    """Replace one window's rollup rows, in one transaction (idempotent). A day window (hour =
    DAY) replaces every row of the day, its hours included (the day closes); an hour window
    replaces that hour's rows and any day row of its day (the day is open again)."""
    n = daynum(day)
    rows = Q(day=day) if hour == DAY else Q(day=day, hour__in=[hour, DAY])
    with transaction.atomic():
        Watermark.objects.select_for_update().get_or_create(source="__window_lock__")
        DailyCount.objects.filter(rows).delete()
        DailyUser.objects.filter(rows).delete()
        DailyCount.objects.bulk_create(
            [DailyCount(day=day, hour=hour, brand_id=b, category_id=c, language=lang, metric=m, value=v)
             for (b, c, lang, m), v in counts.items() if v], batch_size=2000)
        _insert_users(day, hour, n, users)
    return len(counts) + len(users)


def _insert_users(day, hour, n, users):
    """A window's ``DailyUser`` rows. On PostgreSQL one ``INSERT ... SELECT FROM unnest()`` of six
    column arrays: building a model instance and preparing each field's value per row was most
    of a busy hour's run (docs/dashboard.md, "Figures"). Elsewhere ``bulk_create``."""
    if not users:
        return
    if connection.vendor != "postgresql":
        DailyUser.objects.bulk_create(
            [DailyUser(day=day, hour=hour, daynum=n, brand_id=b, user_id=u, joined=daynum(j) if j else n,
                       actions=a, deep=d, contributions=c) for (b, u), (j, a, d, c) in users.items()],
            batch_size=5000)
        return
    brands, user_ids, joined, actions, deep, contributions = [], [], [], [], [], []
    for (b, u), (j, a, d, c) in users.items():
        brands.append(b)
        user_ids.append(u)
        joined.append(daynum(j) if j else n)
        actions.append(a)
        deep.append(d)
        contributions.append(c)
    table = connection.ops.quote_name(DailyUser._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, hour, daynum, brand_id, user_id, joined, actions, deep, contributions) "
            "SELECT %s::date, %s::smallint, %s::integer, b, u, j, a, d, c FROM unnest("
            "%s::integer[], %s::bigint[], %s::integer[], %s::integer[], %s::integer[], %s::integer[]"
            ") AS t(b, u, j, a, d, c)",
            [day, hour, n, brands, user_ids, joined, actions, deep, contributions])


def write_day(day, counts, users):
    return write_window(day, DAY, counts, users)


def recompute_day(day):
    return write_day(day, *compute_day(day))


def day_chunks(days, chunk):
    """Sorted ``days`` cut into runs spanning fewer than ``chunk`` calendar days, so the sources
    of each run are read in one pass (one grouped query per metric)."""
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and (days[j + 1] - days[i]).days < chunk:
            j += 1
        yield days[i:j + 1]
        i = j + 1


def recompute_windows(windows, *, chunk=31, progress=None):
    """Recompute many windows, each written in its own transaction. Day windows: the sources are
    read a chunk of consecutive days at a time. Hour windows (today's): read in one range from
    the first to the last hour."""
    windows = sorted(set(windows))
    days = [d for d, h in windows if h == DAY]
    hours = [(d, h) for d, h in windows if h != DAY]
    done = 0

    def written(window):
        nonlocal done
        done += 1
        if progress:
            progress(done, len(windows), window_label(window))

    for run in day_chunks(days, chunk):
        computed = compute_days(run[0], run[-1])
        for day in run:
            write_window(day, DAY, *computed.get((day, DAY), ({}, {})))
            written((day, DAY))
    if hours:
        computed = compute(hour_bounds(*hours[0])[0], hour_bounds(*hours[-1])[1], hourly=True)
        for window in hours:
            write_window(*window, *computed.get(window, ({}, {})))
            written(window)
    return windows


def recompute_days(days, *, chunk=31, progress=None):
    return [d for d, _ in recompute_windows([(d, DAY) for d in days], chunk=chunk, progress=progress)]


def window_label(window):
    day, hour = window
    return str(day) if hour == DAY else f"{day} {hour:02d}h"


def _windows_of(model, ts, ids_after, ids_upto, today):
    """The windows of rows with ids in (ids_after, ids_upto]: their days, and for today's rows
    their hours (the rows read are the new ones only, about five minutes' worth)."""
    qs = (model.objects.filter(pk__gt=ids_after, pk__lte=ids_upto, **{f"{ts}__isnull": False})
          .annotate(h=TruncHour(ts, tzinfo=site_tz())).values_list("h", flat=True).distinct().order_by())
    return {_window(moment, today) for moment in qs}


def _window(moment, today):
    local = timezone.localtime(moment, site_tz()) if timezone.is_aware(moment) else moment
    return (local.date(), local.hour if local.date() == today else DAY)


def windows_between(since, now, today):
    """Every window from ``since`` to ``now``: days before today, today's hours."""
    out = set()
    day = site_day(since)
    while day < today:
        out.add((day, DAY))
        day += timedelta(days=1)
    start = max(since, day_bounds(today)[0])
    for hour in range(timezone.localtime(start, site_tz()).hour, timezone.localtime(now, site_tz()).hour + 1):
        out.add((today, hour))
    return out


def dirty_windows(now=None):
    """The windows the incremental run must recompute, and the watermarks to store after."""
    now = now or timezone.now()
    today = site_day(now)
    marks = {w.source: w for w in Watermark.objects.filter(source__in=SOURCES)}
    windows, new_marks = set(), {}
    last_runs = [w.ran_at for w in marks.values() if w.ran_at]
    since = (min(last_runs) if last_runs and len(marks) == len(SOURCES) else None)
    for name, (model, stamps) in SOURCES.items():
        top = model.objects.aggregate(m=Max("pk"))["m"] or 0
        after = marks[name].last_id if name in marks else 0
        if top > after:
            for ts in stamps:
                windows |= _windows_of(model, ts, after, top, today)
        new_marks[name] = top
    if since is None:
        first = Review.objects.aggregate(m=Min("created_at"))["m"]
        since = first or now
    else:
        since -= SLACK
        edited = (Review.objects.filter(edited_at__gte=since).annotate(h=TruncHour("created_at", tzinfo=site_tz()))
                  .values_list("h", flat=True).distinct().order_by())
        windows |= {_window(moment, today) for moment in edited}
    # Decision-time stamps (decided_at, adopted_at, ...) fall between the last run and now; a
    # closed day still kept in hours (the run at midnight did not happen) closes now.
    windows |= windows_between(since, now, today)
    windows |= {(d, DAY) for d in DailyCount.objects.filter(day__lt=today, hour__lt=DAY).values_list(
        "day", flat=True).distinct().order_by()}
    if DailyCount.objects.filter(day=today, hour=DAY).exists():  # today written as a day: back to hours
        windows |= windows_between(day_bounds(today)[0], now, today)
    current = timezone.localtime(now, site_tz()).hour
    return sorted(w for w in windows if w[0] < today or (w[0] == today and w[1] <= current)), new_marks


def _store_marks(new_marks, now):
    with transaction.atomic():
        for name, top in new_marks.items():
            Watermark.objects.update_or_create(source=name, defaults={"last_id": top, "ran_at": now})


def rollups_run(*, now=None, progress=None):
    """The incremental run (the Celery beat task every 5 minutes): the windows it recomputed."""
    now = now or timezone.now()
    windows, new_marks = dirty_windows(now)
    recompute_windows(windows, progress=progress)
    _store_marks(new_marks, now)
    return windows


def rollups_rebuild(*, since=None, now=None, progress=None):
    """Recompute every window from ``since`` (default: the first review's day) to now: the days
    before today, and today's hours so far."""
    now = now or timezone.now()
    new_marks = {name: model.objects.aggregate(m=Max("pk"))["m"] or 0 for name, (model, _) in SOURCES.items()}
    if since is None:
        firsts = [Review.objects.aggregate(m=Min("created_at"))["m"],
                  get_user_model().objects.aggregate(m=Min("date_joined"))["m"]]
        firsts = [f for f in firsts if f]
        since = site_day(min(firsts)) if firsts else site_day(now)
    today = site_day(now)
    windows = [(since + timedelta(days=i), DAY) for i in range((today - since).days)]
    windows += sorted(windows_between(day_bounds(today)[0], now, today))
    recompute_windows(windows, progress=progress)
    _store_marks(new_marks, now)
    return windows
