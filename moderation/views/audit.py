"""The quality audit pages: the labelling queue (one item at a time, keys G / A / L / S)
and the prevalence page (7- and 30-day estimates, calibration check, weekly chart).

Interfaces only: reads come from ``moderation.audit`` in a fixed number of queries; the
one write is ``audit.audit_label``. The chart is drawn here as inline SVG geometry, so
the page needs no JavaScript library and works offline.
"""
from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from moderation import audit
from moderation.models import AuditLabel
from moderation.presentation import kind_label, pct
from moderation.views.ops import ops_access_required
from moderation.views.queue import moderator_required

# Keyboard shortcut per label: G good, A acceptable, L low.
LABEL_KEYS = (("good", "G"), ("acceptable", "A"), ("low", "L"))


def _parse_after(value):
    """``"2024-05-01.123"`` (the skipped item's day and id) or None."""
    try:
        day, pk = (value or "").split(".", 1)
        return date.fromisoformat(day), int(pk)
    except ValueError:
        return None


@moderator_required
def audit_queue(request):
    after = _parse_after(request.GET.get("after"))
    sample = audit.audit_next(after=after)
    preview = safe_text = None
    if sample is not None:
        preview, safe_text = audit.sample_preview(sample)
        day = sample.date
    else:
        day = audit.latest_sample_day()
    progress = audit.audit_progress(day=day) if day else {"day": None, "total": 0, "labelled": 0, "backlog": 0}
    labels = dict(AuditLabel.Label.choices)
    return render(request, "moderation/audit.html", {
        "sample": sample,
        "preview": preview,
        "safe_text": safe_text,
        "kind_label": kind_label(sample.content_type) if sample else "",
        "progress": progress,
        "choices": [{"value": v, "label": labels[v], "key": k} for v, k in LABEL_KEYS],
        "skip_after": f"{sample.date.isoformat()}.{sample.pk}" if sample else "",
    })


@require_POST
@moderator_required
def audit_label(request, sample_id):
    try:
        audit.audit_label(sample_id=sample_id, moderator=request.user, label=request.POST.get("label", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("moderation:audit")
    return redirect(reverse("moderation:audit"))


# --- the prevalence page ------------------------------------------------------------------

W, H = 640, 280
PAD_L, PAD_R, PAD_T, PAD_B = 48, 16, 16, 44


def _y_max(series, target):
    top = max([target * 2] + [w["hi"] for w in series if w["hi"] is not None])
    step = 0.05 if top <= 0.3 else 0.1
    return min(1.0, step * -(-top // step)), step


def chart(series, target=audit.TARGET):
    """Geometry for the weekly SVG chart: point per week with labels, the confidence band as
    one polygon per run of consecutive weeks with data, the estimate line, y ticks and the
    target line. All coordinates in a fixed viewBox; CSS scales it to the screen."""
    ymax, step = _y_max(series, target)
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    count = max(len(series), 1)

    def x(i):
        return round(PAD_L + plot_w * (i + 0.5) / count, 1)

    def y(v):
        return round(PAD_T + plot_h * (1 - min(v, ymax) / ymax), 1)

    points, runs, run = [], [], []
    for i, week in enumerate(series):
        if week["estimate"] is None:
            if run:
                runs.append(run)
            run = []
            continue
        pt = {"x": x(i), "y": y(week["estimate"]), "ylo": y(week["lo"]), "yhi": y(week["hi"]), **week}
        points.append(pt)
        run.append(pt)
    if run:
        runs.append(run)
    bands = [" ".join([f"{p['x']},{p['yhi']}" for p in r] + [f"{p['x']},{p['ylo']}" for p in reversed(r)])
             for r in runs if len(r) > 1]
    lines = [" ".join(f"{p['x']},{p['y']}" for p in r) for r in runs if len(r) > 1]
    ticks = []
    k = 0
    while k * step <= ymax + 1e-9:
        v = round(k * step, 4)
        ticks.append({"y": y(v), "label": f"{round(v * 100)}%"})
        k += 1
    xlabels = [{"x": x(i), "label": f"{w['start']:%m/%d}", "title": w["week"]} for i, w in enumerate(series)]
    return {
        "width": W, "height": H, "left": PAD_L, "right": W - PAD_R, "top": PAD_T, "bottom": H - PAD_B,
        "target_y": y(target), "target_pct": round(target * 100), "points": points, "bands": bands,
        "lines": lines, "ticks": ticks, "xlabels": xlabels, "label_y": H - PAD_B + 18,
    }


def _gauge(est):
    """Positions (in % of a 0..max bar) for the interval, the estimate and the 10% line."""
    scale = max(0.2, (est.hi or 0) * 1.1)

    def pct(v):
        return round(100 * min(v, scale) / scale, 2)

    if est.estimate is None:
        return {"target": pct(est.target)}
    return {"lo": pct(est.lo), "width": round(pct(est.hi) - pct(est.lo), 2), "point": pct(est.estimate),
            "target": pct(est.target)}


def _card(days, est, status_labels):
    return {
        "days": days, "est": est, "gauge": _gauge(est), "pct": pct(est.estimate), "lo": pct(est.lo),
        "hi": pct(est.hi), "status_label": status_labels[est.status], "n_effective": round(est.n_effective),
        "weighted": est.n and abs(est.n_effective - est.n) >= 0.5,
    }


@ops_access_required
def prevalence(request):
    overview = audit.prevalence_overview()
    windows = overview["windows"]
    cal = audit.calibration(days=30, audited=windows[30])
    target = round(audit.TARGET * 100)
    status_labels = {
        "green": _("Under %(t)d%% with 95%% confidence") % {"t": target},
        "yellow": _("Possibly over %(t)d%%: the interval crosses the line") % {"t": target},
        "red": _("At or over %(t)d%%") % {"t": target},
        "none": _("No labels yet"),
    }
    weekly = overview["weekly"]
    for week in weekly:
        week.update(pct=pct(week["estimate"]), lo_pct=pct(week["lo"]), hi_pct=pct(week["hi"]),
                    status_label=status_labels[week["status"]])
    return render(request, "moderation/audit_prevalence.html", {
        "cards": [_card(days, est, status_labels) for days, est in sorted(windows.items())],
        "calibration": {**cal, "scorer_pct": pct(cal["scorer_share"]), "audited_pct": pct(cal["audited"].estimate),
                        "gap_pct": None if cal["gap"] is None else f"{cal['gap'] * 100:+.1f}"},
        "weekly": weekly,
        "chart": chart(weekly),
        "target_pct": target,
    })
