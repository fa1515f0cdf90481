"""Server-rendered gamification pages (core): the points history and the daily check-in.

Interfaces only: parse input, call one service or selector, render.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gamification import selectors, streaks
from gamification.labels import entry_label

HISTORY_PER_PAGE = 20


@login_required
def points(request):
    """The viewer's balance, level progress, streaks and ledger history with a reason for every row."""
    user = request.user
    totals = selectors.user_points(user.pk)
    page = Paginator(selectors.points_history(user.pk), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    for entry in entries:
        entry.label = entry_label(entry)
        entry.is_pending = entry.vests_at is not None and entry.vested_at is None and entry.reverses_id is None
    return render(
        request,
        "gamification/points.html",
        {
            "totals": totals,
            "progress": selectors.level_progress(user, points=totals),
            "streaks": selectors.streaks_for_user(user),
            "page": page,
            "entries": entries,
        },
    )


@login_required
@require_POST
def checkin(request):
    created, entry, streak = streaks.checkin(user_id=request.user.pk)
    if created:
        msg = _("Checked in. Your check-in streak: %(n)d days.") % {"n": streak}
    else:
        msg = _("You have already checked in today. Come back tomorrow!")
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"ok": True, "created": created, "points": entry.amount if entry else 0, "streak": streak,
                             "message": msg})
    if created:
        messages.success(request, msg)
    else:
        messages.info(request, msg)
    return redirect("gamification:points")
