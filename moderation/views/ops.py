"""The operator page: calibration, AI agreement, thresholds, fairness alerts and SLA.

Reads come from ``moderation.calibration`` in a fixed number of queries; the one
write (marking a known answer) goes through ``calibration.case_set_known_answer``."""
from datetime import timedelta
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from moderation import (
    calibration,
    fakerate,
    integrity_precision,
    ring_review,
    selectors,
)
from moderation.presentation import pct

WINDOWS = (7, 30, 90, 365)


def ops_access_required(view):
    """Staff and moderators."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_staff or selectors.is_moderator(request.user)):
            return render(request, "moderation/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


class KnownAnswerForm(forms.Form):
    case_id = forms.IntegerField(min_value=1, label=gettext_lazy("Case"))
    answer = forms.ChoiceField(
        choices=[("reject", gettext_lazy("Reject")), ("approve", gettext_lazy("Approve")),
                 ("", gettext_lazy("Clear"))],
        required=False, initial="reject", label=gettext_lazy("Known answer"),
    )


def _window_days(value):
    try:
        days = int(value)
    except (TypeError, ValueError):
        return 90
    return min(max(days, 1), 365)


@ops_access_required
def ops(request):
    days = _window_days(request.GET.get("days"))
    overview = calibration.ops_overview(since=timezone.now() - timedelta(days=days))
    return render(request, "moderation/ops.html", {
        **overview,
        "days": days,
        "windows": WINDOWS,
        "sla_hours": 24,
        "ai_high_risk": calibration.AI_HIGH_RISK,
        "gap_points": round(calibration.SUPPRESSION_GAP * 100),
        "red_min": calibration.RED_MIN_REJECTED,
        "yellow_min": calibration.YELLOW_MIN_REJECTED,
        "is_operator": calibration.is_operator(request.user),
        "known_answer_form": KnownAnswerForm(),
        "fake": _fake_rate(days),
        "integrity_lines": _integrity_lines(days),
        "rings_open": ring_review.open_case_count(),
    })


def _fake_rate(days):
    """The fake-interaction rate section: the rate over the window and the daily table."""
    overview = fakerate.overview(days=days)
    rate = overview["rate"]
    target, red = round(rate["target"] * 100, 1), round(rate["red_line"] * 100, 1)
    status_labels = {
        "green": _("Under %(t)s%% with 95%% confidence") % {"t": f"{target:g}"},
        "yellow": _("Possibly over %(t)s%%: the interval crosses the line") % {"t": f"{target:g}"},
        "red": _("At or over %(r)s%%") % {"r": f"{red:g}"},
        "not_measured": _("Not measured: no labelled sample in this window"),
    }
    kinds = [{"key": k, "label": fakerate.KIND_LABELS[k], **row, "pct": pct(row["share"])}
             for k, row in rate["invalidated_by_kind"].items()]
    daily = [{**day, "pct": pct(day["share"]),
              "kinds": [{"key": k, "pct": pct(r["share"]), **r} for k, r in day["by_kind"].items()]}
             for day in overview["daily"]]
    return {
        **overview, "rate": rate, "status_label": status_labels[rate["status"]], "kinds": kinds, "daily": daily,
        "combined_pct": pct(rate["combined"]), "combined_low_pct": pct(rate["combined_low"]),
        "combined_high_pct": pct(rate["combined_high"]), "invalidated_pct": pct(rate["invalidated_share"]),
        "audited_pct": pct(rate["audited_prevalence"]), "ci_low_pct": pct(rate["ci_low"]),
        "ci_high_pct": pct(rate["ci_high"]), "target_pct": f"{target:g}", "red_pct": f"{red:g}",
    }


INTEGRITY_LINE_LABELS = {
    "invalidate": gettext_lazy("Invalidate automatically"),
    "ring_case": gettext_lazy("Ring case for a moderator"),
    "review_hold": gettext_lazy("Hold a review as fake"),
}
INTEGRITY_SETTINGS = {
    "invalidate": "INTEGRITY_INVALIDATE_AT", "ring_case": "INTEGRITY_REVIEW_AT", "review_hold": "INTEGRITY_REVIEW_HOLD_AT",
}


def _integrity_lines(days):
    """The integrity scan's suspicion lines and how each did on later human decisions."""
    rows = integrity_precision.threshold_precision(since=timezone.now() - timedelta(days=days))
    return [{**row, "label": INTEGRITY_LINE_LABELS[row["key"]], "setting": INTEGRITY_SETTINGS[row["key"]],
             "pct": pct(row["precision"])} for row in rows]


@require_POST
@ops_access_required
def known_answer(request):
    form = KnownAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a case number and an answer."))
        return redirect("moderation:ops")
    try:
        case = calibration.case_set_known_answer(
            case_id=form.cleaned_data["case_id"], answer=form.cleaned_data["answer"], operator=request.user,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Case %(id)s: known answer is now “%(answer)s”.")
                         % {"id": case.pk, "answer": case.known_answer or _("none")})
    return redirect("moderation:ops")
