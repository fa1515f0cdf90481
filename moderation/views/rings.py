"""Ring cases and appeals against invalidations (issue 11, section 3): the moderators' list of open
cases, one case with its decision form, the appeals list, and the shopper's own page of
invalidated interactions with the appeal form. Interfaces only: reads and writes go through
``moderation.ring_review``."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from core.ratelimit import writes_limited
from moderation import ring_review
from moderation.models import RingAppeal, RingCase
from moderation.views.queue import moderator_required

DECISIONS = (
    (RingCase.Decision.INVALIDATE_ALL, gettext_lazy("Invalidate all")),
    (RingCase.Decision.CLEAR_ALL, gettext_lazy("Clear all")),
    (RingCase.Decision.PARTIAL, gettext_lazy("Invalidate the picked members, clear the rest")),
)


class RingDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISIONS, label=gettext_lazy("Decision"))
    members = forms.TypedMultipleChoiceField(coerce=int, required=False, label=gettext_lazy("Members"))
    note = forms.CharField(max_length=ring_review.NOTE_MAX, required=False, label=gettext_lazy("Note (optional)"),
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, member_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(i, i) for i in member_ids]


class AppealForm(forms.Form):
    text = forms.CharField(max_length=ring_review.APPEAL_TEXT_MAX, label=gettext_lazy("Why were they genuine?"),
                           widget=forms.Textarea(attrs={"rows": 3}))


class AppealDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=(("uphold", gettext_lazy("Uphold: restore")),
                                          ("reject", gettext_lazy("Reject: keep invalidated"))))
    note = forms.CharField(max_length=ring_review.NOTE_MAX, required=False, label=gettext_lazy("Note to the shopper"),
                           widget=forms.Textarea(attrs={"rows": 2}))


def _errors(form):
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


@moderator_required
def ring_list(request):
    sort = "new" if request.GET.get("sort") == "new" else "score"
    page = Paginator(ring_review.open_cases(sort=sort), ring_review.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "moderation/rings.html", {
        "page": page, "cases": list(page.object_list), "sort": sort,
        "appeals_pending": ring_review.pending_appeal_count(),
    })


@moderator_required
def ring_case(request, case_id):
    detail = ring_review.case_detail(case_id)
    if detail is None:
        raise Http404
    return render(request, "moderation/ring_case.html", {
        **detail, "decisions": DECISIONS, "note_max": ring_review.NOTE_MAX,
    })


@require_POST
@moderator_required
def ring_decide(request, case_id):
    case = RingCase.objects.filter(pk=case_id).only("id").first()
    if case is None:
        raise Http404
    member_ids = list(case.members.values_list("user_id", flat=True))
    form = RingDecideForm(request.POST, member_ids=member_ids)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("moderation:ring_case", case_id=case_id)
    try:
        result = ring_review.decide_case(
            case, decision=form.cleaned_data["decision"], moderator=request.user,
            member_ids=form.cleaned_data["members"], note=form.cleaned_data["note"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("moderation:ring_case", case_id=case_id)
    messages.success(request, _("Ring case #%(id)s decided: %(inv)d interactions invalidated, %(res)d restored. "
                                "Points and counts are updated.")
                     % {"id": case_id, "inv": result["invalidated"], "res": result["restored"]})
    return redirect("moderation:rings")


@moderator_required
def ring_appeals(request):
    page = Paginator(ring_review.appeal_list(), ring_review.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    appeals = list(page.object_list)
    for appeal in appeals:
        flags = [item.flag for item in appeal.items.all()]
        appeal.flag_list = flags
        appeal.blocked = ring_review.why_cannot_decide(appeal, request.user, flags)
        appeal.detectors = sorted({str(ring_review.detector_label(f.detector)) for f in flags})
    return render(request, "moderation/ring_appeals.html", {
        "page": page, "appeals": appeals, "form": AppealDecideForm(),
    })


@require_POST
@moderator_required
def ring_appeal_decide(request, appeal_id):
    form = AppealDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("moderation:ring_appeals")
    try:
        appeal = ring_review.ring_appeal_decide(
            appeal_id=appeal_id, moderator=request.user, uphold=form.cleaned_data["decision"] == "uphold",
            note=form.cleaned_data["note"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("moderation:ring_appeals")
    if appeal.status == RingAppeal.Status.UPHELD:
        messages.success(request, _("Appeal #%(id)s upheld: the interactions count again and their points are back.")
                         % {"id": appeal.pk})
    else:
        messages.success(request, _("Appeal #%(id)s rejected: the invalidation stands.") % {"id": appeal.pk})
    return redirect("moderation:ring_appeals")


@login_required
@writes_limited
def my_invalidations(request):
    """The shopper's own invalidated interactions, why, and the appeal form (PIPL Art. 24)."""
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ring_review.ring_appeal_create(user=request.user, text=form.cleaned_data["text"])
        except ServiceError as exc:
            form.add_error("text" if "text" in exc.fields else None, exc.message)
        else:
            messages.success(request, _("Your appeal was sent. A moderator who did not take the decision will "
                                        "look at it within 24 hours."))
            return redirect("moderation:my_invalidations")
    flags = ring_review.user_invalidations(request.user.pk)
    for flag in flags:
        flag.plain = ring_review.detector_label(flag.detector)
        item = getattr(flag, "appeal_item", None)
        flag.appeal = item.appeal if item else None
    appealable = [f for f in flags if f.restored_at is None and f.appeal is None and not f.event.valid]
    return render(request, "moderation/my_invalidations.html", {
        "flags": flags, "appealable": appealable, "form": form,
    }, status=400 if form.errors else 200)
