"""The dashboard's figures, read from the rollup tables only (plus the audit's labelled cells,
the fake-interaction hook, the KPI lines and, for operators, the live queue size): a fixed
number of queries whatever the data size. Definitions: docs/dashboard.md."""
import copy
import hashlib
import statistics
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community import hooks
from community.cocreation.models import Challenge
from dashboard.filters import clean_params
from dashboard.models import (
    DailyChallenge,
    DailyChallengeUser,
    DailyCount,
    DailyUser,
    FirstBadge,
    KpiLine,
    Watermark,
)
from dashboard.rollups import BUCKETS, DEEP, EPOCH, SHALLOW, SPECS, daynum, site_day
from moderation import audit
from moderation.models import Case

ACTIONS = {s.metric: s.action for s in SPECS if s.action}
PLATFORM_ONLY = {s.metric for s in SPECS if s.model.__name__ in {"Case", "Appeal", "PointsEntry", "Redemption", "User"}}
KIND_METRICS = {
    "review": {"star", "review_deep", "photo", "helpful_vote", "trial_report"},
    "entry": {"entry", "entry_vote", "poll_vote", "adopted", "challenge_join"},
    "comment": {"comment"},
}
KINDS = [("review", _("Reviews")), ("entry", _("Challenge entries")), ("comment", _("Comments"))]
UGC = ("star", "review_deep", "photo", "entry", "comment")
CHART_DAYS = 90
RETENTION_WEEKS = (1, 2, 4, 8)
BADGE_WEEKS = 4  # creation frequency before / after a first badge: this many weeks on each side
FUNNEL_STEPS = ("views", "entrants", "entries", "voters", "votes", "adopted")
COHORTS = 12

# Defaults of the admin-editable lines: the targets. Shares are fractions, times hours.
LINE_DEFAULTS = {
    "low_quality": {"target": 0.10, "yellow": 0.10, "red": 0.20, "higher_is_better": False},
    "fake_rate": {"target": 0.05, "yellow": 0.05, "red": 0.10, "higher_is_better": False},
    "deep_share": {"target": 0.30, "yellow": 0.30, "red": 0.15, "higher_is_better": True},
    "text_photo_share": {"target": 0.30, "yellow": 0.30, "red": 0.15, "higher_is_better": True},
    "creation_lift": {"target": 0.45, "yellow": 0.45, "red": 0.0, "higher_is_better": True},
    "violation_rate": {"target": 0.01, "yellow": 0.01, "red": 0.02, "higher_is_better": False},
    "decision_p95_hours": {"target": 24.0, "yellow": 24.0, "red": 48.0, "higher_is_better": False},
}
DEFINITIONS = {
    "low_quality": _("Audited prevalence of low-quality items among published reviews, entries and comments: "
                     "moderators label a daily stratified random sample; population-weighted share with its 95% "
                     "Wilson interval. Platform-wide."),
    "fake_rate": _("Share of counted interactions (votes, reports, check-ins, redemptions) that are fake: the "
                   "invalidated share plus the audited share of the rest (moderation's fake-interaction audit)."),
    "deep_share": _("Deep actions (a review with text or photos, a challenge entry, a comment, a trial report, an "
                    "adopted idea) divided by all actions (those plus star-only reviews and helpful, entry and poll "
                    "votes)."),
    "ugc_volume": _("Reviews, photos, challenge entries and comments submitted per day (average over the period); "
                    "the line below gives the share of reviews with text or photos."),
    "creation_frequency": _("Contributions (reviews, entries, comments, trial reports) per creator per week: "
                            "contributions in the period divided by the distinct users who contributed, per 7 days."),
    "creation_lift": _("Creation frequency before and after a first badge: for creators who earned their first "
                       "badge on a day of the period and contributed in the 4 weeks before it, their contributions "
                       "per creator per week in the 4 weeks after the badge day against the 4 weeks before (the "
                       "badge day itself in neither), as a relative change. Creators whose 4 weeks after have not "
                       "ended yet are left out and counted as pending."),
    "active_users": _("Distinct users with at least one action on the last day (DAU), the last 7 days (WAU) and "
                      "the last 30 days (MAU); stickiness is DAU / MAU. New users joined within the period."),
}
TITLES = {
    "low_quality": _("Low-quality share of published UGC"), "fake_rate": _("Fake-interaction rate"),
    "deep_share": _("Deep-interaction share"), "ugc_volume": _("UGC volume"),
    "creation_frequency": _("Creation frequency"), "active_users": _("Active users"),
    "creation_lift": _("Creation frequency after a first badge"),
}


