"""Small helpers every page view shares."""
from django.contrib import messages
from django.utils.http import url_has_allowed_host_and_scheme


def wants_json(request) -> bool:
    """The page's script asked for JSON (``fetch`` with ``Accept: application/json``)."""
    return "application/json" in request.headers.get("Accept", "")


def _on_this_site(request, url) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next(request, default=None):
    """``next`` (POST, then GET) when it points at this site, else ``default``: never an open redirect."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return candidate if _on_this_site(request, candidate) else default


def safe_referer(request, default="/"):
    """Where the person came from, when it is this site (a form that was refused goes back there)."""
    referer = request.headers.get("Referer", "")
    return referer if _on_this_site(request, referer) else default


def message_at(request, level, text, *, anchor):
    """A flash message that belongs next to one item on the page (``anchor`` is the item's
    element id, e.g. ``review-12``): the form redirects to ``#review-12`` and the item shows
    the message itself (``{% messages_at %}``, core/templatetags/notices.py), where the person
    is looking, instead of at the top of a page scrolled away from it."""
    messages.add_message(request, level, text, extra_tags=f"{ANCHOR_TAG}{anchor}")


ANCHOR_TAG = "at-"
