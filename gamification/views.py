"""Server-rendered gamification pages (core): the points history and the daily check-in.

Interfaces only: parse input, call one service or selector, render.
"""
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from community import hooks
from core.errors import ServiceError
from gamification import leaderboards, rewards, selectors, streaks
from gamification.labels import entry_label
from gamification.models import Badge

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
            "integrity_notice": hooks.invalidated_interactions_notice(user.pk),
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


# --- badges, leaderboards and the rewards store ------------------------------------------------


HOLDERS_PER_PAGE = 30
REDEMPTIONS_PER_PAGE = 20
PERIOD_TABS = (
    ("week", gettext_lazy("This week")),
    ("month", gettext_lazy("This month")),
    ("all", gettext_lazy("All time")),
)


def badge_list(request):
    badges = Badge.objects.filter(is_active=True).annotate(holder_count=Count("holders")).order_by("position", "id")
    return render(request, "gamification/badge_list.html", {"badges": badges})


def badge_detail(request, slug):
    badge = Badge.objects.filter(slug=slug, is_active=True).annotate(holder_count=Count("holders")).first()
    if badge is None:
        raise Http404(_("No such badge."))
    holders = selectors.badge_holders_public(badge)
    page = Paginator(holders, HOLDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "gamification/badge_detail.html", {"badge": badge, "page": page, "holders": page.object_list})


def leaderboard(request):
    period = request.GET.get("period") or "week"
    if period not in leaderboards.PERIODS:
        period = "week"
    scope = request.GET.get("scope") or leaderboards.OVERALL
    try:
        board = leaderboards.leaderboard_get(period=period, scope=scope, viewer=request.user)
    except ServiceError:
        raise Http404(_("No such leaderboard.")) from None
    return render(
        request,
        "gamification/leaderboard.html",
        {"board": board, "period": period, "scope": board["scope"], "tabs": PERIOD_TABS},
    )


def reward_store(request):
    items = list(rewards.reward_list_open())
    context = {"rewards": items, "balance": None}
    if request.user.is_authenticated:
        from gamification.selectors import user_points

        used = rewards.redemption_counts_for_user(user_id=request.user.pk, reward_ids=[r.pk for r in items])
        for reward in items:
            reward.used = used.get(reward.pk, 0)
            reward.left_for_me = max(0, reward.per_user_limit - reward.used)
        context["balance"] = user_points(request.user.pk)
        # One key per rendered form: a double tap or a resent form redeems once.
        context["request_key"] = uuid.uuid4().hex
    return render(request, "gamification/reward_store.html", context)


@require_POST
def reward_redeem(request, reward_id):
    if not request.user.is_authenticated:
        messages.info(request, _("Log in to redeem rewards."))
        return redirect(f"/accounts/login/?next=/rewards/%23reward-{reward_id}")
    try:
        redemption = rewards.reward_redeem(user_id=request.user.pk, reward_id=reward_id, key=request.POST.get("key"))
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(f"/rewards/#reward-{reward_id}")
    messages.success(request, _("Redeemed! Your code is %(code)s.") % {"code": redemption.code.code})
    return redirect("gamification_public:my_rewards")


@login_required
def my_rewards(request):
    page = Paginator(rewards.redemption_list_for_user(user_id=request.user.pk), REDEMPTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "gamification/my_rewards.html", {"page": page, "redemptions": page.object_list})