def lines():
    rows = {line.kpi: line for line in KpiLine.objects.all()}
    out = {}
    for kpi, default in LINE_DEFAULTS.items():
        row = rows.get(kpi)
        out[kpi] = ({"target": row.target, "yellow": row.yellow, "red": row.red, "higher_is_better": row.higher_is_better}
                    if row else dict(default))
    return out


def colour(value, line):
    if value is None or line is None:
        return "none"
    if line["higher_is_better"]:
        return "red" if value <= line["red"] else "yellow" if value < line["yellow"] else "green"
    return "red" if value >= line["red"] else "yellow" if value > line["yellow"] else "green"


def share(part, whole):
    return part / whole if whole else None


def change(now, before):
    if now is None or before is None:
        return None
    return now - before


def _days(start, end):
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _brand_q(brand_ids, category, language):
    q = Q()
    if brand_ids is not None:
        q &= Q(brand_id__in=brand_ids)
    if category:
        q &= Q(category_id=category)
    if language:
        q &= Q(language=language)
    return q


def daily_counts(*, first, end, brand_ids=None, category=None, language=None, kind=None):
    """{day: {metric: value}} over [first, end]: one query."""
    q = Q(metric__in=PLATFORM_ONLY) | (~Q(metric__in=PLATFORM_ONLY) & _brand_q(brand_ids, category, language))
    rows = (DailyCount.objects.filter(q, day__gte=first, day__lte=end)
            .values("day", "metric").annotate(v=Sum("value")).order_by())
    allowed = KIND_METRICS.get(kind)
    out = {}
    for r in rows:
        if allowed is not None and r["metric"] not in PLATFORM_ONLY and r["metric"] not in allowed:
            continue
        out.setdefault(r["day"], {})[r["metric"]] = r["v"]
    return out


def _sum(by_day, days, *metrics):
    return sum(by_day.get(d, {}).get(m, 0) for d in days for m in metrics)


def _deep(by_day, days):
    deep = sum(v for d in days for m, v in by_day.get(d, {}).items() if ACTIONS.get(m) == DEEP)
    shallow = sum(v for d in days for m, v in by_day.get(d, {}).items() if ACTIONS.get(m) == SHALLOW)
    return deep, deep + shallow


def _fake_rate(start, end, brand_id):
    key = f"dashboard:fake:{start}:{end}:{brand_id}"
    hit = cache.get(key)
    if hit is None:
        hit = {"value": hooks.fake_interaction_rate(start=start, end=end, brand_id=brand_id)}
        cache.set(key, hit, settings.DASHBOARD_FAKE_RATE_CACHE_SECONDS)
    return hit["value"]


def _percentile(counts, q):
    """The q-quantile (hours) of the time-to-decision histogram, linear inside a bucket."""
    total = sum(counts)
    if not total:
        return None
    rank, seen = q * total, 0
    for i, n in enumerate(counts):
        if n and seen + n >= rank:
            lo, hi = BUCKETS[i], BUCKETS[i + 1]
            hi = min(hi, max(lo * 2, lo + 24)) if i == len(counts) - 1 else hi
            return lo + (hi - lo) * (rank - seen) / n
        seen += n
    return BUCKETS[-2]


