"""Privacy pages: the policy (public), "my consents" with one-tap toggles, and the log of staff
access to one's data. Interfaces only: parse input, call one service or selector, render."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.privacy import selectors, services
from community.privacy.models import ConsentRecord
from core.errors import ServiceError
from core.http import safe_next
from core.ratelimit import writes_limited

ACCESS_PER_PAGE = 20
HISTORY_LIMIT = 20


def policy(request):
    """The privacy policy: the current version, or ``?version=`` for an older one."""
    wanted = request.GET.get("version")
    version = selectors.policy_get(version=wanted) if wanted else selectors.policy_current()
    if version is None and wanted:
        raise Http404(_("No such policy version."))
    return render(request, "privacy/policy.html", {"policy": version, "versions": selectors.policy_list()})


@login_required
@require_http_methods(["GET", "POST"])
@writes_limited
def consent(request):
    user = request.user
    status = 200
    if request.method == "POST":
        purpose = request.POST.get("purpose", "")
        granted = request.POST.get("granted", "")
        if granted not in ("1", "0"):
            messages.error(request, _("Choose on or off."))
            status = 400
        else:
            try:
                services.consent_set(user=user, purpose=purpose, granted=granted == "1",
                                     method=ConsentRecord.Method.SETTINGS)
            except ServiceError as error:
                messages.error(request, error.message)
                status = 400
            else:
                label = ConsentRecord.Purpose(purpose).label
                messages.success(request, (_("%(purpose)s: on.") if granted == "1" else _("%(purpose)s: off."))
                                 % {"purpose": label})
                return redirect("privacy:consent")
    state = selectors.consent_state(user=user)
    policy_state = state.pop(ConsentRecord.Purpose.POLICY)
    return render(
        request,
        "privacy/consent.html",
        {
            "policy_state": policy_state,
            "optional": [state[p] for p in selectors.OPTIONAL_PURPOSES],
            "current_policy": selectors.policy_current(),
            "policy_accepted": selectors.policy_state_accepts_current(policy_state),
            "history": list(selectors.consent_history(user=user, limit=HISTORY_LIMIT)),
        },
        status=status,
    )


@login_required
@require_POST
@writes_limited
def policy_accept(request):
    method = ConsentRecord.Method.BANNER if request.POST.get("from") == "banner" else ConsentRecord.Method.SETTINGS
    if services.policy_accept(user=request.user, method=method, request=request) is not None:
        messages.success(request, _("Thank you: you accepted the current privacy policy."))
    return redirect(safe_next(request, default="/"))


@login_required
def access_log(request):
    page = Paginator(selectors.staff_access_list_for(user=request.user), ACCESS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "privacy/access.html", {"page": page, "records": page.object_list})
