"""Challenge pages: list, detail (entries, submit form, countdown, prize and odds, draw,
leaderboard, results, a poll's options), entry detail with comments, vote toggles (entries and
poll options), my entries and my votes.
Interfaces only: parse input, call one service or selector, render."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from community import hooks
from community.cocreation import draw, pageviews, polls, selectors, services
from community.cocreation.models import Challenge, Entry
from community.selectors import brand_list
from core.errors import ServiceError
from core.http import message_at, safe_next, wants_json
from core.ratelimit import writes_limited

ENTRIES_PER_PAGE = 20



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
    # Brand staff preview their drafts here (the admin's "Preview"); nobody else sees a draft.
    challenge = selectors.challenge_get(challenge_id, viewer=request.user)
    if challenge is None:
        raise Http404(_("No such challenge."))
    sort = request.GET.get("sort") or "fair"
    sort = sort if sort in selectors.ENTRY_ORDER else "fair"
    page = Paginator(selectors.entry_list(challenge=challenge, sort=sort, viewer=request.user), ENTRIES_PER_PAGE)
    page = page.get_page(request.GET.get("page"))

    closed = challenge.state == Challenge.State.CLOSED
    poll = _poll_context(request, challenge) if challenge.kind == Challenge.Kind.POLL else {}
    pageviews.challenge_view_count(request, challenge)  # the funnel's first step: cache only, no query
    return render(request, "community/challenges/detail.html", {
        "challenge": challenge, "page": page, "entries": page.object_list, "sort": sort,
        "sorts": selectors.ENTRY_SORTS,
        "voted": selectors.voted_entry_ids(viewer=request.user, challenge=challenge),
        "votes_used": selectors.votes_used(viewer=request.user, challenge=challenge),
        "vote_limit": services.vote_limit_for(request.user, challenge) if request.user.is_authenticated else challenge.votes_per_user,
        "winners": list(selectors.winners(challenge)) if challenge.state in (Challenge.State.JUDGING, Challenge.State.CLOSED) else [],
        "adopted": list(selectors.adopted_entries(challenge=challenge)),
        "draw_winners": selectors.draw_winner_users(challenge),
        # Rows carry their user (one query for all of them) so the board shows names, not ids.
        "leaderboard": hooks.leaderboard_get(period="all", scope=f"challenge:{challenge.pk}", limit=10)["rows"],
        "closed": closed, "draw_doc": draw.__doc__,
        **poll,
    })


def _poll_context(request, challenge):
    """What templates/community/challenges/_poll.html needs; a poll's votes are on its options,
    so ``votes_used`` (shown under the rewards) counts those."""
    options = selectors.poll_options(challenge=challenge, viewer=request.user)
    return {
        "poll_options": options,
        "poll_total": sum(o.vote_count for o in options),
        "poll_results": selectors.poll_shows_results(challenge),
        "votes_used": sum(1 for o in options if o.voted),
    }



def _vote_tap(request, toggle, *, back, done, anchor=None, extra=None):
    """A one-tap vote as a plain form POST (works without JS) or, with ``Accept:
    application/json``, in place. ``toggle()`` returns (item, voted); ``back`` is where a
    refusal returns to, ``done(item)`` where a counted or withdrawn vote does (both only
    to this site: ``next`` is checked). With ``anchor`` (the voted item's element id) the
    message shows next to that item, which the page comes back to, not at the page's top.
    ``extra(item)`` adds keys to the JSON answer (a poll's other options change too)."""
    if not request.user.is_authenticated:
        if wants_json(request):
            return JsonResponse({"ok": False, "error": _("Log in to vote."), "code": "login_required"}, status=401)
        return redirect(f"{reverse('account_login')}?{urlencode({'next': back})}")
    try:
        item, voted = toggle()
    except ServiceError as exc:
        if wants_json(request):
            return JsonResponse({"ok": False, "error": str(exc.message), "code": exc.code}, status=exc.status_code)
        _vote_message(request, messages.ERROR, exc.message, anchor)
        return redirect(back)
    text = _("Vote counted.") if voted else _("Vote withdrawn.")
    if wants_json(request):
        body = {"ok": True, "voted": voted, "vote_count": item.vote_count, "message": text}
        return JsonResponse({**body, **(extra(item) if extra else {})})
    _vote_message(request, messages.SUCCESS, text, anchor)
    return redirect(safe_next(request, done(item)))


def _vote_message(request, level, text, anchor):
    if anchor:
        message_at(request, level, text, anchor=anchor)
    else:
        messages.add_message(request, level, text)


@require_POST
@writes_limited
def poll_vote(request, option_id):
    """One tap votes for a poll option, a second withdraws; comes back to the poll."""
    return _vote_tap(
        request, lambda: polls.poll_vote_toggle(user=request.user, option_id=option_id),
        back=safe_next(request, reverse("community:challenge_list")),
        done=lambda option: reverse("community:challenge_detail", args=[option.challenge_id]) + "#poll",
        extra=lambda option: _poll_state(request, option.challenge_id),
    )


def _votes_text(count):
    return ngettext("%(counter)s vote", "%(counter)s votes", count) % {"counter": count}


def _poll_state(request, challenge_id):
    """Every option's count, share and the voter's choice after a tap, for the page to update
    in place (a vote on one option moves every option's share): two queries."""
    options = selectors.poll_options(challenge=Challenge(pk=challenge_id), viewer=request.user)
    return {
        "total_text": _votes_text(sum(o.vote_count for o in options)),
        "options": [{"id": o.pk, "vote_count": o.vote_count, "votes_text": _votes_text(o.vote_count),
                     "percent": o.percent, "voted": o.voted} for o in options],
    }


@login_required
@require_POST
@writes_limited
def entry_submit(request, challenge_id):
    try:
        entry = services.entry_submit(
            author=request.user, challenge_id=challenge_id, text=request.POST.get("text", ""),
            images=request.FILES.getlist("images"),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("community:challenge_detail", args=[challenge_id]) + "#submit")
    # Screening may already have decided (it runs in-process, after commit, without a worker):
    # say what actually happened, read back from the row.
    entry.refresh_from_db(fields=["status"])
    if entry.status == Entry.Status.PUBLISHED:
        messages.success(request, _("Your entry is published: everyone can see it and vote for it now."))
    elif entry.status == Entry.Status.PENDING:
        messages.info(request, _("Thanks! A moderator will check your entry before others can see it; "
                                 "this usually takes a few minutes. Until then only you can see it."))
    else:
        messages.error(request, _("Your entry was not published; the reason is shown with it."))
    return redirect("community:entry_detail", entry_id=entry.pk)


def _own_entry_quality(entry, user):
    """The author's own entry: its quality band, explanation and hints (one query; none for
    anyone else, nor when the entry has no score yet)."""
    if not user.is_authenticated or entry.author_id != user.pk or entry.quality_score is None:
        return None

    return hooks.quality_summary(content_type="entry", object_id=entry.pk)


def entry_detail(request, entry_id):
    entry = selectors.entry_get_for_user(entry_id, request.user)
    if entry is None:
        raise Http404(_("No such entry."))
    return render(request, "community/challenges/entry.html", {
        "entry": entry, "challenge": entry.challenge, "images": list(entry.images.all()),
        "comments": list(selectors.entry_comments(entry, request.user)),
        "voted": selectors.voted_entry_ids(viewer=request.user, challenge=entry.challenge),
        "own_quality": _own_entry_quality(entry, request.user),
    })


@require_POST
@writes_limited
def entry_vote(request, entry_id):
    """One tap votes for an entry, a second withdraws; comes back to ``next`` or the entry."""
    entry_url = reverse("community:entry_detail", args=[entry_id]) + f"#entry-{entry_id}"
    return _vote_tap(
        request, lambda: services.entry_vote_toggle(user=request.user, entry_id=entry_id),
        back=safe_next(request, entry_url), done=lambda entry: entry_url, anchor=f"entry-{entry_id}",
    )


@login_required
@require_POST
@writes_limited
def entry_comment(request, entry_id):
    try:
        comment = services.entry_comment_post(author=request.user, entry_id=entry_id, text=request.POST.get("text", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        comment.refresh_from_db(fields=["status"])  # as for entries: screening may have decided already
        if comment.status == Entry.Status.PUBLISHED:
            message_at(request, messages.SUCCESS, _("Comment posted."), anchor=f"comment-{comment.pk}")
        elif comment.status == Entry.Status.PENDING:
            message_at(request, messages.INFO, _("Your comment will appear once it has been checked."),
                       anchor=f"comment-{comment.pk}")
        else:
            messages.error(request, _("Your comment was not published."))
        return redirect(reverse("community:entry_detail", args=[entry_id]) + f"#comment-{comment.pk}")
    return redirect("community:entry_detail", entry_id=entry_id)


@login_required
def my_entries(request):
    page = Paginator(selectors.entries_of_user(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "community/challenges/my_entries.html", {"page": page, "entries": page.object_list})


@login_required
def my_votes(request):
    page = Paginator(selectors.votes_of_user(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "community/challenges/my_votes.html", {"page": page, "votes": page.object_list})


@require_http_methods(["GET", "HEAD"])
def user_public(request, user_id):
    """A member's public profile: published reviews and entries, adopted ideas, wins, level, badges.

    Shows nothing private (no e-mail, no username, no pending or rejected content). Until the
    member consents to a public profile, others see only the display name (the private state)."""
    data = selectors.user_public_profile(user_id, viewer=request.user)
    if data is None:
        raise Http404(_("No such member."))
    member = data["member"]
    context = {**data, "is_me": request.user.is_authenticated and request.user.pk == member.pk}
    if data["full"]:
        context["level"] = hooks.user_level(member.pk)
        context["badges"] = hooks.badges_for_users([member.pk], per_user=None).get(member.pk, [])
    return render(request, "community/user_public.html", context)