def badge_lift_cells(users, *, first, end, today):
    """For creators whose first badge fell on a day in [first, end] and who contributed in the
    BADGE_WEEKS weeks before it: {badge day: [creators, contributions before, after]} of those
    whose weeks after have ended by yesterday, and {badge day: creators} still pending. The
    badge day is in neither window. One query on the rollups (DailyUser joined to FirstBadge)."""
    w = 7 * BADGE_WEEKS
    award = Subquery(FirstBadge.objects.filter(user_id=OuterRef("user_id")).values("daynum")[:1])
    rows = (users.filter(user_id__in=FirstBadge.objects.filter(day__gte=first, day__lte=end).values("user_id"),
                         contributions__gt=0, day__gte=first - timedelta(days=w), day__lte=end + timedelta(days=w))
            .annotate(a=award).filter(daynum__gte=F("a") - w, daynum__lte=F("a") + w)
            .values("user_id", "a").annotate(before=Sum("contributions", filter=Q(daynum__lt=F("a"))),
                                             after=Sum("contributions", filter=Q(daynum__gt=F("a"))))
            .order_by())
    cells, pending = {}, {}
    for r in rows:
        if not r["before"]:
            continue  # not an active creator before the badge
        day = EPOCH + timedelta(days=r["a"])
        if r["a"] + w >= daynum(today):
            pending[day] = pending.get(day, 0) + 1
            continue
        cell = cells.setdefault(day, [0, 0, 0])
        cell[0] += 1
        cell[1] += r["before"]
        cell[2] += r["after"] or 0
    return cells, pending


def badge_lift(cells, days):
    """The creators, their contributions per creator per week before and after, and the relative
    change (None without contributions before) over the badge days ``days``."""
    n = sum(cells[d][0] for d in days if d in cells)
    before = sum(cells[d][1] for d in days if d in cells)
    after = sum(cells[d][2] for d in days if d in cells)
    return {"creators": n, "before": share(before, n * BADGE_WEEKS), "after": share(after, n * BADGE_WEEKS),
            "lift": after / before - 1 if before else None}


def _challenge_title(cid, title_zh, title_en):
    """The title in the current language (the other as fallback), or "#id"."""
    return Challenge(title_zh=title_zh or "", title_en=title_en or "").title or f"#{cid}"


def challenge_funnel(*, start, end, brand_ids=None):
    """Per challenge over [start, end]: page views, entrants (distinct users who submitted an
    entry), entries, voters (distinct users who cast an entry or poll vote), votes and adopted
    ideas; most viewed first. Two queries on the rollups and one for the titles, whatever the
    number of challenges."""
    q = Q(day__gte=start, day__lte=end)
    if brand_ids is not None:
        q &= Q(brand_id__in=brand_ids)
    rows = {}
    for r in (DailyChallenge.objects.filter(q).values("challenge_id")
              .annotate(views=Sum("views"), adopted=Sum("adopted")).order_by()):
        rows[r["challenge_id"]] = r
    for r in (DailyChallengeUser.objects.filter(q).values("challenge_id")
              .annotate(entrants=Count("user_id", distinct=True, filter=Q(entries__gt=0)), entries=Sum("entries"),
                        voters=Count("user_id", distinct=True, filter=Q(votes__gt=0)), votes=Sum("votes"))
              .order_by()):
        rows.setdefault(r["challenge_id"], {}).update(r)
    # The titles after the sums, in a query of their own: as a subquery beside the sums they ran
    # once per rollup row (1.6M at the 10M seed: 7.5 s of the 20 s cache miss).
    titles = Challenge.objects.filter(pk__in=list(rows)).only("pk", "title_zh", "title_en").in_bulk()
    out = []
    for cid, r in rows.items():
        ch = titles.get(cid) or Challenge(title_zh="", title_en="")
        out.append({"challenge_id": cid, "title": _challenge_title(cid, ch.title_zh, ch.title_en),
                    "title_zh": ch.title_zh, "title_en": ch.title_en,
                    **{step: r.get(step) or 0 for step in FUNNEL_STEPS}})
    out.sort(key=lambda r: (-r["views"], -r["entrants"], -r["voters"], r["challenge_id"]))
    return out


