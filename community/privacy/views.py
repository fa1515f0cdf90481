"""/me/privacy/: download my data and delete my account (the consent and staff-access
sections are added to the same page by their own views)."""
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from community.privacy import selectors, services
from community.privacy.forms import DeletionForm
from core.errors import ServiceError


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
