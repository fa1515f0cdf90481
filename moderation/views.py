from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.errors import ServiceError
from moderation import registry, selectors, services
from moderation.forms import AppealForm, BulkForm, DecideForm, ReportForm
from moderation.models import Case, RejectReason


def moderator_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not selectors.is_moderator(request.user):
            return render(request, "moderation/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _filters(source):
    return {k: (source.get(k) or None) for k in ("content_type", "reason", "language")}


@moderator_required
def queue(request):
    filters = _filters(request.GET)
    cases = selectors.queue_list(**filters)
    overdue_before = timezone.now() - services.SLA
    for case in cases:
        case.overdue = bool(case.queued_at and case.queued_at < overdue_before)
        text = case.preview.text if case.preview else ""
        case.safe_text = selectors.mask_text(text, case.detectors)[:280]
    return render(request, "moderation/queue.html", {
        "cases": cases,
        "stats": selectors.queue_stats(moderator=request.user),
        "filters": filters,
        "kinds": registry.kinds(),
        "reasons": ["contact", "wordlist", "personal_data", "duplicate", "burst", "classifier",
                    "low_quality", "reported", "appeal", "screening_failed"],
        "reject_reasons": RejectReason.choices,
    })


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
    text = case.preview.text if case.preview else ""
    return render(request, "moderation/case.html", {
        "case": case,
        "segments": selectors.highlighted_segments(text, case.detectors),
        "history": selectors.case_history(case),
        "author": selectors.author_history(case),
        "similar": selectors.similar_items(case),
        "form": DecideForm(),
        "reject_reasons": RejectReason.choices,
        "holds_lease": case.claimed_by_id == request.user.pk,
        "appeal": getattr(case, "appeal", None),
    })


@require_POST
@moderator_required
def decide(request, case_id):
    form = DecideForm(request.POST)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not form.is_valid():
        if wants_json:
            return JsonResponse({"error": {"code": "invalid", "fields": form.errors}}, status=400)
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("moderation:case", case_id=case_id)
    try:
        services.case_decide(
            case_id=case_id, moderator=request.user, approve=form.cleaned_data["decision"] == "approve",
            reason_code=form.cleaned_data["reason"], note=form.cleaned_data["note"],
        )
    except ServiceError as exc:
        if wants_json:
            return JsonResponse({"error": {"code": exc.code, "message": str(exc.message)}}, status=exc.status_code)
        messages.error(request, exc.message)
        return redirect("moderation:case", case_id=case_id)
    nxt = services.case_claim_next(moderator=request.user)
    if wants_json:
        return JsonResponse({"ok": True, "next": reverse("moderation:case", args=[nxt.pk]) if nxt else None})
    messages.success(request, _("Decision saved."))
    return redirect("moderation:case", case_id=nxt.pk) if nxt else redirect("moderation:queue")


@require_POST
@moderator_required
def renew(request, case_id):
    try:
        case = services.case_renew_lease(case_id=case_id, moderator=request.user)
    except ServiceError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": str(exc.message)}}, status=exc.status_code)
    return JsonResponse({"lease_expires_at": case.lease_expires_at.isoformat()})


@require_POST
@moderator_required
def bulk(request):
    form = BulkForm(request.POST)
    if not form.is_valid() or (form.cleaned_data["decision"] == "reject" and not form.cleaned_data["reason"]):
        messages.error(request, _("Select items and, to reject, a reason."))
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
def report(request):
    form = ReportForm(request.POST)
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/"
    if not form.is_valid():
        messages.error(request, _("Choose a reason for the report."))
        return redirect(nxt)
    try:
        services.report_create(
            reporter=request.user, content_type=form.cleaned_data["content_type"],
            object_id=form.cleaned_data["object_id"], reason=form.cleaned_data["reason"],
            message=form.cleaned_data["message"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thanks, moderators will look at it. We'll tell you the outcome."))
    return redirect(nxt)


@login_required
def appeal(request, case_id):
    case = Case.objects.filter(pk=case_id, author=request.user).first()
    if case is None:
        raise Http404
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_create(author=request.user, case_id=case.pk, message=form.cleaned_data["message"])
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your appeal was sent. A different moderator will decide within 24 hours."))
            return redirect("moderation:appeal", case_id=case.pk)
    preview = registry.get(case.content_type).previews([case.object_id]).get(case.object_id)
    return render(request, "moderation/appeal.html", {
        "case": case, "form": form, "preview": preview, "appeal": getattr(case, "appeal", None),
    })