def dashboard_data(*, start, end, brand_ids=None, category=None, language=None, kind=None, operator=True,
                   today=None):
    """Everything the page and the API show for [start, end] (site days, inclusive). ``today``
    (default: the site day now) decides which creators' weeks after a first badge have ended."""
    today = today or site_day(timezone.now())
    length = (end - start).days + 1
    prev_end = start - timedelta(days=1)
    prev_start = prev_end - timedelta(days=length - 1)
    first = min(prev_start, end - timedelta(days=CHART_DAYS - 1))
    period, previous, chart_days = _days(start, end), _days(prev_start, prev_end), _days(end - timedelta(
        days=CHART_DAYS - 1), end)
    by_day = daily_counts(first=first, end=end, brand_ids=brand_ids, category=category, language=language, kind=kind)
    kpi_lines = lines()
    single_brand = brand_ids[0] if brand_ids and len(brand_ids) == 1 else None
    out = {"from": start, "to": end, "days": length, "previous_from": prev_start, "previous_to": prev_end, "kpis": []}

    def add(key, value, previous_value, series, unit="share", extra=None):
        line = kpi_lines.get(key)
        out["kpis"].append({
            "key": key, "title": str(TITLES[key]), "definition": str(DEFINITIONS[key]), "unit": unit,
            "value": value, "previous": previous_value, "change": change(value, previous_value),
            "target": line["target"] if line else None, "yellow": line["yellow"] if line else None,
            "red": line["red"] if line else None, "status": colour(value, line),
            "series": [[d.isoformat(), v] for d, v in series], **(extra or {}),
        })

    # 1. low-quality share: the audited prevalence (platform-wide), Wilson interval.
    cells = audit._cells(prev_start, end + timedelta(days=1))
    now_est = audit.estimate_from_cells([c for c in cells if c["date"] >= start])
    prev_est = audit.estimate_from_cells([c for c in cells if c["date"] < start])
    by_cell_day = {}
    for c in cells:
        by_cell_day.setdefault(c["date"], []).append(c)
    add("low_quality", now_est.estimate, prev_est.estimate,
        [(d, audit.estimate_from_cells(by_cell_day[d]).estimate) for d in period if d in by_cell_day],
        extra={"ci_low": now_est.lo, "ci_high": now_est.hi, "sample_size": now_est.n, "platform_only": True})

    # 2. fake-interaction rate: the hook; None is "not measured yet".
    fake_now = _fake_rate(start, end + timedelta(days=1), single_brand)
    fake_prev = _fake_rate(prev_start, prev_end + timedelta(days=1), single_brand)
    value = fake_now["combined"] if fake_now else None
    add("fake_rate", value, fake_prev["combined"] if fake_prev else None,
        [(prev_end, fake_prev["combined"] if fake_prev else None), (end, value)],
        extra={"measured": value is not None,
               "ci_low": fake_now["combined_low"] if fake_now else None,
               "ci_high": fake_now["combined_high"] if fake_now else None,
               "invalidated_share": fake_now["invalidated_share"] if fake_now else None})

    # 3. deep-interaction share.
    deep, total = _deep(by_day, period)
    pdeep, ptotal = _deep(by_day, previous)
    add("deep_share", share(deep, total), share(pdeep, ptotal),
        [(d, share(*_deep(by_day, [d]))) for d in chart_days], extra={"deep": deep, "actions": total})

    # 4. UGC volume (per day) and the text-or-photo share of reviews.
    ugc = _sum(by_day, period, *UGC)
    reviews, deep_reviews = _sum(by_day, period, "star", "review_deep"), _sum(by_day, period, "review_deep")
    add("ugc_volume", ugc / length, _sum(by_day, previous, *UGC) / length,
        [(d, _sum(by_day, [d], *UGC)) for d in chart_days], unit="per_day",
        extra={"reviews": reviews, "photos": _sum(by_day, period, "photo"), "entries": _sum(by_day, period, "entry"),
               "comments": _sum(by_day, period, "comment"), "text_photo_share": share(deep_reviews, reviews),
               "text_photo_status": colour(share(deep_reviews, reviews), kpi_lines["text_photo_share"])})

    # 5. and 6. creation frequency and active users: exact distinct users from the per-day sets.
    users = DailyUser.objects.filter(brand_id__in=brand_ids) if brand_ids is not None else DailyUser.objects.filter(
        brand_id=0)
    in_period, in_prev = Q(day__gte=start, day__lte=end), Q(day__gte=prev_start, day__lte=prev_end)
    contrib = Q(contributions__gt=0)
    agg = users.filter(day__gte=min(prev_start, end - timedelta(days=29)), day__lte=end).aggregate(
        dau=Count("user_id", distinct=True, filter=Q(day=end)),
        wau=Count("user_id", distinct=True, filter=Q(day__gt=end - timedelta(days=7))),
        mau=Count("user_id", distinct=True, filter=Q(day__gt=end - timedelta(days=30))),
        active=Count("user_id", distinct=True, filter=in_period),
        active_prev=Count("user_id", distinct=True, filter=in_prev),
        new=Count("user_id", distinct=True, filter=in_period & Q(joined__gte=daynum(start))),
        creators=Count("user_id", distinct=True, filter=in_period & contrib),
        creators_prev=Count("user_id", distinct=True, filter=in_prev & contrib),
        contributed=Sum("contributions", filter=in_period),
        contributed_prev=Sum("contributions", filter=in_prev),
    )
    weeks = length / 7
    freq = share(agg["contributed"] or 0, agg["creators"])
    freq_prev = share(agg["contributed_prev"] or 0, agg["creators_prev"])
    dau_rows = {r["day"]: r for r in users.filter(day__gte=chart_days[0], day__lte=end).values("day").annotate(
        n=Count("user_id", distinct=True), c=Sum("contributions"),
        k=Count("user_id", distinct=True, filter=contrib)).order_by()}
    freq_series = [(d, share((dau_rows[d]["c"] or 0) * 7, dau_rows[d]["k"]) if d in dau_rows else None)
                   for d in chart_days]
    add("creation_frequency", freq / weeks if freq is not None else None,
        freq_prev / weeks if freq_prev is not None else None, freq_series, unit="per_week",
        extra={"creators": agg["creators"], "contributions": agg["contributed"] or 0})
    # 5b. creation frequency before / after a first badge (the issue's +45% target).
    cells, pending = badge_lift_cells(users, first=min(prev_start, chart_days[0]), end=end, today=today)
    lift_now, lift_prev = badge_lift(cells, period), badge_lift(cells, previous)
    add("creation_lift", lift_now["lift"], lift_prev["lift"],
        [(d, badge_lift(cells, [d])["lift"]) for d in chart_days], unit="lift",
        extra={"weeks": BADGE_WEEKS, "creators": lift_now["creators"], "before": lift_now["before"],
               "after": lift_now["after"], "pending": sum(pending.get(d, 0) for d in period)})
    add("active_users", agg["dau"], None, [(d, dau_rows[d]["n"] if d in dau_rows else 0) for d in chart_days],
        unit="users", extra={"wau": agg["wau"], "mau": agg["mau"], "stickiness": share(agg["dau"], agg["mau"]),
                             "active": agg["active"], "active_previous": agg["active_prev"], "new": agg["new"],
                             "returning": agg["active"] - agg["new"]})
    out["kpis"][-1]["previous"] = agg["active_prev"]
    out["kpis"][-1]["change"] = None

    # The rest: simpler tables, from the same daily figures.
    def total_of(*metrics):
        return _sum(by_day, period, *metrics)

    out["challenge_funnel"] = challenge_funnel(start=start, end=end, brand_ids=brand_ids)
    out["funnel"] = {
        "challenges": [(step, sum(r[step] for r in out["challenge_funnel"])) for step in FUNNEL_STEPS],
        "trials": [("trial_apply", total_of("trial_apply")), ("trial_selected", total_of("trial_selected")),
                   ("trial_shipped", total_of("trial_shipped")), ("trial_report", total_of("trial_report")),
                   ("trial_on_time", total_of("trial_on_time"))],
    }
    if operator:
        hist = [total_of(f"mod_t{i:02d}") for i in range(len(BUCKETS) - 1)]
        decided = total_of("mod_decided")
        p95 = _percentile(hist, 0.95)
        out["moderation"] = {
            "queue": Case.objects.filter(state=Case.State.QUEUED).count(),
            "decided": decided, "median_hours": _percentile(hist, 0.5), "p95_hours": p95,
            "p95_status": colour(p95, kpi_lines["decision_p95_hours"]),
            "over_sla": sum(hist[BUCKETS.index(24):]),
            "ai_alone_share": share(total_of("mod_ai_alone"), decided),
            "agreement": share(total_of("mod_ai_agreed"), total_of("mod_ai_opined")),
            "appeals": total_of("appeal"), "appeals_decided": total_of("appeal_decided"),
            "overturn_rate": share(total_of("appeal_overturned"), total_of("appeal_decided")),
            "violation_rate": share(total_of("mod_rejected"), decided),
            "violation_status": colour(share(total_of("mod_rejected"), decided), kpi_lines["violation_rate"]),
        }
        issued, spent, reversed_ = total_of("points_issued"), -total_of("points_spent"), -total_of("points_reversed")
        out["points"] = {
            "issued": issued, "spent": spent, "reversed": reversed_, "coupons": total_of("coupons"),
            "reversed_share": share(reversed_, issued),
            "series": [[d.isoformat(), _sum(by_day, [d], "points_issued"), -_sum(by_day, [d], "points_spent")]
                       for d in chart_days],
        }
        out["retention"] = retention(end)
    return out


