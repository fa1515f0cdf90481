"""Privacy pages: the policy (public), "my consents" with one-tap toggles, and the log of staff
access to one's data. Interfaces only: parse input, call one service or selector, render.

/me/privacy/: download my data and delete my account, with links to the consent and
staff-access pages."""
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.privacy import selectors, services
from community.privacy.forms import DeletionForm
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


def _page(request, *, deletion_form=None, status=200):
    user = request.user
    export = selectors.data_export_latest(user_id=user.pk)
    state = selectors.data_export_state(export) if export else None
    context = {
        "export": export,
        "export_state": state,
        "next_export_at": services.data_export_next_allowed(user_id=user.pk),
        "deletion": selectors.deletion_scheduled(user_id=user.pk),
        "deletion_form": deletion_form or DeletionForm(),
        "staff_access_count": selectors.staff_access_count_for(user),
    }
    return render(request, "privacy/privacy.html", context, status=status)


@login_required
@never_cache
@require_GET
def privacy_page(request):
    return _page(request)


@login_required
@require_POST
def export_start(request):
    try:
        services.data_export_request(user=request.user, language=get_language())
    except ServiceError as error:
        messages.warning(request, error.message)
    else:
        messages.success(request, _("We are preparing your data. This page shows the progress; "
                                    "we will also notify you when it is ready."))
    return redirect("privacy:page")


@login_required
@never_cache
@require_GET
def export_status(request):
    """The polling endpoint of the page's script: the latest export's state."""
    export = selectors.data_export_latest(user_id=request.user.pk)
    if export is None:
        return JsonResponse({"export": None})
    state = selectors.data_export_state(export)
    state["download_url"] = reverse("privacy:export_download", args=[export.pk]) if state["downloadable"] else None
    state["expires_at"] = date_format(timezone.localtime(export.expires_at), "DATETIME_FORMAT") if export.expires_at else None
    state["created_at"] = export.created_at.isoformat()
    return JsonResponse({"export": state})


@login_required
@never_cache
@require_GET
def export_download(request, export_id):
    """Only the owner's signed-in session, only while the file is within its 7 days."""
    export = selectors.data_export_get_for_owner(user_id=request.user.pk, export_id=export_id)
    if export is None:
        raise Http404(_("No such download."))
    if not export.is_downloadable():
        messages.warning(request, _("This download has expired and its file was deleted. You can ask for a new one."))
        return redirect("privacy:page")
    response = FileResponse(export.file.open("rb"), as_attachment=True,
                            filename=f"cocreate-data-{export.created_at:%Y%m%d}.zip", content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def deletion_start(request):
    form = DeletionForm(request.POST)
    if form.is_valid():
        try:
            deletion = services.deletion_request(user=request.user, password=form.cleaned_data["password"],
                                                 keep_content=form.keep_content)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            # Signed out, so that signing in again is the way to cancel (the cool-off).
            logout(request)
            messages.warning(request, _(
                "Your account will be deleted on %(date)s. Changed your mind? Sign in before then and it is cancelled."
            ) % {"date": date_format(timezone.localtime(deletion.scheduled_for), "DATE_FORMAT")})
            return redirect("community:home")
    return _page(request, deletion_form=form, status=400)


@login_required
@require_POST
def deletion_cancel(request):
    if services.deletion_cancel(user=request.user) is not None:
        messages.success(request, _("Your account deletion is cancelled; your account stays as it was."))
    return redirect("privacy:page")
