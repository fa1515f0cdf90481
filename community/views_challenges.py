"""Challenge pages: list, detail (entries, submit form, countdown, prize and odds, draw,
leaderboard, results), entry detail with comments, vote toggle, my entries and my votes.
Interfaces only: parse input, call one service or selector, render."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.challenges import draw, selectors, services
from community.errors import ServiceError
from community.models import Challenge
from community.selectors import brand_list

ENTRIES_PER_PAGE = 20


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def challenge_list(request):
    state = request.GET.get("state") or ""
    brand = (request.GET.get("brand") or "")[:60]
    kind = request.GET.get("kind") or ""
    state = state if state in Challenge.State.values else ""
    kind = kind if kind in Challenge.Kind.values else ""
    qs = selectors.challenge_list(state=state or None, brand=brand or None, kind=kind or None)
    page = Paginator(qs, 12).get_page(request.GET.get("page"))
    return render(request, "community/challenges/list.html", {
        "page": page, "challenges": page.object_list, "state": state, "brand": brand, "kind": kind,
        "states": [(s, label) for s, label in Challenge.State.choices if s in selectors.LIST_STATES],
        "kinds": Challenge.Kind.choices, "brands": brand_list(),
    })


def challenge_detail(request, challenge_id):
    challenge = selectors.challenge_get(challenge_id)
    if challenge is None:
        raise Http404(_("No such challenge."))
    sort = request.GET.get("sort") or "fair"
    sort = sort if sort in selectors.ENTRY_ORDER else "fair"
    page = Paginator(selectors.entry_list(challenge=challenge, sort=sort, viewer=request.user), ENTRIES_PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    from gamification.leaderboards import leaderboard_top

    closed = challenge.state == Challenge.State.CLOSED
    return render(request, "community/challenges/detail.html", {
        "challenge": challenge, "page": page, "entries": page.object_list, "sort": sort,
        "sorts": selectors.ENTRY_SORTS,
        "voted": selectors.voted_entry_ids(viewer=request.user, challenge=challenge),
        "votes_used": selectors.votes_used(viewer=request.user, challenge=challenge),
        "vote_limit": services.vote_limit_for(request.user, challenge) if request.user.is_authenticated else challenge.votes_per_user,
        "winners": list(selectors.winners(challenge)) if challenge.state in (Challenge.State.JUDGING, Challenge.State.CLOSED) else [],
        "adopted": list(selectors.adopted_entries(challenge=challenge)),
        "leaderboard": leaderboard_top(period="all", scope=f"challenge:{challenge.pk}", limit=10),
        "closed": closed, "draw_doc": draw.__doc__,
    })


@login_required
@require_POST
def entry_submit(request, challenge_id):
    try:
        entry = services.entry_submit(
            author=request.user, challenge_id=challenge_id, text=request.POST.get("text", ""),
            images=request.FILES.getlist("images"),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("community:challenge_detail", args=[challenge_id]) + "#submit")
    if entry.is_public:
        messages.success(request, _("Your entry is published."))
    else:
        messages.success(request, _("Thanks! Your entry will appear once it has been checked."))
    return redirect("community:entry_detail", entry_id=entry.pk)


def entry_detail(request, entry_id):
    entry = selectors.entry_get_for_user(entry_id, request.user)
    if entry is None:
        raise Http404(_("No such entry."))
    return render(request, "community/challenges/entry.html", {
        "entry": entry, "challenge": entry.challenge, "images": list(entry.images.all()),
        "comments": list(selectors.entry_comments(entry, request.user)),
        "voted": entry.pk in selectors.voted_entry_ids(viewer=request.user, challenge=entry.challenge),
    })


@require_POST
def entry_vote(request, entry_id):
    if not request.user.is_authenticated:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": _("Log in to vote."), "code": "login_required"}, status=401)
        return redirect(f"{reverse('account_login')}?next=/entries/{entry_id}/")
    try:
        entry, voted = services.entry_vote_toggle(user=request.user, entry_id=entry_id)
    except ServiceError as exc:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": str(exc.message), "code": exc.code}, status=exc.status_code)
        messages.error(request, exc.message)
        return redirect(request.POST.get("next") or f"/entries/{entry_id}/")
    if _wants_json(request):
        return JsonResponse({"ok": True, "voted": voted, "vote_count": entry.vote_count})
    messages.success(request, _("Vote counted.") if voted else _("Vote withdrawn."))
    nxt = request.POST.get("next") or ""
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else f"/entries/{entry_id}/")


@login_required
@require_POST
def entry_comment(request, entry_id):
    try:
        comment = services.entry_comment_post(author=request.user, entry_id=entry_id, text=request.POST.get("text", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Comment posted.") if comment.status == "published" else _("Your comment will appear once it has been checked."))
    return redirect("community:entry_detail", entry_id=entry_id)


@login_required
def my_entries(request):
    page = Paginator(selectors.entries_of_user(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "community/challenges/my_entries.html", {"page": page, "entries": page.object_list})


@login_required
def my_votes(request):
    page = Paginator(selectors.votes_of_user(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "community/challenges/my_votes.html", {"page": page, "votes": page.object_list})
