"""/dashboard/ (operators) and /dashboard/brand/ (brand staff, their brands only), their CSV
exports. Interfaces only: filters and scope from dashboard.filters, figures from dashboard.kpis."""
import csv
import hashlib

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from community.models import Brand, Category
from dashboard import kpis
from dashboard.filters import KIND_CHOICES, LANGUAGES, clean_params, scope_for

TABLES = ("kpis", "series", "funnel", "challenges", "moderation", "points", "retention")
CHALLENGES_SHOWN = 20  # the page's per-challenge table; the CSV has every challenge


def _compute(filters, scope, *, brand_view, ran=None):
    return kpis.cached_dashboard(start=filters["from"], end=filters["to"], brand_ids=scope.brand_ids,
                                 category=filters.get("category"), language=filters.get("language"),
                                 kind=filters.get("kind"), operator=scope.operator, benchmarks=brand_view, ran=ran)


def _filters_and_scope(request, *, brand_view):
    """(filters, scope, errors) of a request; PermissionDenied when the scope is not theirs."""
    filters, errors = clean_params(request.GET)
    scope = scope_for(request.user, filters or {}, brand_view=brand_view)
    if scope is None:
        raise PermissionDenied
    return filters, scope, errors


def _data(request, *, brand_view):
    filters, scope, errors = _filters_and_scope(request, brand_view=brand_view)
    return (None if errors else _compute(filters, scope, brand_view=brand_view)), scope, errors


def fmt(value, unit):
    """A figure for the page: shares as percentages, counts as numbers, "-" for none."""
    if value is None:
        return "–"
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "lift":
        return f"{value * 100:+.1f}%"
    if unit == "hours":
        return _("%(h).1f h") % {"h": value}
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _decorate(data):
    for k in data["kpis"]:
        unit = k["unit"]
        k["value_display"] = fmt(k["value"], unit)
        k["previous_display"] = fmt(k["previous"], unit)
        k["target_display"] = fmt(k["target"], unit) if k["target"] is not None else ""
        k["yellow_display"] = fmt(k["yellow"], unit) if k["yellow"] is not None else ""
        k["red_display"] = fmt(k["red"], unit) if k["red"] is not None else ""
        c = k["change"]
        k["change_display"] = "" if c is None else (f"{c * 100:+.1f} pp" if unit in ("share", "lift") else f"{c:+,.1f}")
        k["rows"] = [(day, fmt(v, unit)) for day, v in reversed(k["series"])]
        if k.get("ci_low") is not None:
            k["ci_display"] = f"{k['ci_low'] * 100:.1f}–{k['ci_high'] * 100:.1f}%"
        for extra in ("text_photo_share", "stickiness", "invalidated_share"):
            if extra in k:
                k[f"{extra}_display"] = fmt(k[extra], "share")
        if k["key"] == "creation_lift":
            k["before_display"], k["after_display"] = fmt(k["before"], "n"), fmt(k["after"], "n")
    mod = data.get("moderation")
    if mod:
        mod["display"] = [
            (_("Queue size"), fmt(mod["queue"], "n"), ""), (_("Decided"), fmt(mod["decided"], "n"), ""),
            (_("Median time to decision"), fmt(mod["median_hours"], "hours"), ""),
            (_("95th percentile time to decision (SLA 24 h)"), fmt(mod["p95_hours"], "hours"), mod["p95_status"]),
            (_("Decided after more than 24 h"), fmt(mod["over_sla"], "n"), ""),
            (_("Decided by AI alone"), fmt(mod["ai_alone_share"], "share"), ""),
            (_("AI-human agreement"), fmt(mod["agreement"], "share"), ""),
            (_("Appeals"), fmt(mod["appeals"], "n"), ""),
            (_("Appeals overturned"), fmt(mod["overturn_rate"], "share"), ""),
            (_("Violation rate of decided content"), fmt(mod["violation_rate"], "share"), mod["violation_status"]),
        ]
    pts = data.get("points")
    if pts:
        pts["display"] = [(_("Points issued"), fmt(pts["issued"], "n")), (_("Points spent"), fmt(pts["spent"], "n")),
                          (_("Points reversed"), fmt(pts["reversed"], "n")),
                          (_("Share of points reversed"), fmt(pts["reversed_share"], "share")),
                          (_("Coupons redeemed"), fmt(pts["coupons"], "n"))]
    labels = {"views": _("Page views"), "entrants": _("Entrants"), "entries": _("Entries"), "voters": _("Voters"),
              "votes": _("Votes"), "adopted": _("Adopted ideas"), "trial_apply": _("Applications"), "trial_selected": _("Selected"),
              "trial_shipped": _("Shipped"), "trial_report": _("Reports"), "trial_on_time": _("Reports on time")}
    data["funnel_display"] = [
        (_("Challenges") if name == "challenges" else _("Trials"), [(labels[step], n) for step, n in steps])
        for name, steps in data["funnel"].items()]
    data["challenge_funnel_shown"] = data["challenge_funnel"][:CHALLENGES_SHOWN]
    ret = data.get("retention")
    if ret:
        for c in ret["cohorts"]:
            c["display"] = [fmt(v, "share") if v is not None else "" for v in c["shares"]]
    bench = data.get("benchmarks")
    if bench:
        bench["deep_share_display"] = fmt(bench["deep_share"], "share")
        bench["ugc_volume_display"] = fmt(bench["ugc_volume"], "n")
    return data