def last_run():
    """When the rollups last ran (one query): every cached figure and page is keyed by it."""
    return Watermark.objects.aggregate(m=Max("ran_at"))["m"]


def _cache_keys(*, start, end, brand_ids, category, language, kind, operator, benchmarks, ran=None):
    """(key of this rollup run's figures, key of the latest figures computed for these filters)."""
    filters = repr((start, end, sorted(brand_ids) if brand_ids is not None else None, category, language, kind,
                    operator, benchmarks))
    ran = ran or last_run()
    return ("dashboard:data:" + hashlib.sha256(f"{filters}|{ran}".encode()).hexdigest(),
            "dashboard:latest:" + hashlib.sha256(filters.encode()).hexdigest())


def cached_dashboard(*, start, end, brand_ids=None, category=None, language=None, kind=None, operator=True,
                     benchmarks=False, ran=None):
    """``dashboard_data`` (plus the brand benchmarks) through the cache, keyed by the filters, the
    scope and the last rollup run: a figure changes only when the rollups run, so a cached page is
    never older than the tables it reads. Ten staff on the page cost one computation per run.

    Single flight: while one request (or the beat's warm-up, ``warm_default_views``) computes a
    run's figures, the others are given the figures of the run before for the same filters, if
    any, rather than all computing them at once (at 1M users a computation takes seconds)."""
    args = dict(start=start, end=end, brand_ids=brand_ids, category=category, language=language, kind=kind,
                operator=operator, benchmarks=benchmarks)
    key, latest_key = _cache_keys(**args, ran=ran)
    data = cache.get(key)
    if data is None:
        lock = key + ":computing"
        holder = cache.add(lock, 1, settings.DASHBOARD_COMPUTE_LOCK_SECONDS)
        if not holder:
            data = cache.get(latest_key)
        if data is None:
            try:
                data = _compute(**args)
                cache.set(key, data, settings.DASHBOARD_CACHE_SECONDS)
                cache.set(latest_key, data, settings.DASHBOARD_CACHE_SECONDS * 3)
            finally:
                if holder:  # another request's lock is theirs to release
                    cache.delete(lock)
    return _localize(copy.deepcopy(data))


