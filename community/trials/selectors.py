"""Reads for trial programs. List reads join what their pages show, so they cost a fixed
number of queries whatever the number of programs."""
from datetime import timedelta

from django.db.models import Avg, Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community import hooks
from community.models import Review
from community.trials.models import TrialApplication, TrialProgram

App = TrialApplication.Status
State = TrialProgram.State

RECENT_TRIAL_DAYS = 90
# Suggestion score weights: level counts most, then writing quality; a trial in the last
# 90 days or a past overdue report pushes an applicant down (not out: staff may still pick).
LEVEL_WEIGHT = 10
QUALITY_WEIGHT = 0.5  # quality 0..100 -> 0..50
RECENT_PENALTY = 100
OVERDUE_PENALTY = 40
UNSCORED_QUALITY = 40  # like community.services: no scored reviews counts as middling


def _public():
    return TrialProgram.objects.exclude(state=State.DRAFT).select_related("product", "brand")


def trial_list(*, state=None, brand=None):
    """Programs shoppers can see (not drafts), open ones first."""
    qs = _public()
    if state:
        qs = qs.filter(state=state)
    if brand:
        qs = qs.filter(brand__slug=brand)
    open_first = Case(When(state=State.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.order_by(open_first, "-applications_open_at", "-id")


def trial_list_open(*, limit=4, now=None):
    """Programs taking applications right now (the home page feature)."""
    now = now or timezone.now()
    return _public().filter(
        state=State.OPEN, applications_open_at__lte=now, applications_close_at__gt=now
    ).order_by("applications_close_at", "-id")[:limit]


def trial_get(*, program_id):
    """A program shoppers may see (404 for drafts), or None."""
    return _public().filter(pk=program_id).first()


def trial_get_for_staff(*, user, program_id):
    """A program the staff user may manage: their brand's (any for superusers), or None."""
    qs = TrialProgram.objects.select_related("product", "brand").filter(pk=program_id)
    if not user.is_superuser:
        qs = qs.filter(brand__memberships__user=user)
    return qs.first()


def trial_application_get(*, user, program):
    if not user.is_authenticated:
        return None
    return TrialApplication.objects.filter(program=program, user=user).select_related("review").first()


def trial_applications_for_user(*, user):
    """The user's applications with their programs ("my trials")."""
    return (
        TrialApplication.objects.filter(user=user)
        .select_related("program__product", "program__brand", "review", "shipping")
        .order_by("-created_at", "-id")
    )


def trial_list_with_funnel(qs):
    """Annotate programs with their funnel (the admin list), in the same query."""
    on_time = Q(applications__reported_at__isnull=False, applications__reported_at__lte=F("report_deadline"))
    return qs.annotate(
        funnel_applied=Count("applications", distinct=True),
        funnel_selected=Count("applications", filter=Q(applications__selected_at__isnull=False), distinct=True),
        funnel_shipped=Count("applications", filter=Q(applications__shipped_at__isnull=False), distinct=True),
        funnel_on_time=Count("applications", filter=on_time, distinct=True),
        funnel_quality=Avg("applications__review__quality_score", filter=Q(applications__status=App.REPORTED)),
    )


def trial_suggest_testers(*, program, now=None) -> list[dict]:
    """Applicants still waiting, ranked for selection: level, past review quality, no trial in the
    last 90 days, and a penalty for each past overdue report. Four queries whatever the number
    of applicants: the applications, their levels, their review quality, their trial history.

    Each row: {"application", "user", "level", "quality", "recent_trial", "overdue", "score"}.
    """

    now = now or timezone.now()
    apps = list(
        TrialApplication.objects.filter(program=program, status=App.APPLIED).select_related("user").order_by("id")
    )
    if not apps:
        return []
    user_ids = [a.user_id for a in apps]
    levels = hooks.user_levels(user_ids)
    quality = dict(
        Review.objects.filter(author_id__in=user_ids, status=Review.Status.PUBLISHED, quality_score__isnull=False)
        .values("author_id")
        .annotate(q=Avg("quality_score"))
        .values_list("author_id", "q")
    )
    since = now - timedelta(days=RECENT_TRIAL_DAYS)
    history = {
        row["user_id"]: row
        for row in TrialApplication.objects.filter(user_id__in=user_ids)
        .exclude(program=program)
        .values("user_id")
        .annotate(
            recent=Count("id", filter=Q(selected_at__gte=since)),
            overdue=Count("id", filter=Q(overdue_at__isnull=False)),
        )
    }
    rows = []
    for app in apps:
        level = levels[app.user_id]["number"]
        q = quality.get(app.user_id)
        past = history.get(app.user_id, {})
        recent, overdue = bool(past.get("recent")), past.get("overdue", 0)
        score = (
            LEVEL_WEIGHT * level
            + QUALITY_WEIGHT * (UNSCORED_QUALITY if q is None else float(q))
            - (RECENT_PENALTY if recent else 0)
            - OVERDUE_PENALTY * overdue
        )
        rows.append(
            {
                "application": app,
                "user": app.user,
                "level": level,
                "quality": None if q is None else round(float(q), 1),
                "recent_trial": recent,
                "overdue": overdue,
                "score": round(score, 1),
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["application"].created_at, r["application"].pk))
    return rows



# --- the brand admin's funnel page ----------------------------------------------------------

# (key, label) of the funnel's steps, in order; each step's conversion is from the one before.
FUNNEL_STEPS = (
    ("applied", _("Applications")),
    ("selected", _("Selected")),
    ("shipped", _("Samples shipped")),
    ("reported", _("Reports submitted")),
)
FUNNEL_COUNTS = ("applied", "selected", "shipped", "reported", "on_time", "late", "overdue", "due")


def trial_funnel_programs(programs, *, now=None):
    """``programs`` (a queryset the caller has scoped) with their funnel counts, one query:
    applications, selected, shipped, reports submitted (on time / late), testers whose report
    is overdue (selected, no report, deadline passed) and testers whose report is still due."""
    now = now or timezone.now()
    reported = Q(applications__reported_at__isnull=False)
    owes = Q(applications__selected_at__isnull=False, applications__reported_at__isnull=True)
    return programs.select_related("brand", "product").annotate(
        applied=Count("applications"),
        selected=Count("applications", filter=Q(applications__selected_at__isnull=False)),
        shipped=Count("applications", filter=Q(applications__shipped_at__isnull=False)),
        reported=Count("applications", filter=reported),
        on_time=Count("applications", filter=reported & Q(applications__reported_at__lte=F("report_deadline"))),
        late=Count("applications", filter=reported & Q(applications__reported_at__gt=F("report_deadline"))),
        overdue=Count("applications", filter=owes & Q(report_deadline__lte=now)),
        due=Count("applications", filter=owes & Q(report_deadline__gt=now)),
        report_quality=Avg("applications__review__quality_score", filter=reported),
    ).order_by("-applications_open_at", "-id")


def _rate(part, whole):
    return None if not whole else round(100 * part / whole)


def trial_funnel_summary(rows) -> dict:
    """The funnel of ``rows`` (from ``trial_funnel_programs``) added up, with each step's
    conversion from the step before (None when the step before is empty). No query."""
    totals = {key: sum(getattr(row, key) for row in rows) for key in FUNNEL_COUNTS}
    steps, before = [], None
    for key, label in FUNNEL_STEPS:
        steps.append({"key": key, "label": label, "count": totals[key],
                      "rate": None if before is None else _rate(totals[key], totals[before])})
        before = key
    scored = [(row.report_quality, row.reported) for row in rows if row.report_quality is not None]
    weight = sum(n for _q, n in scored)
    quality = round(sum(q * n for q, n in scored) / weight) if weight else None
    return {**totals, "steps": steps, "report_quality": quality}


def trial_overdue_testers(programs, *, now=None, limit=200):
    """Testers of ``programs`` whose report is overdue (selected, no report, deadline passed),
    longest overdue first, with their program; one query. Callers show display names only."""
    now = now or timezone.now()
    return (
        TrialApplication.objects.filter(
            program__in=programs, selected_at__isnull=False, reported_at__isnull=True,
            program__report_deadline__lte=now,
        )
        .select_related("user", "program")
        .order_by("program__report_deadline", "program_id", "id")[:limit]
    )
