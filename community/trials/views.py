"""Trial program pages: the list, a program with its apply form, the trial report form, and
"my trials". Interfaces only: parse input, call one service or selector, render."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from community.cocreation.selectors import adopted_entries
from community.forms import ServiceErrorFormMixin
from community.models import Brand
from community.trials import selectors, services
from community.trials.models import TrialApplication
from core.errors import ServiceError
from core.ratelimit import writes_limited

TRIALS_PER_PAGE = 12


class TrialApplyForm(ServiceErrorFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you want to try it?"),
        max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": services.REASON_MAX_LENGTH}),
        help_text=gettext_lazy("A sentence or two: how you would use it and what you would look at."),
    )
    # Only what the parcel needs, kept apart and shared with this trial's brand only.
    recipient_name = forms.CharField(label=gettext_lazy("Name on the parcel"),
                                     max_length=services.SHIPPING_LIMITS["recipient_name"])
    phone = forms.CharField(label=gettext_lazy("Phone for the courier"), max_length=services.SHIPPING_LIMITS["phone"],
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    address = forms.CharField(label=gettext_lazy("Shipping address"), max_length=services.SHIPPING_LIMITS["address"],
                              widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}))
    shipping_consent = forms.BooleanField(
        label=gettext_lazy("Share my name, phone and address with this brand to ship my sample"),
        help_text=gettext_lazy("Only if you are selected, only for this trial, and deleted 30 days after the report "
                               "deadline. You can stop sharing on My trials."),
        error_messages={"required": gettext_lazy("Tick the box to share these details with the brand for this trial.")},
    )

    def shipping_fields(self):
        return [self["recipient_name"], self["phone"], self["address"]]

    def shipping(self):
        data = self.cleaned_data
        return {"recipient_name": data["recipient_name"], "phone": data["phone"], "address": data["address"],
                "consent": data["shipping_consent"]}


class TrialReportForm(ServiceErrorFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Your rating"), coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)]
    )
    text = forms.CharField(
        label=gettext_lazy("Your trial report"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )


def _program_or_404(program_id):
    program = selectors.trial_get(program_id=program_id)
    if program is None:
        raise Http404(_("No such trial."))
    return program


def trial_list(request):
    page = Paginator(selectors.trial_list(), TRIALS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "community/trials/list.html", {"page": page, "programs": page.object_list,
                                                          "now": timezone.now()})


@require_http_methods(["GET", "POST"])
@writes_limited
def trial_detail(request, program_id):
    program = _program_or_404(program_id)
    application = selectors.trial_application_get(user=request.user, program=program)
    status = 200
    form = TrialApplyForm()
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        form = TrialApplyForm(request.POST)
        if form.is_valid():
            try:
                services.trial_apply(user=request.user, program=program, reason=form.cleaned_data["reason"],
                                     shipping=form.shipping())
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("Thank you! You applied for this trial. We will tell you if you are selected."))
                return redirect("community:trial_detail", program_id=program.pk)
        status = 400
    return render(
        request,
        "community/trials/detail.html",
        {"program": program, "application": application, "form": form, "window_open": program.window_open(),
         "can_report": application is not None and application.status in (*services.OWING, "overdue", "reported")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@writes_limited
def trial_report(request, program_id):
    program = _program_or_404(program_id)
    application = selectors.trial_application_get(user=request.user, program=program)
    if application is None or application.status in (TrialApplication.Status.APPLIED,
                                                      TrialApplication.Status.NOT_SELECTED):
        raise Http404(_("You are not a tester of this trial."))
    status = 200
    if request.method == "POST":
        form = TrialReportForm(request.POST)
        if form.is_valid():
            try:
                services.trial_report_post(
                    user=request.user, application=application, rating=form.cleaned_data["rating"],
                    text=form.cleaned_data["text"],
                )
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("Thank you! Your trial report is saved."))
                return redirect("community:my_trials")
        status = 400
    else:
        review = application.review
        form = TrialReportForm(initial={"rating": review.rating, "text": review.text} if review else {})
    return render(request, "community/trials/report.html",
                  {"program": program, "application": application, "form": form}, status=status)


@login_required
@require_http_methods(["POST"])
@writes_limited
def trial_shipping_withdraw(request, program_id):
    """Stop sharing the parcel details with the trial's brand (one tap on My trials)."""
    application = selectors.trial_application_get(user=request.user, program=_program_or_404(program_id))
    if application is None:
        raise Http404(_("You did not apply for this trial."))
    if services.trial_shipping_withdraw(user=request.user, application=application):
        messages.success(request, _("Your shipping details were deleted; the brand can no longer see them."))
    return redirect("community:my_trials")


@login_required
def my_trials(request):
    page = Paginator(selectors.trial_applications_for_user(user=request.user), TRIALS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "community/trials/mine.html", {"page": page, "applications": page.object_list})


def _adopted_ideas(brand, limit):
    """The brand's adopted ideas ("you said, we did"); one query."""
    return list(adopted_entries(brand=brand)[:limit])


BRAND_ADOPTED_LIMIT = 20
BRAND_TRIALS_LIMIT = 6


def brand_detail(request, slug):
    """A brand's page: its trials and "you said, we did" (ideas it adopted, with what it will do)."""
    brand = Brand.objects.filter(slug=slug).first()
    if brand is None:
        raise Http404(_("No such brand."))
    trials = list(selectors.trial_list(brand=slug)[:BRAND_TRIALS_LIMIT])
    return render(
        request,
        "community/trials/brand.html",
        {"brand": brand, "trials": trials, "adopted": _adopted_ideas(brand, BRAND_ADOPTED_LIMIT)},
    )
