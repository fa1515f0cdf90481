"""The moderation pages: the queue, one item, and the shopper-facing report and appeal forms.

Interfaces only: parse input, call one service or selector, render. Personal data in
content is masked on every moderator-facing page; only the author sees their own text.
"""
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import pagecache
from core.errors import ServiceError
from core.http import message_at, safe_next, wants_json
from core.ratelimit import writes_limited
from moderation import presentation, registry, selectors, services
from moderation.forms import AppealForm, BulkForm, DecideForm, ReportForm
from moderation.models import Case, RejectReason

QUEUE_PAGE_SIZE = selectors.QUEUE_PAGE_SIZE
LANGUAGES = (("zh", "中文"), ("en", "English"))
# Quick tabs over the reason filter: what the 24 h complaint and appeal SLA is about.
TABS = (("", None), ("reported", "reports"), ("appeal", "appeals"))


def moderator_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not selectors.is_moderator(request.user):  # fresh: a removal ends access at once
            return render(request, "moderation/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _filters(source):
    """Known filter values only; anything else is ignored rather than an error."""
    content_type = source.get("content_type") or None
    reason = source.get("reason") or None
    language = source.get("language") or None
    return {
        "content_type": content_type if content_type in {k.key for k in registry.kinds()} else None,
        "reason": reason if reason in selectors.QUEUE_REASONS else None,
        "language": language if language in dict(LANGUAGES) else None,
    }


@moderator_required
def queue(request):
    filters = _filters(request.GET)
    cases = selectors.queue_rows(limit=QUEUE_PAGE_SIZE, **filters)
    selectors.attach_previews(cases)
    now = timezone.now()
    for case in cases:
        presentation.case_decorate(case, now=now, viewer=request.user)
    stats = selectors.queue_summary(moderator=request.user)
    tab_labels = {"": _("All"), "reported": _("Reports"), "appeal": _("Appeals")}
    tabs = [
        {"reason": code, "label": tab_labels[code], "count": stats[key] if key else stats["total"],
         "current": (filters["reason"] or "") == code}
        for code, key in TABS
    ]
    context = {
        "cases": cases,
        "rows": presentation.queue_rows_html(cases, viewer=request.user),
        "stats": stats,
        "filters": filters,
        "has_filters": any(filters.values()),
        "tabs": tabs,
        "kinds": registry.kinds(),
        "languages": LANGUAGES,
        "reasons": [(code, presentation.queue_reason_label(code)) for code in selectors.QUEUE_REASONS],
        "reject_reasons": RejectReason.choices,
        "page_size": QUEUE_PAGE_SIZE,
        "rings_open": stats["rings_open"],  # shared, as the queue's counts are
    }
    # The layout around the queue (header, navigation, footer) is the same on every load: stored.
    # So is the body around the rows (counts, tabs, filters, bulk form) for given counts and
    # filters; the rows are always built for this load.
    body_identity = (sorted(filters.items()), sorted(stats.items()), bool(cases),
                     len(cases) >= QUEUE_PAGE_SIZE)
    return pagecache.page_with_stored_layout(request, "moderation/queue.html", "moderation/_queue_body.html", context,
                                             body_identity=body_identity, live=("rows",))


@require_POST
@moderator_required
def claim_next(request):
    case = services.case_claim_next(moderator=request.user, **_filters(request.POST))
    if case is None:
        messages.info(request, _("The queue is empty. Nice work!"))
        return redirect("moderation:queue")
    return redirect("moderation:case", case_id=case.pk)


@moderator_required
def case_detail(request, case_id):
    case = selectors.case_get(case_id=case_id)
    if case is None:
        raise Http404
    now = timezone.now()
    presentation.case_decorate(case, now=now, viewer=request.user)
    return render(request, "moderation/case.html", {
        "case": case,
        "segments": presentation.case_segments(case),
        "detectors": presentation.detector_summary(case.detectors),
        "history": selectors.case_history(case),
        "author": selectors.author_history(case),
        "similar": selectors.similar_items(case),
        "form": DecideForm(),
        "reject_reasons": RejectReason.choices,
        "holds_lease": case.held_by_me,
        "held_by_other": case.held and not case.held_by_me,
        "appeal": getattr(case, "appeal", None),
    })


def _json_error(code, message, *, status, fields=None):
    return JsonResponse({"error": {"code": code, "message": str(message), "fields": fields or {}}}, status=status)


@require_POST
@moderator_required
def decide(request, case_id):
    form = DecideForm(request.POST)
    json_reply = wants_json(request)
    if not form.is_valid():
        if json_reply:
            return _json_error("invalid", _("Some fields are not valid."), status=400, fields=form.errors)
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("moderation:case", case_id=case_id)
    try:
        services.case_decide(
            case_id=case_id, moderator=request.user, approve=form.cleaned_data["decision"] == "approve",
            reason_code=form.cleaned_data["reason"], note=form.cleaned_data["note"],
        )
    except ServiceError as exc:
        if json_reply:
            return _json_error(exc.code, exc.message, status=exc.status_code, fields=exc.fields)
        messages.error(request, exc.message)
        return redirect("moderation:case", case_id=case_id)
    # The next item loads at once: the moderator never goes back to the list between items.
    nxt = services.case_claim_next(moderator=request.user)
    if json_reply:
        return JsonResponse({"ok": True, "next": reverse("moderation:case", args=[nxt.pk]) if nxt else None})
    messages.success(request, _("Decision saved."))
    if nxt is None:  # the queue page says it is empty
        return redirect("moderation:queue")
    return redirect("moderation:case", case_id=nxt.pk)


@require_POST
@moderator_required
def renew(request, case_id):
    try:
        case = services.case_renew_lease(case_id=case_id, moderator=request.user)
    except ServiceError as exc:
        return _json_error(exc.code, exc.message, status=exc.status_code)
    return JsonResponse({"lease_expires_at": case.lease_expires_at.isoformat()})


@require_POST
@moderator_required
def release(request, case_id):
    services.case_release(case_id=case_id, moderator=request.user)
    messages.info(request, _("Item released: it is back in the queue for anyone."))
    return redirect("moderation:queue")


@require_POST
@moderator_required
def bulk(request):
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("moderation:queue")
    done, skipped = services.case_bulk_decide(
        case_ids=form.cleaned_data["ids"], moderator=request.user,
        approve=form.cleaned_data["decision"] == "approve", reason_code=form.cleaned_data["reason"],
    )
    messages.success(request, _("%(done)d decided, %(skipped)d skipped (held by others or already decided).")
                     % {"done": len(done), "skipped": len(skipped)})
    return redirect("moderation:queue")



@require_POST
@login_required
@writes_limited
def report(request):
    """A shopper's report. With JavaScript (``Accept: application/json``) the answer replaces
    the report control in place (static/js/app.js); without it the page comes back to the
    reported item (``next`` ends with ``#<kind>-<id>``), which shows the message itself."""
    form = ReportForm(request.POST)
    nxt = safe_next(request, "/")
    if not form.is_valid():
        return _report_answer(request, nxt, form.cleaned_data.get("content_type"), form.cleaned_data.get("object_id"), ok=False,
                              text=_("Choose a reason for the report."), status=400)
    kind, object_id = form.cleaned_data["content_type"], form.cleaned_data["object_id"]
    try:
        services.report_create(
            reporter=request.user, content_type=kind, object_id=object_id,
            reason=form.cleaned_data["reason"], message=form.cleaned_data["message"],
        )
    except ServiceError as exc:
        return _report_answer(request, nxt, kind, object_id, ok=False, text=exc.message, status=exc.status_code)
    return _report_answer(request, nxt, kind, object_id, ok=True,
                          text=_("Thanks, moderators will look at it. We'll tell you the outcome."))


def _report_answer(request, nxt, kind, object_id, *, ok, text, status=200):
    if wants_json(request):
        return JsonResponse({"ok": ok, "message" if ok else "error": str(text)}, status=200 if ok else status)
    level = messages.SUCCESS if ok else messages.ERROR
    if kind and object_id:
        message_at(request, level, text, anchor=f"{kind}-{object_id}")
    else:
        messages.add_message(request, level, text)
    return redirect(nxt)


@login_required
def appeal(request, case_id):
    # Only the author reaches their case here; anyone else gets a 404, not a hint it exists.
    case = Case.objects.filter(pk=case_id, author=request.user).select_related("appeal").first()
    if case is None:
        raise Http404
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_create(author=request.user, case_id=case.pk, message=form.cleaned_data["message"])
        except ServiceError as exc:
            form.add_error("message" if "message" in exc.fields else None, exc.message)
        else:
            messages.success(request, _("Your appeal was sent. A different moderator will decide within 24 hours."))
            return redirect("moderation:appeal", case_id=case.pk)
    preview = registry.get(case.content_type).previews([case.object_id]).get(case.object_id)
    return render(request, "moderation/appeal.html", {
        "case": case, "form": form, "preview": preview, "appeal": getattr(case, "appeal", None),
        "kind_label": presentation.kind_label(case.content_type),
    }, status=400 if form.errors else 200)