def _page(request, *, brand_view):
    """The page's body is the same for everyone who asks for one view (filters, scope, language)
    of one rollup run: it is rendered once per run and kept in the cache; per request only the
    person's frame (header, menu) is rendered around it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    filters, scope, errors = _filters_and_scope(request, brand_view=brand_view)
    if errors:
        return _frame(request, _body(request, None, scope, errors, brand_view=brand_view), brand_view, status=400)
    ran = kpis.last_run()
    key = "dashboard:page:" + hashlib.sha256(repr((
        brand_view, sorted(request.GET.items()), scope.brand_ids, sorted(scope.member_ids), scope.operator,
        get_language(), ran)).encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        data = _compute(filters, scope, brand_view=brand_view, ran=ran)
        body = _body(request, data, scope, errors, brand_view=brand_view)
        cache.set(key, body, settings.DASHBOARD_CACHE_SECONDS)
    return _frame(request, body, brand_view)


def _frame(request, body, brand_view, status=200):
    # ``body`` is our own template's output, autoescaped when it was rendered.
    return render(request, "dashboard/dashboard.html", {"body": mark_safe(body), "brand_view": brand_view},
                  status=status)


def _body(request, data, scope, errors, *, brand_view):
    brands = Brand.objects.order_by("name").only("id", "name")
    if brand_view:
        brands = brands.filter(pk__in=scope.member_ids)
    context = {
        "data": _decorate(data) if data else None, "errors": errors, "brand_view": brand_view, "params": request.GET,
        "brands": list(brands),
        "categories": list(Category.objects.order_by("slug").only("id", "name_zh", "name_en", "slug")),
        "languages": LANGUAGES, "kinds": KIND_CHOICES, "query": request.GET.urlencode(),
        "chart_data": _chart_data(data) if data else None,
    }
    return render_to_string("dashboard/_body.html", context, request=request)


def _chart_data(data):
    return {"kpis": [{"key": k["key"], "title": k["title"], "unit": k["unit"], "series": k["series"],
                      "target": k["target"]} for k in data["kpis"]],
            "points": data.get("points", {}).get("series")}


def operator_page(request):
    return _page(request, brand_view=False)


def brand_page(request):
    return _page(request, brand_view=True)


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return v


def rows_for(data, table):
    """The header and rows of one table (CSV export and table views)."""
    if table == "kpis":
        yield ["kpi", "value", "previous", "change", "target", "yellow", "red", "status", "unit"]
        for k in data["kpis"]:
            yield [k["key"], _fmt(k["value"]), _fmt(k["previous"]), _fmt(k["change"]), _fmt(k["target"]),
                   _fmt(k["yellow"]), _fmt(k["red"]), k["status"], k["unit"]]
    elif table == "series":
        yield ["kpi", "day", "value"]
        for k in data["kpis"]:
            for day, v in k["series"]:
                yield [k["key"], day, _fmt(v)]
    elif table == "funnel":
        yield ["funnel", "step", "count"]
        for name, steps in data["funnel"].items():
            for step, n in steps:
                yield [name, step, n]
    elif table == "challenges":
        yield ["challenge_id", "challenge", *kpis.FUNNEL_STEPS]
        for r in data["challenge_funnel"]:
            yield [r["challenge_id"], r["title"], *[r[step] for step in kpis.FUNNEL_STEPS]]
    elif table == "moderation" and "moderation" in data:
        yield ["figure", "value"]
        for k, v in data["moderation"].items():
            yield [k, _fmt(v)]
    elif table == "points" and "points" in data:
        yield ["day", "issued", "spent"]
        yield from data["points"]["series"]
    elif table == "retention" and "retention" in data:
        yield ["cohort_week", "size", *[f"week_{w}" for w in data["retention"]["weeks"]]]
        for c in data["retention"]["cohorts"]:
            yield [c["week"], c["size"], *[_fmt(s) for s in c["shares"]]]
    else:
        raise Http404


def csv_export(request, table, *, brand_view=False):
    if table not in TABLES or not request.user.is_authenticated:
        raise Http404
    data, _scope, errors = _data(request, brand_view=brand_view)
    if errors:
        return HttpResponse("\n".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), status=400,
                            content_type="text/plain; charset=utf-8")
    rows = list(rows_for(data, table))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dashboard-{table}-{data["from"]}-{data["to"]}.csv"'
    writer = csv.writer(response)
    writer.writerows(rows)
    return response


def brand_csv_export(request, table):
    return csv_export(request, table, brand_view=True)