def _localize(data):
    """The cached figures are the same in every language: their words are put in here, for the
    request's language (the KPI titles and definitions, the challenges' titles)."""
    for k in data["kpis"]:
        k["title"], k["definition"] = str(TITLES[k["key"]]), str(DEFINITIONS[k["key"]])
    for row in data["challenge_funnel"]:
        row["title"] = _challenge_title(row["challenge_id"], row["title_zh"], row["title_en"])
    return data


def _compute(*, benchmarks, **filters):
    data = dashboard_data(**filters)
    if benchmarks:
        data["benchmarks"] = brand_benchmarks(start=filters["start"], end=filters["end"])
    return data


def default_period():
    """(from, to) of a view asked for without filters: the last 30 days."""
    filters, _errors = clean_params(QueryDict(""))
    return filters["from"], filters["to"]


def warm_default_views():
    """Compute the operators' default view (the last 30 days, every brand) for the run just
    written, so the first staff member after a run does not pay for it (one computation serves
    every language: ``_localize``). Called by the beat task after each run."""
    start, end = default_period()
    cached_dashboard(start=start, end=end, operator=True)


def retention(end):
    """Weekly cohorts of new users (by sign-up week, Monday first): the share who contributed in
    weeks 1, 2, 4 and 8 after. Two queries over the rollups."""
    last_week = (daynum(end) + 3) // 7
    first_week = last_week - COHORTS + 1
    first_day = first_week * 7 - 3
    rows = (DailyUser.objects.filter(brand_id=0, contributions__gt=0, joined__gte=first_day)
            .annotate(cw=(F("joined") + 3) / 7, w=(F("daynum") + 3) / 7)
            .values("cw", "w").annotate(n=Count("user_id", distinct=True)).order_by())
    cells = {(r["cw"], r["w"] - r["cw"]): r["n"] for r in rows}
    sizes = {}
    for r in (DailyCount.objects.filter(metric="signup", day__gte=EPOCH + timedelta(days=first_day), day__lte=end)
              .values("day").annotate(v=Sum("value")).order_by()):
        week = (daynum(r["day"]) + 3) // 7
        sizes[week] = sizes.get(week, 0) + r["v"]
    cohorts = []
    for week in range(first_week, last_week + 1):
        size = sizes.get(week, 0)
        start_day = EPOCH + timedelta(days=week * 7 - 3)
        cohorts.append({
            "week": start_day.isoformat(), "size": size,
            "shares": [share(cells.get((week, k), 0), size) if week + k <= last_week else None
                       for k in RETENTION_WEEKS],
        })
    return {"weeks": list(RETENTION_WEEKS), "cohorts": cohorts}


def brand_benchmarks(*, start, end):
    """Platform medians across brands (anonymous): deep-interaction share and UGC per day. One query."""
    rows = (DailyCount.objects.filter(day__gte=start, day__lte=end, brand_id__gt=0,
                                      metric__in=[*ACTIONS, *UGC]).values("brand_id", "metric")
            .annotate(v=Sum("value")).order_by())
    per = {}
    for r in rows:
        per.setdefault(r["brand_id"], {})[r["metric"]] = r["v"]
    length = (end - start).days + 1
    deep = [share(sum(v for m, v in p.items() if ACTIONS.get(m) == DEEP),
                  sum(v for m, v in p.items() if m in ACTIONS)) for p in per.values()]
    deep = [d for d in deep if d is not None]
    ugc = [sum(p.get(m, 0) for m in UGC) / length for p in per.values()]
    return {"deep_share": statistics.median(deep) if deep else None,
            "ugc_volume": statistics.median(ugc) if ugc else None, "brands": len(per)}
